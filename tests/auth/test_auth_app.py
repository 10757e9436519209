"""The app through Streamlit's AppTest: every role against every page, sign-in, lock-out, expiry, demo mode."""

from __future__ import annotations

import pytest

import settings
from auth import audit
from auth.db import default_db
from auth.roles import PERMISSIONS, Role
from store.notes import NoteStore
from tests.auth.conftest import PASSWORD, USERS, all_text, new_app, open_url, run, sign_in, signed_in_app
from tests.notes.conftest import content

READ_PAGES = {"overzicht": "Overzicht", "wmo": "Wmo", "jeugd": "Jeugd", "participatie": "Participatie en inkomen",
              "schuldhulp": "Schuldhulp", "veiligheid": "Veiligheid en jeugdbescherming", "wijken": "Wijken",
              "trends": "Trends", "bronnen": "Bronnen en definities"}
# url path -> (title, the action the page needs)
RESTRICTED = {"duiding": ("Duiding schrijven", "write_note"), "registratie": ("Registratie laden", "upload_registry"),
              "beheer": ("Accounts en logboek", "manage_accounts"),
              "dossier-maken": ("Dossier maken", "edit_dossier")}
REFUSED_SIGNED_IN = "U heeft geen toegang tot deze pagina"
REFUSED_ANONYMOUS = "Log in om deze pagina te openen"
IDENTITIES = [None, "raadslid", "griffie", "ambtenaar", "beheerder"]


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
    expected = {urls[u] for u in read_pages} | {RESTRICTED[u][0] for u in allowed}
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
    assert [e.value for e in at.error] == ["De gebruikersnaam of het wachtwoord klopt niet."]
    assert "role" not in at.session_state
    assert entries("login_failed")[0]["username"] == USERS["griffie"]


def test_lock_out_after_five_failures_through_the_form(app):
    at = run(new_app())
    for _ in range(4):
        sign_in(at, USERS["beheerder"], "fout-wachtwoord-1")
    assert "tijdelijk geblokkeerd" not in all_text(at)
    sign_in(at, USERS["beheerder"], "fout-wachtwoord-1")
    assert "tijdelijk geblokkeerd na 5 foute pogingen" in all_text(at)
    sign_in(at, USERS["beheerder"], PASSWORD["beheerder"])  # the right password, but locked
    assert "role" not in at.session_state and "tijdelijk geblokkeerd" in all_text(at)
    assert len(entries("account_locked")) == 1


def test_an_idle_session_expires(app):
    at = signed_in_app("ambtenaar")
    record = dict(at.session_state["_msd_auth"])
    record["last_seen"] -= 31 * 60  # default: 30 minutes
    at.session_state["_msd_auth"] = record
    open_url(at, "duiding")
    assert "role" not in at.session_state
    assert REFUSED_ANONYMOUS in all_text(at)
    assert "automatisch uitgelogd omdat u 30 minuten niets heeft gedaan" in all_text(at)
    assert entries("session_expired")[0]["detail"] == "na 30 minuten zonder activiteit"


def test_a_long_session_expires_even_when_active(app, monkeypatch):
    monkeypatch.setenv("MSD_SESSION_MAX_HOURS", "2")
    at = signed_in_app("ambtenaar")
    record = dict(at.session_state["_msd_auth"])
    record["signed_in_at"] -= 2 * 3600 + 1
    at.session_state["_msd_auth"] = record
    run(at)
    assert "role" not in at.session_state
    assert entries("session_expired")[0]["detail"] == "na 2 uur"


def test_an_active_session_is_kept(app):
    at = signed_in_app("ambtenaar")
    record = dict(at.session_state["_msd_auth"])
    record["last_seen"] -= 29 * 60
    backdated = record["last_seen"]
    at.session_state["_msd_auth"] = record
    run(at)
    assert at.session_state["role"] == "ambtenaar"
    assert at.session_state["_msd_auth"]["last_seen"] > backdated + 29 * 60 - 5  # the click counts as activity


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
    from etl import catalogue
    from etl.warehouse import publish
    from tests.conftest import small_observations, small_regions, source_row

    path = tmp_path / "demo-warehouse"
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=small_observations(),
            meta={"demo": True, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": ["GM0002", "GM0003"]},
            boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'})
    return path


def test_demo_mode_has_one_account_per_role_with_the_readme_passwords(app_env, demo_like_warehouse):
    app_env(demo_like_warehouse)
    at = open_url(run(new_app()), "inloggen")
    table = at.table[0].value
    assert list(table["Gebruikersnaam"]) == ["raadslid", "griffie", "ambtenaar", "beheerder"]
    assert list(table["Wachtwoord"]) == [f"lindewaard-{r}" for r in table["Gebruikersnaam"]]
    next(b for b in at.button if b.label == "Inloggen als griffie").click()
    run(at)
    assert at.session_state["role"] == "griffie"
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("raadslid", "griffie", "ambtenaar", "beheerder"):
        assert f"| `{name}` | `lindewaard-{name}` |" in readme
    assert default_db().query("SELECT COUNT(*) AS n FROM accounts WHERE is_demo = 1")[0]["n"] == 4


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
