"""Signals per member: one file per member in the release, each computed from that member's figures."""

from __future__ import annotations

import json

import polars as pl

from queries import Warehouse
from queries import signals as sg
from tests.region_ui.fixtures import HOME, MEMBER, observations, publish_region

MEMBER_AREAS = {MEMBER, "WK000201", "WK000202"}
HOME_AREAS = {HOME, "WK000101", "WK000102", "WK000103"}


def stored_codes(path) -> set[str]:
    return {s["region_code"] for s in json.loads(path.read_text(encoding="utf-8"))["signals"]}


def test_after_publication_every_member_has_its_own_signals_file(region_warehouse):
    total = sg.after_publish(region_warehouse)
    wh = Warehouse.open(region_warehouse)
    home_file, member_file = wh.release.path / sg.CACHE_FILE, wh.release.path / f"signals-{MEMBER}.json"
    assert sg.CACHE_FILE == "signals.json" and home_file.exists() and member_file.exists()
    assert sg.cache_file(wh) == "signals.json" and sg.cache_file(wh.for_member(MEMBER)) == f"signals-{MEMBER}.json"
    # Testgemeente's clients fell from 240 to 178; Buurgemeente's rose from 300 to 410 (in Haven from 200 to 310).
    assert stored_codes(home_file) == {HOME} and stored_codes(member_file) == {MEMBER, "WK000201"}
    assert stored_codes(home_file) <= HOME_AREAS and stored_codes(member_file) <= MEMBER_AREAS
    assert total == len(sg.signals(wh)) + len(sg.signals(wh.for_member(MEMBER))) == 3
    wh.close()


def test_a_member_reads_its_own_stored_file(region_warehouse):
    sg.after_publish(region_warehouse)
    wh = Warehouse.open(region_warehouse)
    path = wh.release.path / f"signals-{MEMBER}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["signals"] = data["signals"][:1]  # what the file says is what the member's pages show
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [s.region_code for s in sg.signals(wh.for_member(MEMBER))] == [data["signals"][0]["region_code"]]
    assert {s.region_code for s in sg.signals(wh)} == {HOME}
    wh.close()


def test_revisions_of_a_member_are_told_against_that_members_previous_figures(tmp_path):
    path = tmp_path / "warehouse"
    first = observations().with_columns(status=pl.when(
        (pl.col("region_code") == MEMBER) & (pl.col("indicator_id") == "wmo_reg_clients") & (pl.col("period") == "2024JJ00"))
        .then(pl.lit("provisional")).otherwise(pl.col("status")))
    publish_region(path, first)
    sg.after_publish(path)
    final = observations().with_columns(value=pl.when(
        (pl.col("region_code") == MEMBER) & (pl.col("indicator_id") == "wmo_reg_clients") & (pl.col("period") == "2024JJ00"))
        .then(pl.lit(480.0)).otherwise(pl.col("value")))
    publish_region(path, final)
    sg.after_publish(path)
    wh = Warehouse.open(path)
    revised = [(s.region_code, s.numbers["voorlopig"], s.numbers["definitief"])
               for s in sg.signals(wh.for_member(MEMBER)) if s.kind == "herziening"]
    assert revised == [(MEMBER, 410, 480)]
    assert [s for s in sg.signals(wh) if s.kind == "herziening"] == []  # the home member revised nothing
    new = sg.whats_new(wh.for_member(MEMBER))
    assert [(r["region_name"], r["old"], r["new"]) for r in new.revised.iter_rows(named=True)] == [
        ("Buurgemeente", 410, 480)]
    # New against the member's own signals of the release before: its rises were signalled there already.
    assert [(s.kind, s.region_code) for s in new.new_signals] == [("herziening", MEMBER)]
    wh.close()


def test_a_national_installation_stores_only_the_home_members_signals(region_warehouse, monkeypatch):
    """Above MEMBERS_AT_PUBLICATION members a publication would wait minutes: only the home member's
    signals are stored, another member's are computed at its first visit (and are the same)."""
    monkeypatch.setattr(sg, "MEMBERS_AT_PUBLICATION", 1)
    sg.after_publish(region_warehouse)
    wh = Warehouse.open(region_warehouse)
    assert (wh.release.path / sg.CACHE_FILE).exists()
    assert not (wh.release.path / f"signals-{MEMBER}.json").exists()
    assert {s.region_code for s in sg.signals(wh.for_member(MEMBER))} == {MEMBER, "WK000201"}
    wh.close()
