"""The app through Streamlit's AppTest: every role against every page, sign-in, lock-out, expiry, demo mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import settings
from components.session import accounts as session_accounts
from domain.roles import PERMISSIONS, Role
from store import audit, session_token
from store.accounts import LoginFailed
from store.db import shared_database
from store.notes import NoteStore
from tests.auth.conftest import (
    JAR,
    PASSWORD,
    REDIRECT,
    USERS,
    all_text,
    follow_redirect,
    new_app,
    new_tab,
    open_url,
    run,
    sign_in,
    signed_in_app,
)
from tests.notes.conftest import content

READ_PAGES = {"overzicht": "Overzicht", "wmo": "Wmo", "jeugd": "Jeugd", "participatie": "Participatie en inkomen",
              "schuldhulp": "Schuldhulp", "wijken": "Wijken",
              "trends": "Trends", "bronnen": "Bronnen en definities"}
# url path -> (title, the action the page needs)
RESTRICTED = {"duiding": ("Duiding schrijven", "write_note"), "registratie": ("Registratie laden", "upload_registry"),
              "beheer": ("Accounts en logboek", "manage_accounts"),
              "dossier-maken": ("Dossier maken", "edit_dossier")}
REFUSED_SIGNED_IN = "U heeft geen toegang tot deze pagina"
REFUSED_ANONYMOUS = "Log in om deze pagina te openen"
IDENTITIES = [None, "raadslid", "griffie", "ambtenaar", "beheerder"]
FORWARDING = {"veiligheid"}  # an old address that sends a link on; not in the navigation


def entries(event: str | None = None) -> list[dict]:
    return audit.entries(role=Role.BEHEERDER, event=event)


def visible_pages(nav_log) -> set[str]:
    return {title for title, vis in nav_log[-1]["pages"].items() if vis == "visible"}


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_role_against_every_page(app, nav_log, identity):
    at = signed_in_app(identity) if identity else run(new_app())
    role = Role(identity) if identity else None
    allowed = {url for url, (_, action) in RESTRICTED.items() if role and role in PERMISSIONS[action]}
    urls = nav_log[-1]["urls"]  # every address the router knows, including pages added later
    read_pages = [u for u in urls if u not in RESTRICTED]
    assert set(READ_PAGES) | {"inloggen"} <= set(read_pages)
    # The navigation lists exactly the pages this role may open.
    expected = {urls[u] for u in read_pages if u not in FORWARDING} | {RESTRICTED[u][0] for u in allowed}
    assert visible_pages(nav_log) == expected
    assert ("Mijn account" if role else "Inloggen") in expected
    for url in read_pages:
        open_url(at, url)
        body = all_text(at)
        assert REFUSED_SIGNED_IN not in body and REFUSED_ANONYMOUS not in body, url
        assert at.title, url
    for url, (title, _) in RESTRICTED.items():
        open_url(at, url)
        body = all_text(at)
        if url in allowed:
            assert REFUSED_SIGNED_IN not in body and REFUSED_ANONYMOUS not in body, url
        else:
            assert [t.value for t in at.title] == [title]
            assert (REFUSED_SIGNED_IN if role else REFUSED_ANONYMOUS) in body, url
            assert not at.tabs and not at.dataframe, f"{url} showed its content to {identity}"
    if identity and identity != "beheerder":
        denied = [e["detail"] for e in entries("access_denied") if e["username"] == USERS[identity]]
        assert sorted(denied) == sorted(f"pagina {u}" for u in RESTRICTED if u not in allowed)


def test_a_role_written_into_the_session_state_without_a_sign_in_is_anonymous(app):
    at = new_app()
    at.session_state["role"] = "beheerder"
    at.session_state["user"] = USERS["beheerder"]
    open_url(at, "beheer")
    assert REFUSED_ANONYMOUS in all_text(at)
    assert not at.dataframe
    assert not [b for b in at.button if b.label == "Uitloggen"]


def test_the_administrator_page_shows_accounts_and_the_audit_log(app):
    at = signed_in_app("beheerder")
    open_url(at, "beheer")
    accounts = next(df.value for df in at.dataframe if "Gebruikersnaam" in df.value.columns)
    assert sorted(accounts["Gebruikersnaam"]) == sorted(USERS.values())
    log = next(df.value for df in at.dataframe if "Gebeurtenis" in df.value.columns)
    assert "Ingelogd" in list(log["Gebeurtenis"]) and USERS["beheerder"] in list(log["Wie"])


def test_the_administrator_adds_an_account_changes_its_role_and_disables_it(app):
    at = signed_in_app("beheerder")
    open_url(at, "beheer")
    at.text_input(key="beheer-add-name").input("nieuw@test.nl")
    at.text_input(key="beheer-add-display").input("Nieuwe Collega")
    at.selectbox(key="beheer-add-role").set_value("griffie")
    at.text_input(key="beheer-add-password").input("een-goed-wachtwoord")
    next(b for b in at.button if b.label == "Account aanmaken").click()
    run(at)
    assert any("nieuw@test.nl is aangemaakt" in s.value for s in at.success)
    assert app.get("nieuw@test.nl").role is Role.GRIFFIE
    at.selectbox(key="beheer-account").set_value("nieuw@test.nl")
    run(at)
    at.selectbox(key="beheer-new-role").set_value("ambtenaar")
    next(b for b in at.button if b.label == "Rol opslaan").click()
    run(at)
    assert app.get("nieuw@test.nl").role is Role.AMBTENAAR
    next(b for b in at.button if b.label == "Account uitschakelen").click()
    run(at)
    assert app.get("nieuw@test.nl").disabled
    events = [(e["event"], e["username"]) for e in entries()][:3]
    assert events == [("account_disabled", USERS["beheerder"]), ("account_role_changed", USERS["beheerder"]),
                      ("account_created", USERS["beheerder"])]


def test_the_administrator_page_shows_refusals_from_the_store(app):
    at = signed_in_app("beheerder")
    open_url(at, "beheer")
    at.text_input(key="beheer-add-name").input("kort@test.nl")
    at.text_input(key="beheer-add-password").input("kort")
    next(b for b in at.button if b.label == "Account aanmaken").click()
    run(at)
    assert any("minstens 12 tekens" in e.value for e in at.error)
    assert app.get("kort@test.nl") is None


def test_a_generated_password_is_shown_once_and_works(app):
    at = signed_in_app("beheerder")
    open_url(at, "beheer")
    at.text_input(key="beheer-add-name").input("gemaakt@test.nl")
    next(b for b in at.button if b.label == "Account aanmaken").click()
    run(at)
    message = next(s.value for s in at.success if "gemaakt@test.nl" in s.value)
    password = message.split("Het wachtwoord is: ")[1].split(" ")[0]
    assert app.authenticate("gemaakt@test.nl", password).role is Role.RAADSLID
    run(at)
    assert not any("Het wachtwoord is" in s.value for s in at.success)


def test_a_published_note_is_audited_with_the_signed_in_person(app):
    notes = NoteStore(app.db)
    n = notes.create(content(title="Te publiceren"), role="ambtenaar", user="anna")
    notes.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    at = signed_in_app("ambtenaar")
    open_url(at, "duiding")
    next(b for b in at.button if b.label == "Publiceren").click()
    run(at)
    assert notes.get(n.note_id, role="raadslid").published_by == USERS["ambtenaar"]
    published = entries("note_published")
    assert [(e["username"], e["role"]) for e in published] == [(USERS["ambtenaar"], "ambtenaar")]


def test_sign_in_and_sign_out_are_audited(app):
    at = signed_in_app("griffie")
    assert at.session_state["role"] == "griffie" and at.session_state["user"] == USERS["griffie"]
    assert any("Ingelogd als **Test Griffie** (Griffie)" in c.value for c in at.sidebar.caption)
    next(b for b in at.sidebar.button if b.label == "Uitloggen").click()
    run(at)
    assert "role" not in at.session_state
    assert [e["event"] for e in entries() if e["username"] == USERS["griffie"]] == ["logout", "login"]


def test_a_wrong_password_is_refused_and_audited(app):
    at = sign_in(run(new_app()), USERS["griffie"], "fout-wachtwoord-1")
    assert [e.value for e in at.error] == [app.failed_text]
    assert app.failed_text.startswith("De gebruikersnaam of het wachtwoord klopt niet.")
    assert "role" not in at.session_state and REDIRECT not in at.session_state
    assert entries("login_failed")[0]["username"] == USERS["griffie"]


def test_lock_out_through_the_form_says_what_an_unknown_name_gets(app):
    at = run(new_app())
    for _ in range(5):
        sign_in(at, USERS["beheerder"], "fout-wachtwoord-1")
    sign_in(at, USERS["beheerder"], PASSWORD["beheerder"])  # the right password, but locked
    locked = [e.value for e in at.error]
    assert "role" not in at.session_state and REDIRECT not in at.session_state
    assert len(entries("account_locked")) == 1
    unknown = sign_in(run(new_app()), "niemand@test.nl", "fout-wachtwoord-1")
    assert locked == [e.value for e in unknown.error] == [app.failed_text]  # a locked name looks unknown


def test_sign_in_attempts_are_limited_per_address(app, monkeypatch):
    monkeypatch.setenv("MSD_SIGNIN_PER_ADDRESS", "3")
    at = run(new_app())
    for name in ("a@test.nl", "b@test.nl", "c@test.nl"):  # three names: the account lock-out is not what stops it
        sign_in(at, name, "fout-wachtwoord-1")
        assert "te vaak geprobeerd" not in all_text(at)
    sign_in(at, USERS["griffie"], PASSWORD["griffie"])
    assert "Er is vanaf uw adres te vaak geprobeerd in te loggen. Wacht 10 minuten" in all_text(at)
    assert "role" not in at.session_state
    assert entries("login_failed")[0]["detail"] == "te veel pogingen vanaf één adres"
    assert not [e for e in entries("login") if e["username"] == USERS["griffie"]]  # the password was never checked


def later(monkeypatch, **delta) -> None:
    """Set the clock of the session table to this much after the real now."""
    now = datetime.now(UTC)
    monkeypatch.setattr(session_token, "_now", lambda: now + timedelta(**delta))


def test_an_idle_session_expires(app, monkeypatch):
    at = signed_in_app("ambtenaar")
    later(monkeypatch, minutes=31)  # default: 30 minutes
    open_url(at, "duiding")
    assert "role" not in at.session_state
    assert REFUSED_ANONYMOUS in all_text(at)
    assert "automatisch uitgelogd omdat u 30 minuten niets heeft gedaan" in all_text(at)
    assert entries("session_expired")[0]["detail"] == "na 30 minuten zonder activiteit"
    assert "role" not in new_tab(at).session_state  # the session is gone, not only from this tab


def test_a_long_session_expires_even_when_active(app, monkeypatch):
    monkeypatch.setenv("MSD_SESSION_MAX_HOURS", "2")
    at = signed_in_app("ambtenaar")
    for minutes in range(20, 101, 20):  # a click every 20 minutes keeps it from going idle
        later(monkeypatch, minutes=minutes)
        run(at)
        assert at.session_state["role"] == "ambtenaar", minutes
    later(monkeypatch, hours=2, seconds=1)
    run(at)
    assert "role" not in at.session_state
    assert entries("session_expired")[0]["detail"] == "na 2 uur"


def test_an_active_session_is_kept(app, monkeypatch):
    at = signed_in_app("ambtenaar")
    later(monkeypatch, minutes=29)
    run(at)
    assert at.session_state["role"] == "ambtenaar"
    seen = shared_database().query("SELECT last_seen_at FROM web_sessions")[0]["last_seen_at"]
    assert seen == session_token._iso(session_token._now())  # the click counts as activity
    later(monkeypatch, minutes=29 + 29)
    assert run(at).session_state["role"] == "ambtenaar"


def test_a_new_tab_and_a_reload_keep_the_sign_in(app):
    at = signed_in_app("griffie")
    tab = new_tab(at)
    assert tab.session_state["role"] == "griffie" and tab.session_state["user"] == USERS["griffie"]
    assert any("Ingelogd als **Test Griffie** (Griffie)" in c.value for c in tab.sidebar.caption)
    assert [e["event"] for e in entries() if e["username"] == USERS["griffie"]] == ["login"]  # one sign-in


def test_sign_out_in_one_tab_ends_the_other(app):
    at = signed_in_app("griffie")
    tab = new_tab(at)
    next(b for b in at.sidebar.button if b.label == "Uitloggen").click()
    run(at)
    assert "role" not in at.session_state
    open_url(tab, "dossier-maken")
    assert "role" not in tab.session_state and REFUSED_ANONYMOUS in all_text(tab)
    assert "U bent uitgelogd." in all_text(tab)
    assert "role" not in new_tab(at).session_state
    assert shared_database().query("SELECT COUNT(*) AS n FROM web_sessions")[0]["n"] == 0


def test_a_session_without_its_cookie_has_no_identity(app):
    """What a websocket that names a stolen session id brings: the session, but not the browser's cookie."""
    at = signed_in_app("beheerder")
    at.session_state[JAR] = session_token.new_cookie_value()  # another browser on the same Streamlit session
    open_url(at, "beheer")
    assert "role" not in at.session_state and "user" not in at.session_state
    assert REFUSED_ANONYMOUS in all_text(at) and not at.dataframe
    at.session_state[JAR] = at.session_state[JAR][:-2] + "xx"  # a forged signature counts as no cookie
    assert "role" not in run(at).session_state


