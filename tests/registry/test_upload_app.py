"""The upload page and the administrator's Versies tab through AppTest: a checked upload shows what would
change and publishes only on "Publiceren"; "Niet publiceren" drops it; the administrator restores."""

from __future__ import annotations

from datetime import date

import pytest

from domain.roles import Role
from store import audit
from store.accounts import AccountStore
from store.db import shared_database
from tests.auth.conftest import add_people, all_text, fake_browser, fast_hashes, open_url, run, signed_in_app  # noqa: F401  (fast_hashes and fake_browser: autouse fixtures)
from tests.registry.test_registry import GM, POSTCODES, csv, load, obs, value
from tests.registry.test_staging import clients
from warehouse import releases as warehouse
from warehouse.releases import current_release


def serve(wh, app_env, monkeypatch):
    """The app on warehouse ``wh``, public, without small-number rules, with one account per role."""
    app_env(wh)
    for name, v in {"MSD_PUBLIC": "1", "MSD_MIN_COUNT": "1", "MSD_MIN_COUNT_STRICT": "1",
                    "MSD_MIN_DENOMINATOR": "1"}.items():
        monkeypatch.setenv(name, v)
    add_people(AccountStore(shared_database(), lockout_attempts=5, lockout_minutes=15))
    return wh


@pytest.fixture
def registry_app(app_env, tmp_path, monkeypatch):
    """The app on a real warehouse whose Wmo series has 60 clients in 2024, with one account per role."""
    wh = tmp_path / "warehouse"
    load(wh, {"wmo": csv(clients(60))})
    return serve(wh, app_env, monkeypatch)


def upload(at, data: bytes):
    open_url(at, "registratie")
    next(u for u in at.file_uploader if u.label == "Bestand Wmo").upload("wmo.csv", data, "text/csv")
    next(u for u in at.file_uploader if u.label.startswith("Postcodetabel")).upload("pc.csv", POSTCODES, "text/csv")
    at.date_input[0].set_value(date(2025, 12, 31))
    next(b for b in at.button if b.label == "Controleren").click()
    return run(at)


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_an_upload_is_previewed_and_published_only_on_confirm(registry_app):
    before = current_release(registry_app).id
    at = upload(signed_in_app("ambtenaar"), csv(clients(2)))
    body = all_text(at)
    assert [h.value for h in at.subheader] == ["Controle: wat verandert er?"]
    assert "Wmo-cliënten 2024: 60 → 2" in body
    assert "Nog niet gepubliceerd" in body
    assert current_release(registry_app).id == before  # nothing changed yet
    [staged] = warehouse.staged_releases(registry_app)
    button(at, "Publiceren").click()
    run(at)
    assert current_release(registry_app).id == staged.id
    assert value(obs(registry_app), "wmo_reg_clients", GM, "2024JJ00") == 2
    assert "Gepubliceerd." in all_text(at) and not [b for b in at.button if b.label == "Publiceren"]
    assert [e["username"] for e in audit.entries(role=Role.BEHEERDER, event="load")] == ["ambtenaar@test.nl"]


def test_an_upload_that_is_not_confirmed_changes_nothing(registry_app):
    before = current_release(registry_app).id
    at = upload(signed_in_app("ambtenaar"), csv(clients(3)))
    button(at, "Niet publiceren").click()
    run(at)
    assert "Niet gepubliceerd. Er is niets veranderd." in all_text(at)
    assert current_release(registry_app).id == before and warehouse.staged_releases(registry_app) == []


def test_a_refused_upload_says_so_in_dutch_and_stages_nothing(registry_app):
    bad = [c.replace(",maatwerk,01,", ",maatwerk,77,") for c in clients(10)]
    at = upload(signed_in_app("ambtenaar"), csv(clients(10, start=500) + bad))
    body = all_text(at)
    assert "Niet geladen. Er is niets veranderd." in body and "10 problemen in 10 van de 20 rijen" in body
    assert at.dataframe[0].value["reden"][0] == "onbekende productcode voor wmo"
    assert warehouse.staged_releases(registry_app) == []


def test_the_administrator_restores_the_previous_version(registry_app):
    first = current_release(registry_app).id
    load(registry_app, {"wmo": csv(clients(5))})
    at = signed_in_app("beheerder")
    open_url(at, "beheer")
    body = all_text(at)
    assert f"Vorige versie: **{first}**" in body
    assert "Wmo-cliënten 2024: 5 → 60" in body
    button(at, "Vorige versie terugzetten").click()
    run(at)
    assert current_release(registry_app).id == first
    assert f"Versie {first} is weer de huidige versie." in all_text(at)
    assert value(obs(registry_app), "wmo_reg_clients", GM, "2024JJ00") == 60
    [entry] = audit.entries(role=Role.BEHEERDER, event="release_restored")
    assert entry["username"] == "beheerder@test.nl" and first in entry["detail"]


def test_only_the_administrator_may_restore(registry_app):
    from components.release_admin import restore_previous
    from domain.roles import PermissionDenied

    load(registry_app, {"wmo": csv(clients(5))})
    now = current_release(registry_app).id
    for role in ("ambtenaar", "griffie", "raadslid", None):
        with pytest.raises(PermissionDenied):
            restore_previous(registry_app, role=role, user="iemand")
    assert current_release(registry_app).id == now


def test_the_upload_page_refuses_real_data_in_the_demo(app_env, tmp_path, monkeypatch):
    from etl import registry

    wh = tmp_path / "warehouse"
    registry.load_demo({"wmo": csv(clients(60))}, POSTCODES, gemeente=GM, warehouse=wh, catalogue_path=None,
                       reference_date=date(2025, 12, 31), first_year=2024)
    app_env(wh)
    monkeypatch.setenv("MSD_PUBLIC", "1")
    add_people(AccountStore(shared_database(), lockout_attempts=5, lockout_minutes=15))
    before = current_release(wh).id
    at = upload(signed_in_app("ambtenaar"), csv(clients(2)))
    body = all_text(at)
    assert "Dit is de demo." in body and "Niet geladen. Er is niets veranderd." in body
    assert "python -m etl cbs --gemeente GMxxxx" in body
    assert current_release(wh).id == before and warehouse.staged_releases(wh) == []
