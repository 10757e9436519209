import streamlit as st

from components import pickers, registry_upload, session
from components.context import warehouse
from domain.roles import can
from store.markdown import escape_text

wh = warehouse()
st.title("Registratie laden")
if not can(session.current_role(), "upload_registry"):
    # Reached by URL without the right role: refuse on the server, not only in the menu.
    st.error("Deze pagina is alleen voor ambtenaren en beheerders.")
    st.stop()
pickers.demo_banner(wh)
if wh.is_demo:
    st.info("Dit is de demo. Echte gegevens worden niet bij de verzonnen cijfers geladen: de beheerder zet daarvoor "
            "een eigen warehouse op (zie docs/loading-safely.md).")
if wh.is_region:  # an extract is one member's: the municipality this page is about
    st.markdown(f"U laadt de registratie van **{escape_text(wh.member_name(wh.gemeente))}**."
                + ("" if session.member_scope() else " Kies een andere gemeente in het menu om die te laden."))
registry_upload.explanation()
registry_upload.upload_form(wh)
