"""Signals are computed once at publication and kept in the release's directory."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import polars as pl

from etl import demo
from etl.__main__ import main
from queries import Warehouse
from queries import signals as sg
from settings import SignalSettings
from tests.conftest import obs, source_row
from tests.signals.test_engine import PEERS, build, regions
from warehouse import catalogue, publication
from warehouse import releases as warehouse

JUMP = [obs("wmo_reg_clients", "GM0001", "2023JJ00", 400), obs("wmo_reg_clients", "GM0001", "2024JJ00", 560)]


def no_computing(monkeypatch):
    def refuse(*_, **__):
        raise AssertionError("computed again")
    monkeypatch.setattr(sg, "compute", refuse)


def test_stored_signals_are_read_back_without_computing(tmp_path, monkeypatch):
    path = tmp_path / "w"
    wh = build(path, JUMP)
    assert sg.after_publish(path) == 1
    data = json.loads((wh.release.path / sg.CACHE_FILE).read_text(encoding="utf-8"))
    assert data["fingerprint"]["thresholds"]["fdr"] == 0.05
    no_computing(monkeypatch)
    assert sg.after_publish(path) == 1  # already there: not computed twice
    found = sg.signals(Warehouse.open(path))
    assert [(s.kind, s.indicator_id, s.numbers["oud"], s.numbers["nieuw"]) for s in found] == [
        ("verandering", "wmo_reg_clients", 400, 560)]


def test_other_thresholds_or_suppression_compute_again(tmp_path):
    path = tmp_path / "w"
    wh = build(path, JUMP)
    sg.store(wh)
    assert sg.stored(wh) is not None
    strict = replace(wh.settings, signals=SignalSettings(min_change_pct=50.0))
    assert sg.stored(Warehouse(wh.release, strict)) is None
    assert sg.signals(Warehouse(wh.release, strict)) == []  # 40% is below the stricter threshold
    assert sg.stored(Warehouse(wh.release, replace(wh.settings, min_count=20))) is None


def test_a_damaged_file_is_computed_again(tmp_path):
    path = tmp_path / "w"
    wh = build(path, JUMP)
    (wh.release.path / sg.CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert sg.stored(wh) is None and len(sg.signals(wh)) == 1


def test_the_command_line_keeps_the_signals_with_the_release_it_publishes(tmp_path, monkeypatch, capsys):
    def tiny_demo(path, **_):
        publication.publish(path, indicators=catalogue.load().to_frame(), regions=regions(),
                          sources=source_row("test:demo"), observations=pl.DataFrame(
                              [{**r, "source_id": "test:demo"} for r in JUMP]),
                          meta={"demo": True, "gemeente": "GM0001", "peers": PEERS})

    monkeypatch.setattr(demo, "build", tiny_demo)
    wh = tmp_path / "wh"
    assert main(["demo", "--warehouse", str(wh)]) == 0
    assert "Signalen berekend en bij de versie bewaard: 1." in capsys.readouterr().out
    release = warehouse.current_release(wh)
    assert [s["indicator_id"] for s in json.loads((release.path / sg.CACHE_FILE).read_text())["signals"]] == [
        "wmo_reg_clients"]


def test_stored_demo_signals_keep_the_revisions_against_the_release_before(demo_warehouse, tmp_path):
    copy = tmp_path / "warehouse"
    shutil.copytree(demo_warehouse, copy, symlinks=True)
    sg.after_publish(copy)
    kept = sg.stored(Warehouse.open(copy))
    assert kept is not None and {s.kind for s in kept} == set(sg.KINDS)
