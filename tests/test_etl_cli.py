"""Bad input to the command line: non-zero exit, a message that says what and where, nothing changed."""

import subprocess
import sys

import polars as pl

from tests.conftest import ROOT
from warehouse.releases import current_release


def run(*args, warehouse):
    return subprocess.run([sys.executable, "-m", "etl", *args, "--warehouse", str(warehouse)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def snapshot(path):
    release = current_release(path)
    return release.id, sorted(p.name for p in (path / "releases").iterdir())


def test_missing_file(small_warehouse):
    before = snapshot(small_warehouse)
    r = run("wsjg", "/nonexistent/export.xlsx", warehouse=small_warehouse)
    assert r.returncode == 2
    assert "/nonexistent/export.xlsx" in r.stderr and "niet veranderd" in r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(small_warehouse) == before


def test_wrong_columns(small_warehouse, tmp_path):
    before = snapshot(small_warehouse)
    persons = tmp_path / "p.csv"
    persons.write_text("gebied,jaar,aantal\nWK000101,2024,3\n")
    r = run("population", str(persons), str(persons), "--gemeente", "GM0001", warehouse=small_warehouse)
    assert r.returncode == 2
    assert "kolommen ontbreken" in r.stderr and "personenbestand" in r.stderr
    assert snapshot(small_warehouse) == before


def test_unknown_indicator_in_the_catalogue(small_warehouse, tmp_path):
    """A load whose catalogue no longer knows an indicator that figures exist for is refused."""
    before = snapshot(small_warehouse)
    text = (ROOT / "data" / "catalogue.toml").read_text(encoding="utf-8")
    broken = tmp_path / "catalogue.toml"
    broken.write_text(text.replace('id = "veilig_thuis_reports"', 'id = "veilig_thuis_reports_renamed"'), encoding="utf-8")
    export = tmp_path / "x.csv"
    export.write_text("Periode;2024\nGebied;Code;Netto arbeidsparticipatie (%)\nNederland;NL01;61\n")
    r = run("wsjg", str(export), "--catalogue", str(broken), warehouse=small_warehouse)
    assert r.returncode == 2
    assert "veilig_thuis_reports" in r.stderr and "niet in de catalogus" in r.stderr
    assert snapshot(small_warehouse) == before


def test_invalid_catalogue_file(small_warehouse, tmp_path):
    bad = tmp_path / "catalogue.toml"
    bad.write_text("[[indicator]]\nid = 'x'\n")
    r = run("check", "--catalogue", str(bad), warehouse=small_warehouse)
    assert r.returncode == 2 and "'title' is missing" in r.stderr and str(bad) in r.stderr


def test_check_reports_the_current_release(small_warehouse):
    r = run("check", warehouse=small_warehouse)
    assert r.returncode == 0, r.stderr
    assert "Catalogus in orde" in r.stdout and current_release(small_warehouse).id in r.stdout


def test_demo_publishes_without_asking(tmp_path, monkeypatch, capsys):
    """``python -m etl demo`` stays non-interactive: its staged release is published at once."""
    from etl import demo
    from etl.__main__ import main
    from tests.conftest import small_regions, source_row
    from warehouse import catalogue, publication
    from warehouse import releases as warehouse

    def tiny_demo(path, **_):
        publication.publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(),
                          sources=source_row("test:demo"), meta={"demo": True, "gemeente": "GM0001"})

    monkeypatch.setattr(demo, "build", tiny_demo)
    wh = tmp_path / "wh"
    assert main(["demo", "--warehouse", str(wh)]) == 0
    assert current_release(wh).meta["demo"] is True and "Gepubliceerd" in capsys.readouterr().out
    assert warehouse.staged_releases(wh) == []


def test_real_demo_build_on_an_empty_warehouse_from_the_command_line(tmp_path, capsys):
    """The whole demo through the CLI's staging session: the region membership step must find the demo
    release although it is staged and not yet current."""
    from etl.__main__ import main

    wh = tmp_path / "wh"
    assert main(["demo", "--warehouse", str(wh)]) == 0
    rel = current_release(wh)
    assert rel.meta["demo"] is True and rel.meta["gemeente"] == "GM9990"
    groups = set(rel.table("memberships").filter(pl.col("region_code") == "GM9990")["group_code"].to_list())
    assert groups == {"PV99", "CR99", "JZ99", "AM99", "RG0001"}  # and the demo region of three members
