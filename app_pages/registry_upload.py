import streamlit as st

from components import pickers, registry_upload, session
from components.context import warehouse
from domain.roles import can

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
registry_upload.explanation()
registry_upload.upload_form(wh)
