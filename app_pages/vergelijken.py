import streamlit as st

from components import comparison_view, indicator_view, pickers, state
from components.context import warehouse
from queries import figures as q

wh = warehouse()
st.title("Vergelijken met andere gemeenten")
pickers.demo_banner(wh)
st.markdown("Is een cijfer hoog of laag? Dat hangt af van met wie u vergelijkt. Vergelijk daarom met gemeenten die "
            "op uw gemeente lijken: qua inwoners, leeftijd, huishoudens, inkomen, bijstand en stedelijkheid. Of kies "
            "zelf een groep.")

context_years = q.years(wh, ["population"], [wh.gemeente])
if not context_years:
    st.info("Er zijn nog geen inwonertallen geladen; zonder die kenmerken kunnen we geen groep kiezen.")
    st.stop()
group = comparison_view.peer_group_picker(wh, context_years[-1])
comparison_view.similar_section(wh, group, context_years[-1])

st.divider()
cat = comparison_view.comparable_indicators(wh)
titles = dict(zip(cat["id"], cat["title"], strict=True))
left, right = st.columns(2)
indicator_id = state.url_select("Cijfer", cat["id"].to_list(), "indicator", default="wmo_clients_per_1000",
                                container=left, format_func=lambda i: titles[i])
years = q.years(wh, [indicator_id], [wh.gemeente, *group.codes])
if not years or not group.codes:
    st.info("Voor dit cijfer en deze groep zijn geen cijfers.")
    st.stop()
year = state.url_select("Jaar", list(reversed(years)), "jaar", default=years[-1], container=right)
comparison_view.indicator_against_group(wh, group, indicator_id, year)
st.markdown("**Door de jaren heen**: de lijn van de gemeente, Nederland en de mediaan van de groep, met de spreiding "
            "van de groep als grijze band.")
indicator_view.indicator_block(wh, indicator_id, [wh.gemeente, "NL01", q.PEER_CODE], key=f"vergelijk-{indicator_id}",
                               show_title=False, peers=group.codes, note_regions=[wh.gemeente])
comparison_view.link_with_group(q.indicator(wh, indicator_id), group.codes)
