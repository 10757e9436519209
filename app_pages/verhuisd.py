"""The old address /veiligheid: its figures moved to the Wmo (Veilig Thuis) and Jeugd (jeugdbescherming) pages.
A shared link to one figure opens that figure on its new page; any other link says where to look."""

import streamlit as st

from components.context import warehouse
from components.pickers import LAW_PAGES
from queries import figures as q

wh = warehouse()
indicator_id = st.query_params.get("indicator")
known = indicator_id in set(q.catalogue(wh)["id"].to_list())
if known:
    st.switch_page(LAW_PAGES[q.indicator(wh, indicator_id)["law"]], query_params=st.query_params.to_dict())
st.title("Deze pagina is verhuisd")
st.markdown("De cijfers over veiligheid staan nu bij de wet waar ze bij horen.")
st.page_link(LAW_PAGES["wmo"], label="Veilig Thuis en huiselijk geweld: bij de Wmo", icon=":material/home:")
st.page_link(LAW_PAGES["jeugd"], label="Jeugdbescherming en jeugdreclassering: bij Jeugd", icon=":material/child_care:")
