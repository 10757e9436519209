import streamlit as st

from components import notes, pickers, state, wijk_view
from components.context import warehouse
from queries import figures as q

wh = warehouse()
st.title("Wijken")
pickers.demo_banner(wh)
st.markdown("Vergelijk de wijken op één cijfer, of bekijk alle cijfers van één wijk in het wijkprofiel.")

cat = q.wijk_indicators(wh)
titles = dict(zip(cat["id"], cat["title"], strict=True))
wijken = q.wijken(wh)
names = dict(zip(wijken["region_code"], wijken["name"], strict=True))
# Both tabs are drawn (each keeps its pickers in the URL); the open tab is in the URL too, as "tab".
tab_map, tab_profile = state.url_tabs({"vergelijken": "Wijken vergelijken", "profiel": "Wijkprofiel"}, "tab")

with tab_map:
    left, right = st.columns(2)
    indicator_id = state.url_select("Cijfer", cat["id"].to_list(), "indicator", container=left,
                                    default="wmo_clients_per_1000", format_func=lambda i: titles[i])
    years = q.years(wh, [indicator_id], wijken["region_code"].to_list())
    if years:
        year = state.url_select("Jaar", list(reversed(years)), "jaar", container=right, default=years[-1])
        ind = q.indicator(wh, indicator_id)
        map_col, note_col = st.columns([3, 2], gap="medium")
        with map_col:
            wijk_view.map_and_ranking(wh, ind, q.wijk_values(wh, indicator_id, year), year)
        with note_col:
            notes.render_note_panel(indicator_id, ind["law"], [wh.gemeente], f"{year}JJ00")
    else:
        st.info("Voor dit cijfer zijn geen wijkcijfers geladen.")

with tab_profile:
    left, right = st.columns(2)
    wijk = state.url_select("Wijk", wijken["region_code"].to_list(), "wijk", container=left,
                            format_func=lambda c: names[c])
    profile_years = q.years(wh, cat["id"].to_list(), [wijk])
    if profile_years:
        profile_year = state.url_select("Jaar van het profiel", list(reversed(profile_years)), "profieljaar",
                                        container=right, default=profile_years[-1])
        wijk_view.profile(wh, wijk, names[wijk], profile_year)
    else:
        st.info("Voor deze wijk zijn geen cijfers geladen.")