def test_a_grant_only_works_once_and_only_in_its_own_browser(app):
    at = run(new_app())
    open_url(at, "inloggen")
    next(t for t in at.text_input if t.label == "Gebruikersnaam").input(USERS["griffie"])
    next(t for t in at.text_input if t.label == "Wachtwoord").input(PASSWORD["griffie"])
    next(b for b in at.button if b.label == "Inloggen").click()
    run(at)
    assert "U wordt ingelogd" in all_text(at) and "role" not in at.session_state
    code = at.session_state[REDIRECT].split("code=", 1)[1]
    sessions = session_token.default_store()
    assert sessions.redeem(code, session_token.new_cookie_value()) is None  # someone who read the URL in a log
    assert sessions.redeem(code, at.session_state[JAR]) is None  # used up by that attempt


def test_disabling_an_account_or_resetting_its_password_ends_its_sessions(app):
    first, second = signed_in_app("raadslid"), signed_in_app("griffie")
    app.disable(USERS["raadslid"], actor_role="beheerder", actor="bert")
    app.reset_password(USERS["griffie"], "nieuw-wachtwoord-99", actor_role="beheerder", actor="bert")
    run(first)
    run(second)
    assert "role" not in first.session_state and "role" not in second.session_state
    assert "Uw account is uitgeschakeld." in all_text(first)
    assert "Uw wachtwoord is gewijzigd." in all_text(second)


