import streamlit as st

from components import pickers, sources_view
from components.context import warehouse

wh = warehouse()
st.title("Bronnen en definities")
pickers.demo_banner(wh)
st.markdown(
    "Elk cijfer in de monitor staat hieronder met wat het meet, waar het vandaan komt en wanneer het is geladen. "
    "CBS-cijfers komen eerst voorlopig uit (voorjaar) en later definitief (najaar). Cijfers uit de eigen "
    "registratie van de gemeente zijn sneller, maar tellen soms anders dan CBS."
)
sources_view.privacy_rules(wh)
sources_view.indicator_table(wh)
sources_view.source_table(wh)
