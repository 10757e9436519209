import streamlit as st

from components import indicator_view, pickers, registry_view
from components.context import warehouse
from queries import figures as q

wh = warehouse()
st.title("Huishoudens met hulp uit meer wetten")
pickers.demo_banner(wh)
st.markdown(
    "Sommige huishoudens krijgen tegelijk hulp uit de Wmo, de Jeugdwet en de Participatiewet. Voor hen werkt "
    "de gemeente liever met één plan en één vaste contactpersoon. Deze pagina laat zien hoeveel huishoudens "
    "dat zijn, in welke wijken, en hoeveel voorzieningen zij gemiddeld hebben. De cijfers komen uit de eigen "
    "registratie; er worden geen gegevens over personen bewaard, alleen aantallen."
)
multi = q.registry_indicator(wh, "stapeling", "households_multi")
year = pickers.year_picker(wh, [multi], [wh.gemeente]) if multi else None
if year is None:
    st.info("Er zijn nog geen cijfers over stapeling. Die komen er als de registraties van Wmo, jeugd en "
            "Participatiewet samen worden geladen.")
    st.stop()
st.header(f"Per wijk in {year}")
registry_view.stapeling(wh, year)
st.header("Door de jaren heen")
indicator_view.indicator_block(wh, multi, pickers.comparison_regions(wh, multi), key="stapeling-multi",
                               period=f"{year}JJ00", note_regions=[wh.gemeente])