def test_a_new_role_applies_at_the_next_click(app, nav_log):
    at = signed_in_app("raadslid")
    app.set_role(USERS["raadslid"], "ambtenaar", actor_role="beheerder", actor="bert")
    run(at)
    assert at.session_state["role"] == "ambtenaar"
    assert "Duiding schrijven" in visible_pages(nav_log)


def test_sign_in_required_shows_only_the_form_then_the_page_asked_for(app, monkeypatch, nav_log):
    monkeypatch.setenv("MSD_PUBLIC", "0")
    at = run(new_app())
    assert nav_log[-1]["position"] == "hidden"
    assert not at.metric and [t.value for t in at.title] == ["Inloggen"] and at.text_input
    for url in [*READ_PAGES, *RESTRICTED]:
        open_url(at, url)
        assert not at.metric and not at.dataframe, url
        assert [t.label for t in at.text_input] == ["Gebruikersnaam", "Wachtwoord"], url
    open_url(at, "wmo")
    sign_in(at, USERS["raadslid"], PASSWORD["raadslid"])
    assert "Wmo" in [t.value for t in at.title][0]  # the page that was asked for
    assert nav_log[-1]["position"] == "sidebar"


def test_password_sign_in_can_be_switched_off(app, monkeypatch):
    monkeypatch.setenv("MSD_PASSWORD_LOGIN", "0")
    at = open_url(run(new_app()), "inloggen")
    assert not at.main.text_input  # the sidebar holds only the figure search
    assert "Inloggen is niet ingesteld" in all_text(at)


