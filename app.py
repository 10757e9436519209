"""Monitor Sociaal Domein: the router. Start with ``streamlit run app.py``."""

import streamlit as st

from auth.roles import Role, can
from components import session
from components.context import warehouse

st.set_page_config(page_title="Monitor Sociaal Domein", page_icon=":material/monitoring:", layout="wide")

wh = warehouse()
role = session.sidebar_role_picker(wh)

figures = [
    st.Page("app_pages/overzicht.py", title="Overzicht", icon=":material/dashboard:", default=True, url_path="overzicht"),
    st.Page("app_pages/wmo.py", title="Wmo", icon=":material/home:", url_path="wmo"),
    st.Page("app_pages/jeugd.py", title="Jeugd", icon=":material/child_care:", url_path="jeugd"),
    st.Page("app_pages/participatie.py", title="Participatie en inkomen", icon=":material/work:", url_path="participatie"),
    st.Page("app_pages/schuldhulp.py", title="Schuldhulp", icon=":material/savings:", url_path="schuldhulp"),
    st.Page("app_pages/veiligheid.py", title="Veiligheid en jeugdbescherming", icon=":material/shield:",
            url_path="veiligheid"),
    st.Page("app_pages/wijken.py", title="Wijken", icon=":material/map:", url_path="wijken"),
    st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
]
about = [st.Page("app_pages/bronnen.py", title="Bronnen en definities", icon=":material/info:", url_path="bronnen")]
sections = {"Cijfers": figures, "Uitleg": about}

workshop = []
if can(role, "write_note"):
    workshop.append(st.Page("app_pages/duiding.py", title="Duiding schrijven", icon=":material/edit_note:",
                            url_path="duiding"))
if can(role, "upload_registry"):
    workshop.append(st.Page("app_pages/registry_upload.py", title="Registratie laden", icon=":material/upload_file:",
                            url_path="registratie"))
if workshop:
    sections["Werkplaats"] = workshop

st.navigation(sections).run()
