"""One figure for a council document: chart, describing sentence, source line and a link back.

Address: ``/embed?indicator=<id>``. The same figure as the public edition's ``embed/<id>.html``."""

import polars as pl
import streamlit as st

from components import charts, indicator_view
from components.context import MEMBER_KEY, warehouse
from publish.site import figure_regions
from queries import figures as q

wh = warehouse()
cat = q.catalogue(wh)
asked = st.query_params.get("indicator", "")
if asked not in set(cat["id"]):  # from the menu: choose the figure here (the page was an empty panel)
    st.title("Figuur insluiten")
    st.markdown("Wilt u één figuur in een raadsstuk of op een website zetten? Kies het cijfer. U ziet dan de "
                "grafiek met de zin die hem beschrijft, de bron en een link terug naar de monitor.")
    titles = dict(zip(cat["id"], cat["title"], strict=True))
    chosen = st.selectbox("Cijfer", cat["id"].to_list(), index=None, placeholder="Kies een cijfer",
                          format_func=lambda i: titles[i], key="embed-choice")
    if chosen:
        st.query_params["indicator"] = chosen
        st.rerun()
    st.info("Het adres van de figuur eindigt op ?indicator= met de code van het cijfer, bijvoorbeeld "
            "?indicator=wmo_clients_per_1000. Dat adres zet u in het raadsstuk of op de website.")
    st.stop()
ind = q.indicator(wh, asked)
shown_id, regions = figure_regions(wh, ind)
shown = q.indicator(wh, shown_id)
codes = [c for c in regions if c != q.PEER_CODE]
df = q.series_compared(wh, shown_id, codes, peer_median=q.PEER_CODE in regions)
st.title(ind["title"])  # the page heading of an embedded figure (one h1 per page)
if df.filter(pl.col("value").is_not_null()).is_empty():
    st.info("Voor dit cijfer zijn er geen cijfers te tonen.")
else:
    charts.show(charts.time_chart(df, unit=shown["unit"], unit_label=shown["unit_label"],
                                  series_breaks=shown["series_breaks"]), key=f"embed-{asked}")
    st.caption(indicator_view.describe_series(df, shown["unit"]))
st.caption(indicator_view.provenance(wh, shown, df))
st.page_link(f"app_pages/{ind['law']}.py" if ind["law"] != "context" else "app_pages/trends.py",
             label="Bekijk dit cijfer met de tabel en de duiding in de monitor",
             query_params={"indicator": asked, **({MEMBER_KEY: wh.gemeente} if wh.is_region else {})})
