"""Inloggen / Mijn account: the sign-in form, or who is signed in with a sign-out button."""

from __future__ import annotations

import streamlit as st

from components import session, sign_in

if session.is_signed_in():
    st.title("Mijn account")
    sign_in.login_form()
    st.write("Uw rol bepaalt wat u in de monitor kunt doen.")
    if st.button("Uitloggen", key="_msd_logout_page", icon=":material/logout:"):
        if session.sign_out("logout", notice="U bent uitgelogd.") != "oidc":
            st.rerun()
else:
    st.title("Inloggen")
    st.write("Raadsleden, griffie, ambtenaren en beheerders loggen hier in.")
    sign_in.login_form(home="/")
