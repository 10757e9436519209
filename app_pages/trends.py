import streamlit as st

from components import indicator_view, pickers, state
from components.context import warehouse
from queries import figures as q

wh = warehouse()
st.title("Trends")
pickers.demo_banner(wh)
st.markdown("Kies een cijfer en de gebieden die u wilt vergelijken. Open punten en een stippellijn zijn voorlopige "
            "cijfers; een verticale lijn is een trendbreuk of een gebeurtenis.")
cat = q.catalogue(wh)
titles = dict(zip(cat["id"], cat["title"], strict=True))
indicator_id = state.url_select("Cijfer", cat["id"].to_list(), "indicator", default="youth_care_pct",
                                format_func=lambda i: titles[i])
regions = pickers.comparison_regions(wh, indicator_id)
kinds = q.period_kinds(wh, indicator_id, [wh.gemeente])
kind_names = {"JJ": "Per jaar", "KW": "Per kwartaal", "MM": "Per maand"}
kind = state.url_select("Periode", kinds, "periode", format_func=lambda k: kind_names[k]) if len(kinds) > 1 else "JJ"
indicator_view.indicator_block(wh, indicator_id, regions, key=f"trend-{indicator_id}", period_kind=kind or "JJ",
                               note_regions=[wh.gemeente])
