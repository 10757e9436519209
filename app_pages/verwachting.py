import streamlit as st

from components import comparison_view, notes, peers, pickers, state
from components.context import warehouse
from queries import comparison as cmp
from queries import figures as q

wh = warehouse()
st.title("Verwacht en werkelijk gebruik per wijk")
pickers.demo_banner(wh)
st.markdown("Een wijk met veel ouderen heeft meer Wmo-hulp nodig, een wijk met veel kinderen meer jeugdhulp. Deze "
            "pagina rekent uit hoeveel inwoners met hulp je in elke wijk **zou verwachten** op grond van de leeftijd "
            "van de inwoners, en zet dat naast het **werkelijke** aantal uit de eigen registratie. Zo ziet u welke "
            "wijken meer of minder gebruik hebben dan hun bevolking doet verwachten.")

measures = {k: m.label for k, m in cmp.USE_MEASURES.items()}
c1, c2, c3 = st.columns(3)
key = state.url_select("Voorziening", list(measures), "voorziening", default="wmo", container=c1,
                       format_func=lambda k: measures[k])
standard = state.url_select("Verwachting volgens", list(cmp.STANDARDS), "standaard", default="gemeente", container=c2,
                           format_func=lambda s: cmp.STANDARDS[s].capitalize(),
                           help="Met welk gebruik per leeftijdsgroep rekenen we de verwachting uit?")
years = cmp.expectation_years(wh, key)
if not years:
    st.info("Hiervoor zijn geen cijfers: nodig zijn inwoners per wijk en leeftijd en de eigen registratie.")
    st.stop()
year = state.url_select("Jaar", list(reversed(years)), "jaar", default=years[-1], container=c3)
exp = cmp.expected_use(wh, key, year, standard, peers=peers.current(wh))
if exp is None:
    st.info("Voor dit jaar ontbreken de cijfers per leeftijdsgroep.")
    st.stop()
map_col, note_col = st.columns([3, 2], gap="medium")
with map_col:
    comparison_view.expectation_view(wh, exp)
with note_col:
    notes.render_note_panel(exp.measure.observed_id, q.indicator(wh, exp.measure.observed_id)["law"], [wh.gemeente],
                            f"{year}JJ00")
st.markdown(comparison_view.WHAT_IT_CANNOT_TELL)
st.page_link("app_pages/stapeling.py", label="Zie ook: Stapeling, hulp uit meer wetten",
             icon=":material/family_restroom:")
