"""``python -m auth add --gemeente`` and ``set-gemeente`` against the current release's members, and OIDC
claims mapped to (role, gemeente) (issue 21)."""

from __future__ import annotations

import io
import sys

import pytest

import settings
from auth import oidc
from auth.__main__ import main
from domain.roles import Role
from store.accounts import AccountStore
from store.db import Database
from tests.scope.conftest import A, B


@pytest.fixture
def url(tmp_path, monkeypatch, region_warehouse) -> str:
    monkeypatch.setenv("MSD_WAREHOUSE", str(region_warehouse))
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def add(url: str, monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO("een-goed-wachtwoord\n"))
    return main(["--store", url, "add", *args, "--password-stdin"])


def test_the_cli_gives_an_account_a_member_of_the_current_release(url, monkeypatch, capsys):
    assert add(url, monkeypatch, "anna", "--role", "ambtenaar", "--gemeente", "gm0002") == 0
    assert "voor gemeente GM0002" in capsys.readouterr().out
    assert AccountStore(Database(url)).get("anna").gemeente == B
    assert add(url, monkeypatch, "bert", "--role", "griffie", "--gemeente", "GM0003") == 2
    err = capsys.readouterr().err
    assert "Gemeente GM0003 hoort niet bij de gemeenten van deze monitor (GM0001, GM0002)" in err
    assert AccountStore(Database(url)).get("bert") is None
    assert main(["--store", url, "set-gemeente", "anna", "GM0001"]) == 0
    assert "anna hoort nu bij gemeente GM0001." in capsys.readouterr().out
    assert AccountStore(Database(url)).get("anna").gemeente == A
    assert main(["--store", url, "set-gemeente", "anna", "geen"]) == 0
    assert AccountStore(Database(url)).get("anna").gemeente is None
    assert main(["--store", url, "set-gemeente", "anna", "GM0009"]) == 2


def test_the_list_shows_members_only_when_an_account_has_one(url, monkeypatch, capsys):
    assert add(url, monkeypatch, "anna", "--role", "ambtenaar") == 0
    capsys.readouterr()
    assert main(["--store", url, "list"]) == 0
    assert capsys.readouterr().out.split()[:3] == ["anna", "ambtenaar", "actief"]
    assert add(url, monkeypatch, "bert", "--role", "griffie", "--gemeente", B) == 0
    capsys.readouterr()
    assert main(["--store", url, "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:4] for line in lines] == [["anna", "ambtenaar", "-", "actief"],
                                                    ["bert", "griffie", B, "actief"]]


# -- OIDC ----------------------------------------------------------------------------------------

CONF = settings.AuthSettings(oidc_provider="entra", oidc_role_map={"g-amb": "ambtenaar", "g-rk": "rekenkamer",
                                                                  "g-beheer": "beheerder", "g-raad": "raadslid"})
MEMBERS = [A, B]


def person(groups, **claims) -> dict:
    return {"sub": "s1", "email": "p@gemeente.nl", "email_verified": True, "name": "P", "groups": groups, **claims}


@pytest.mark.parametrize("groups,claims,role,gemeente", [
    (["g-amb"], {"gemeente": "GM0002"}, Role.AMBTENAAR, B),
    (["g-amb"], {"gemeente": "gm0001"}, Role.AMBTENAAR, A),
    (["g-raad"], {"gemeente": ["GM0001"]}, Role.RAADSLID, A),
    (["g-rk"], {}, Role.REKENKAMER, None),           # the whole region
    (["g-beheer"], {}, Role.BEHEERDER, None),        # the whole installation
    (["g-rk", "g-raad"], {}, Role.REKENKAMER, None),  # precedence: rekenkamer over raadslid
    (["g-amb", "g-rk"], {"gemeente": "GM0001"}, Role.AMBTENAAR, A),
])
def test_claims_map_to_a_role_and_a_member(groups, claims, role, gemeente):
    ident = oidc.identity(person(groups, **claims), CONF, members=MEMBERS)
    assert (ident.role, ident.gemeente, ident.refusal) == (role, gemeente, None)


@pytest.mark.parametrize("groups,claims,words", [
    (["g-amb"], {"gemeente": "GM0003"}, "gemeente GM0003 (claim gemeente) hoort niet bij deze monitor"),
    (["g-amb"], {}, "uw account noemt geen gemeente"),
    (["g-raad"], {}, "uw account noemt geen gemeente"),
    (["g-amb"], {"gemeente": ["GM0001", "GM0002"]}, "meer dan één gemeente"),
])
def test_a_claim_that_is_not_a_member_refuses_the_sign_in(groups, claims, words):
    ident = oidc.identity(person(groups, **claims), CONF, members=MEMBERS)
    assert ident.gemeente is None and words in ident.refusal


def test_the_claim_name_is_a_setting_and_never_one_a_person_fills_in(monkeypatch):
    monkeypatch.setenv("MSD_OIDC_GEMEENTE_CLAIM", "extension_gemeente")
    conf = settings.load_auth()
    assert conf.oidc_gemeente_claim == "extension_gemeente"
    ident = oidc.identity(person(["g-amb"], extension_gemeente=B, gemeente=A), CONF.__class__(
        **{**CONF.__dict__, "oidc_gemeente_claim": "extension_gemeente"}), members=MEMBERS)
    assert ident.gemeente == B
    editable = CONF.__class__(**{**CONF.__dict__, "oidc_gemeente_claim": "name"})
    assert "zelf invult" in oidc.identity(person(["g-amb"], name="GM0001"), editable, members=MEMBERS).refusal
    assert [w.nl for w in oidc.claim_warnings(editable, "") if "MSD_OIDC_GEMEENTE_CLAIM" in w.nl]
    assert not [w.nl for w in oidc.claim_warnings(CONF, "") if "MSD_OIDC_GEMEENTE_CLAIM" in w.nl]


def test_a_single_municipality_ignores_the_claim():
    for members in ([], [A]):
        ident = oidc.identity(person(["g-amb"], gemeente="GM0003"), CONF, members=members)
        assert (ident.role, ident.gemeente, ident.refusal) == (Role.AMBTENAAR, None, None)
        assert oidc.identity(person(["g-amb"]), CONF, members=members).refusal is None