# ------------------------------------------------------------------------------------------------
# Demo mode
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def demo_like_warehouse(tmp_path):
    """The small warehouse, marked as demo (the real demo takes ~50 s to build)."""
    from tests.conftest import small_observations
    from tests.support.warehouse import publish_small

    return publish_small(tmp_path / "demo-warehouse", small_observations(), peers=["GM0002", "GM0003"], demo=True)


def test_demo_mode_has_one_account_per_role_with_the_readme_passwords(app_env, demo_like_warehouse):
    app_env(demo_like_warehouse)
    at = open_url(run(new_app()), "inloggen")
    table = at.table[0].value
    assert list(table["Gebruikersnaam"]) == ["raadslid", "griffie", "ambtenaar", "beheerder"]
    assert list(table["Wachtwoord"]) == [f"lindewaard-{r}" for r in table["Gebruikersnaam"]]
    next(b for b in at.button if b.label == "Inloggen als griffie").click()
    follow_redirect(run(at))
    assert at.session_state["role"] == "griffie"
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("raadslid", "griffie", "ambtenaar", "beheerder"):
        assert f"| `{name}` | `lindewaard-{name}` |" in readme
    assert shared_database().query("SELECT COUNT(*) AS n FROM accounts WHERE is_demo = 1")[0]["n"] == 4


