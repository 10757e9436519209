import streamlit as st

from components import pickers, search, signals_view
from components.context import warehouse
from components.law_page import LAW_INFO
from queries import figures as q

wh = warehouse()
st.title(f"Sociaal domein {wh.meta.get('gemeente_name', '')}")
pickers.demo_banner(wh)
st.markdown(
    "Hier staan de belangrijkste cijfers per wet, met het verschil met vorig jaar en met Nederland en "
    "vergelijkbare gemeenten. Klik op **Bekijk de details** voor de uitleg van de gemeente bij een cijfer."
)
search.search_box(wh, key="zoek-overzicht")  # also in the sidebar; here the first thing a visitor sees
all_ids = q.headline_ids(wh)
year = pickers.year_picker(wh, all_ids, [wh.gemeente])
if year is None:
    st.info("Er zijn nog geen cijfers geladen.")
    st.stop()
st.header("Wat vraagt aandacht?")
st.markdown("De vijf belangrijkste signalen: cijfers die meer veranderden dan toeval, afwijken van vergelijkbare "
            "gemeenten of van een doel. Bij elk signaal staat of de gemeente het al heeft uitgelegd.")
signals_view.top_five(wh)
st.header("Wat is er nieuw")
signals_view.whats_new(wh)
for law, info in LAW_INFO.items():
    st.header(info["title"])
    pickers.headline_tiles(wh, law, year, link=True)
st.header("Inwoners en huishoudens")
pickers.headline_tiles(wh, "context", year, link=True)
