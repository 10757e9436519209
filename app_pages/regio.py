import streamlit as st

from components import pickers, region_view, state
from components.context import readable_members, warehouse
from domain import formatting as fmt
from queries import figures as q
from queries import region
from store.markdown import escape_text

wh = warehouse().root  # the region view is about every member, whichever one the menu shows
if not wh.is_region:
    st.title("Regio")
    st.info("Deze monitor is voor één gemeente. Een regio met meer gemeenten is hier niet ingesteld.")
    st.stop()
if len(readable_members(wh)) < len(wh.members):  # an account of one member reads that member only
    st.title("Regio")
    st.info("Met uw account ziet u de cijfers van één gemeente. Het overzicht van de hele regio is er voor "
            "accounts van de hele regio.")
    st.stop()

name = wh.region["name"] if wh.region else "De regio"
st.title(name)
pickers.demo_banner(wh, f"{name} en de gemeenten daarin zijn verzonnen.")
members = ", ".join(wh.member_name(c) for c in wh.members)
st.markdown(f"Hier staan de gemeenten van de regio naast elkaar: {escape_text(members)}. "
            "Daarna volgen het cijfer van de hele regio en dat van Nederland.")
st.caption(region_view.TOTAL_TEXT)
region_view.member_links(wh)

laws = [law for law in q.LAW_ORDER if not region.indicators(wh, law).is_empty()]
left, middle, right = st.columns(3)
law = state.url_select("Onderwerp", laws, "wet", container=left, format_func=fmt.law_label)
cat = region.indicators(wh, law)
titles = dict(zip(cat["id"], cat["title"], strict=True))
indicator_id = state.url_select("Cijfer", cat["id"].to_list(), "indicator", container=middle,
                                format_func=lambda i: titles[i])
years = region.years(wh, cat["id"].to_list())
if not years:
    st.info("Voor dit onderwerp zijn nog geen cijfers van deze gemeenten geladen.")
    st.stop()
year = state.url_select("Jaar", list(reversed(years)), "jaar", container=right,
                        default=region.latest_year(wh, region.headline_ids(wh, law) or cat["id"].to_list()),
                        help="Het laatste jaar kan voorlopig zijn. Voorlopige cijfers zijn gemarkeerd.")

region_view.table_section(wh, law, year)
ind = q.indicator(wh, indicator_id)
region_view.indicator_section(wh, ind, year)
region_view.time_section(wh, ind)
