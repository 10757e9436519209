"""Staged loads: nothing becomes current before a confirmation; a preview says what changes; an
extract replaces only the periods it covers; the previous release can be restored (CLI and API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.registry.test_registry import GM, WMO, csv, load, obs, value
from warehouse import publication
from warehouse import releases as warehouse
from warehouse.preview import preview
from warehouse.releases import WarehouseError, current_release

ROOT = Path(__file__).resolve().parents[2]


def clients(n: int, year: int = 2024, start: int = 100) -> list[str]:
    """``n`` Wmo clients, each with one provision running through ``year``."""
    return [f"{start + i:09d},H{start + i},1950-01-01,1000AA,,{year}-01-02,{year}-01-10,maatwerk,01,{year}-01-15,"
            f"{year}-12-31,,ZIN,A,,100" for i in range(n)]


def etl(tmp_path: Path, wh: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"MSD_MIN_COUNT": "1", "MSD_MIN_COUNT_STRICT": "1", "MSD_MIN_DENOMINATOR": "1",
                        "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "etl", *args, "--warehouse", str(wh)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def wh_60(tmp_path) -> Path:
    """A real (non-demo) warehouse whose Wmo series has 60 clients in 2024 and 2 in 2023."""
    wh = tmp_path / "wh"
    load(wh, {"wmo": csv(clients(60) + clients(2, 2023, start=900))})
    return wh


def test_cli_stages_previews_and_publishes_only_after_confirm(wh_60, tmp_path):
    before = current_release(wh_60).id
    extract = tmp_path / "klein.csv"
    extract.write_bytes(csv(clients(2)))
    out = etl(tmp_path, wh_60, "registry", str(extract), "--law", "wmo", "--reference-date", "2025-12-31")
    assert out.returncode == 0, out.stderr
    assert "Wmo-cliënten 2024: 60 → 2" in out.stdout
    assert "Nog NIET gepubliceerd" in out.stdout
    assert current_release(wh_60).id == before  # staged, not current
    [staged] = warehouse.staged_releases(wh_60)
    assert staged.meta["staged"] is True and staged.meta["previous"] == before
    assert f"python -m etl confirm {staged.id}" in out.stdout

    done = etl(tmp_path, wh_60, "confirm", staged.id)
    assert done.returncode == 0, done.stderr
    assert current_release(wh_60).id == staged.id and "staged" not in current_release(wh_60).meta
    assert value(obs(wh_60), "wmo_reg_clients", GM, "2024JJ00") == 2
    assert warehouse.staged_releases(wh_60) == []

    # Restoring shows the change first and needs --yes.
    ask = etl(tmp_path, wh_60, "restore")
    assert ask.returncode == 0 and "Wmo-cliënten 2024: 2 → 60" in ask.stdout
    assert current_release(wh_60).id == staged.id
    back = etl(tmp_path, wh_60, "restore", "--yes")
    assert back.returncode == 0, back.stderr
    assert current_release(wh_60).id == before
    assert value(obs(wh_60), "wmo_reg_clients", GM, "2024JJ00") == 60
    # Nothing was deleted: the restore can itself be undone.
    again = etl(tmp_path, wh_60, "restore", "--yes", "--to", staged.id)
    assert again.returncode == 0 and current_release(wh_60).id == staged.id


def test_cli_yes_publishes_at_once_and_discard_drops_a_staged_load(wh_60, tmp_path):
    extract = tmp_path / "klein.csv"
    extract.write_bytes(csv(clients(3)))
    staged = etl(tmp_path, wh_60, "registry", str(extract), "--law", "wmo", "--reference-date", "2025-12-31")
    [pending] = warehouse.staged_releases(wh_60)
    gone = etl(tmp_path, wh_60, "discard")
    assert staged.returncode == gone.returncode == 0
    assert warehouse.staged_releases(wh_60) == [] and not (wh_60 / "staged" / pending.id).exists()
    assert value(obs(wh_60), "wmo_reg_clients", GM, "2024JJ00") == 60
    now = etl(tmp_path, wh_60, "registry", str(extract), "--law", "wmo", "--reference-date", "2025-12-31", "--yes")
    assert now.returncode == 0, now.stderr
    assert "Gepubliceerd" in now.stdout and value(obs(wh_60), "wmo_reg_clients", GM, "2024JJ00") == 3
    missing = etl(tmp_path, wh_60, "confirm")
    assert missing.returncode == 2 and "geen klaargezette versie" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_an_extract_replaces_only_the_periods_it_covers(wh_60):
    o_before = obs(wh_60)
    load(wh_60, {"wmo": csv(clients(7, 2025, start=500))})  # covers 2025 (and its quarters and months) only
    o = obs(wh_60)
    assert value(o, "wmo_reg_clients", GM, "2025JJ00") == 7
    assert value(o, "wmo_reg_clients", GM, "2024JJ00") == 60 and value(o, "wmo_reg_clients", GM, "2023JJ00") == 2
    assert value(o, "wmo_reg_clients", GM, "2024KW03") == 60  # quarters before the extract are kept too
    kept = o_before.filter(~pl.col("period").str.starts_with("2025"))
    assert kept.sort(warehouse.OBSERVATION_KEY).equals(
        o.filter(~pl.col("period").str.starts_with("2025")).sort(warehouse.OBSERVATION_KEY))


def test_preview_names_periods_added_and_replaced_and_the_large_changes(wh_60):
    report = load(wh_60, {"wmo": csv(clients(7))}, stage=True)
    assert report.staged
    p = preview(wh_60, warehouse.staged_release(wh_60, report.release))
    assert p.periods["registry:wmo"]["replaced"][0] == "2024JJ00"
    assert not any(code.startswith("2023") for codes in p.periods["registry:wmo"].values() for code in codes)
    assert p.replaced > 0 and p.unchanged > 0 and p.added == 0
    first = p.changes[0]
    assert (first.indicator_id, first.period, first.old, first.new) == ("wmo_reg_clients", "2024JJ00", 60, 7)
    assert first.text() == "Wmo-cliënten 2024: 60 → 7"
    assert "Periodes van registry:wmo: vervangen: 2024," in "\n".join(p.lines())
    publication.discard(wh_60, report.release)

    later = load(wh_60, {"wmo": csv(clients(7, 2025, start=500))}, stage=True)
    p = preview(wh_60, warehouse.staged_release(wh_60, later.release))
    assert p.periods == {"registry:wmo": {"added": p.periods["registry:wmo"]["added"]}}
    assert p.periods["registry:wmo"]["added"][:2] == ["2025JJ00", "2025KW01"] and p.replaced == 0
    assert p.lines()[0].startswith(f"Cijfers: {p.added} nieuw, 0 vervangen, 0 vervallen")


def test_a_staged_release_is_never_current_and_a_stale_one_cannot_be_confirmed(wh_60):
    first = load(wh_60, {"wmo": csv(clients(3))}, stage=True)
    second = load(wh_60, {"wmo": csv(clients(4))}, stage=True)
    assert current_release(wh_60).id not in (first.release, second.release)
    assert warehouse.release_by_id(wh_60, first.release) is None  # not among the published releases
    publication.confirm(wh_60, second.release)
    with pytest.raises(WarehouseError, match="Laad het bestand opnieuw"):
        publication.confirm(wh_60, first.release)  # built on a release that is no longer current
    assert current_release(wh_60).id == second.release
    assert not (wh_60 / "staged" / first.release).exists()  # cleaned up
    third = load(wh_60, {"wmo": csv(clients(5))}, stage=True)
    load(wh_60, {"wmo": csv(clients(6))})  # a direct publication also removes what can no longer be confirmed
    assert not (wh_60 / "staged" / third.release).exists()
    assert value(obs(wh_60), "wmo_reg_clients", GM, "2024JJ00") == 6


def test_old_staged_releases_are_cleaned_up(wh_60):
    old = load(wh_60, {"wmo": csv(clients(3))}, stage=True)
    meta_path = wh_60 / "staged" / old.release / "release.json"
    meta = json.loads(meta_path.read_text())
    meta["created_at"] = (datetime.now(UTC) - publication.STAGED_MAX_AGE - timedelta(minutes=1)).isoformat()
    meta_path.write_text(json.dumps(meta))
    fresh = load(wh_60, {"wmo": csv(clients(4))}, stage=True)
    assert [r.id for r in warehouse.staged_releases(wh_60)] == [fresh.release]


def test_restore_without_a_previous_release_is_a_clear_message(tmp_path):
    wh = tmp_path / "wh"
    load(wh, {"wmo": csv(WMO)})
    with pytest.raises(WarehouseError, match="geen vorige versie"):
        publication.restore(wh)


def test_the_previous_release_is_never_pruned(wh_60, monkeypatch):
    monkeypatch.setattr(publication, "KEEP_RELEASES", 1)
    first = current_release(wh_60).id
    load(wh_60, {"wmo": csv(clients(3))})
    assert publication.restore_target(wh_60).id == first
    assert publication.restore(wh_60).id == first
