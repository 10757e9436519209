"""``python -m auth``: add, set-role, reset-password, disable, enable, unlock, list, disable-demo, audit."""

from __future__ import annotations

import getpass
import io
import subprocess
import sys

import pytest

from auth.__main__ import main
from domain.roles import Role
from store import audit
from store.accounts import AccountStore
from store.db import Database
from tests.auth.conftest import root


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def store(url: str) -> AccountStore:
    return AccountStore(Database(url))


def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_the_whole_account_life_cycle(url, monkeypatch, capsys):
    stdin(monkeypatch, "een-goed-wachtwoord\n")
    assert main(["--store", url, "add", "Anna@Gemeente.nl", "--role", "ambtenaar", "--name", "Anna",
                 "--password-stdin"]) == 0
    assert store(url).authenticate("anna@gemeente.nl", "een-goed-wachtwoord").role is Role.AMBTENAAR
    assert main(["--store", url, "set-role", "anna@gemeente.nl", "griffie"]) == 0
    assert main(["--store", url, "reset-password", "anna@gemeente.nl", "--generate"]) == 0
    out = capsys.readouterr().out
    password = out.split("Wachtwoord (wordt niet nog eens getoond): ")[1].strip()
    assert store(url).authenticate("anna@gemeente.nl", password).role is Role.GRIFFIE
    assert main(["--store", url, "disable", "anna@gemeente.nl"]) == 0
    assert store(url).get("anna@gemeente.nl").disabled
    assert main(["--store", url, "enable", "anna@gemeente.nl"]) == 0
    assert main(["--store", url, "unlock", "anna@gemeente.nl"]) == 0
    capsys.readouterr()
    assert main(["--store", url, "list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed[:3] == ["anna@gemeente.nl", "griffie", "actief"]
    events = [e["event"] for e in audit.entries(role="beheerder", db=Database(url))]
    assert events[::-1] == ["account_created", "login", "account_role_changed", "account_password_reset", "login",
                            "account_disabled", "account_enabled", "account_unlocked"]
    actors = {e["username"] for e in audit.entries(role="beheerder", db=Database(url)) if e["event"] != "login"}
    assert actors == {f"cli:{getpass.getuser()}"}


def test_refusals_exit_with_code_2_and_a_message(url, monkeypatch, capsys):
    stdin(monkeypatch, "kort\n")
    assert main(["--store", url, "add", "anna", "--role", "raadslid", "--password-stdin"]) == 2
    assert "minstens 12 tekens" in capsys.readouterr().err
    stdin(monkeypatch, "lindewaard-raadslid\n")
    assert main(["--store", url, "add", "anna", "--role", "raadslid", "--password-stdin"]) == 2
    assert "wachtwoord van de demo" in capsys.readouterr().err
    assert main(["--store", url, "disable", "niemand"]) == 2
    assert main(["--store", url, "add", "bert", "--role", "beheerder", "--generate"]) == 0
    assert main(["--store", url, "disable", "bert"]) == 2
    assert "laatste beheerder" in capsys.readouterr().err
    assert main(["--store", url, "disable", "bert", "--force"]) == 0


def test_without_a_terminal_a_password_option_is_needed(url, monkeypatch, capsys):
    stdin(monkeypatch, "")
    assert main(["--store", url, "add", "anna", "--role", "raadslid"]) == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_disable_demo_and_audit(url, capsys):
    store(url).db.migrate()
    store(url).ensure_demo_accounts()
    assert main(["--store", url, "disable-demo"]) == 0
    assert "raadslid" in capsys.readouterr().out
    assert store(url).active_demo_accounts() == []
    assert main(["--store", url, "audit", "--limit", "3"]) == 0
    assert capsys.readouterr().out.count("account_disabled") == 3


def test_it_runs_as_a_module(url):
    proc = subprocess.run([sys.executable, "-m", "auth", "--store", url, "list"], cwd=root(), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "Er zijn nog geen accounts." in proc.stdout
