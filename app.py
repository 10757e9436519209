"""Monitor Sociaal Domein: the router. Start with ``streamlit run app.py``.

This file has two roles. ``streamlit run`` finds the ``st.App`` below and serves it: Streamlit's own
server plus the monitor's session cookie route and middleware (``auth.web``). That server then runs
this same file as the page script at every click, where ``main()`` routes.
"""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx


def main() -> None:
    from components import demo_content, member_picker, search, session, sign_in
    from components.admission import page_turn
    from components.context import readable_members, warehouse

    st.set_page_config(page_title="Monitor Sociaal Domein", page_icon=":material/monitoring:", layout="wide")

    wh = warehouse()
    session.enforce(wh)  # sign-in, expiry, demo accounts: checked on the server before anything is shown
    demo_content.ensure(wh)  # the demo's example notes and dossier, so a visitor sees what the monitor is for
    sign_in.sidebar_account()
    member_picker.sidebar_member_picker(wh)  # in a region: which member municipality the pages are about

    # The default page is served at "/"; its url_path only names it inside Streamlit. The hidden alias makes
    # the address /overzicht (used in links and by people who type it) open the same page, at "/".
    start = [
        st.Page("app_pages/overzicht.py", title="Overzicht", icon=":material/dashboard:", url_path="overzicht",
                visibility="hidden"),
        st.Page("app_pages/overzicht.py", title="Overzicht", icon=":material/dashboard:", default=True,
                url_path="start"),
        st.Page("app_pages/signalen.py", title="Signalen", icon=":material/notifications:", url_path="signalen"),
    ]
    if len(readable_members(wh.root)) > 1:  # a region, read as a whole: the members side by side, with its total
        start.append(st.Page("app_pages/regio.py", title="Regio", icon=":material/hub:", url_path="regio"))
    laws = [
        st.Page("app_pages/wmo.py", title="Wmo", icon=":material/home:", url_path="wmo"),
        st.Page("app_pages/jeugd.py", title="Jeugd", icon=":material/child_care:", url_path="jeugd"),
        st.Page("app_pages/participatie.py", title="Participatie en inkomen", icon=":material/work:",
                url_path="participatie"),
        st.Page("app_pages/schuldhulp.py", title="Schuldhulp", icon=":material/savings:", url_path="schuldhulp"),
        # The address of the former page "Veiligheid en jeugdbescherming", so links to it keep working.
        st.Page("app_pages/verhuisd.py", title="Verhuisd", icon=":material/move_item:", url_path="veiligheid",
                visibility="hidden"),
    ]
    analyses = [
        st.Page("app_pages/wijken.py", title="Wijken", icon=":material/map:", url_path="wijken"),
        st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
        st.Page("app_pages/stapeling.py", title="Stapeling", icon=":material/family_restroom:", url_path="stapeling"),
        st.Page("app_pages/vergelijken.py", title="Vergelijken", icon=":material/compare_arrows:",
                url_path="vergelijken"),
        st.Page("app_pages/verwachting.py", title="Verwacht per wijk", icon=":material/query_stats:",
                url_path="verwachting"),
        st.Page("app_pages/doelen.py", title="Doelen", icon=":material/flag:", url_path="doelen"),
        st.Page("app_pages/geld.py", title="Geld", icon=":material/euro:", url_path="geld"),
    ]
    about = [st.Page("app_pages/bronnen.py", title="Bronnen en definities", icon=":material/info:", url_path="bronnen"),
             st.Page("app_pages/embed.py", title="Figuur insluiten", icon=":material/code:", url_path="embed")]
    sections = {"": start, "Per wet": laws, "Analyse": analyses, "Uitleg": about}

    # Pages for some roles only: for other roles a hidden page at the same address refuses (see guarded_page).
    workshop = [
        sign_in.guarded_page("app_pages/duiding.py", "write_note", title="Duiding schrijven",
                             icon=":material/edit_note:",
                             url_path="duiding"),
        sign_in.guarded_page("app_pages/registry_upload.py", "upload_registry", title="Registratie laden",
                             icon=":material/upload_file:", url_path="registratie"),
    ]
    sections["Werkplaats"] = workshop

    # Themed sessions: published dossiers for everyone who reads; building them only for edit_dossier roles.
    sections["Themabijeenkomsten"] = [
        st.Page("app_pages/dossiers.py", title="Dossiers", icon=":material/folder_open:", url_path="dossiers"),
        sign_in.guarded_page("app_pages/dossier_maken.py", "edit_dossier", title="Dossier maken",
                             icon=":material/post_add:", url_path="dossier-maken"),
    ]

    sections["Beheer"] = [sign_in.guarded_page("app_pages/beheer.py", "manage_accounts", title="Accounts en logboek",
                                              icon=":material/admin_panel_settings:", url_path="beheer")]
    sections["Account"] = [st.Page("app_pages/inloggen.py",
                                   title="Mijn account" if session.is_signed_in() else "Inloggen",
                                   icon=":material/account_circle:", url_path="inloggen")]

    # expanded=True: every page a role may open stays in view (by default Streamlit folds long menus behind an
    # English "View more").
    page = st.navigation(sign_in.navigation_sections(sections), position="sidebar" if session.may_read() else "hidden",
                         expanded=True)
    if page.url_path == "overzicht":  # the alias: on to the menu's own item, so the menu shows where one is
        st.switch_page(start[1], query_params={k: st.query_params.get_all(k) for k in st.query_params})
    if session.may_read():
        search.sidebar_search(wh)
        with page_turn():  # a few page scripts at a time: under a rush people are served in turn
            page.run()
    else:  # sign-in required: every address shows the form first, then the page that was asked for
        sign_in.sign_in_required_view()


if get_script_run_ctx(suppress_warning=True) is None:  # imported by the server, not run as a page
    from auth import web

    app = st.App(__file__, routes=web.routes(), middleware=web.middleware())
else:
    main()