def test_a_real_setup_refuses_to_start_with_demo_accounts(app_env, demo_like_warehouse, small_warehouse, tmp_path,
                                                          monkeypatch):
    app_env(demo_like_warehouse)
    run(new_app())  # the demo made its accounts
    store_url = f"sqlite:///{demo_like_warehouse.parent / 'store.sqlite'}"
    app_env(small_warehouse)
    monkeypatch.setenv("MSD_STORE_URL", store_url)  # real data, same store
    at = run(new_app())
    assert any("De monitor start niet" in e.value and "python -m auth disable-demo" in e.value for e in at.error)
    assert not at.metric and not at.title
    from auth.__main__ import main

    assert main(["--store", store_url, "disable-demo"]) == 0
    at = run(new_app())
    assert not at.error and at.metric


def test_outside_demo_mode_no_demo_passwords_are_shown(app):
    at = open_url(run(new_app()), "inloggen")
    assert not at.table and "lindewaard-" not in all_text(at)


def test_a_demo_session_ends_when_a_release_with_real_data_comes_out(app_env, demo_like_warehouse, monkeypatch):
    from warehouse import publication

    # The ETL refuses real data in a demo warehouse (tests/registry/test_demo_flag.py); the app must hold
    # as well when real data arrives another way (a release copied in by hand, an old version restored).
    monkeypatch.setattr(publication, "_check_demo", lambda *_: None)
    from tests.conftest import small_observations
    from tests.support.warehouse import publish_small

    app_env(demo_like_warehouse)
    at = open_url(run(new_app()), "inloggen")
    next(b for b in at.button if b.label == "Inloggen als beheerder").click()
    follow_redirect(run(at))
    assert at.session_state["role"] == "beheerder"
    publish_small(demo_like_warehouse, small_observations())
    run(at)
    assert "role" not in at.session_state
    assert any("De monitor start niet" in e.value for e in at.error)
    assert entries("session_expired")[0]["detail"] == "demo-account op een release met echte gegevens"
    assert "role" not in new_tab(at).session_state
    with pytest.raises(LoginFailed):  # and a demo password no longer opens anything
        session_accounts().authenticate("beheerder", "lindewaard-beheerder", allow_demo=False)


def test_the_upload_page_says_the_size_limit_in_dutch(app):
    at = open_url(signed_in_app("ambtenaar"), "registratie")
    assert "Een bestand mag hoogstens 50 MB groot zijn." in all_text(at)


def test_a_taken_over_session_has_no_role_even_before_the_router_runs(app, monkeypatch):
    """A widget callback runs before app.py: the role it reads must already be the anonymous one."""
    from components import session

    at = signed_in_app("beheerder")
    at.session_state[JAR] = session_token.new_cookie_value()  # another browser, same Streamlit session
    seen: list = []
    original = session.enforce

    def spy(wh):  # what a callback would see, read at the very start of the run
        seen.append((session.current_role(), session.current_user(), session.is_signed_in()))
        original(wh)

    monkeypatch.setattr(session, "enforce", spy)
    run(at)
    assert seen == [(Role.RAADSLID, "bezoeker", False)]
