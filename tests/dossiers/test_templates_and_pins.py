"""Theme templates reference real catalogue figures; a published dossier's release survives pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from components import dossier_document
from tests.conftest import small_observations, small_regions, source_row
from warehouse import catalogue, publication
from warehouse import releases as etl_warehouse

COMPARISONS = {"geen", "nederland", "peers", "beide"}


def test_every_template_indicator_exists_in_the_catalogue():
    ids = catalogue.load().ids
    templates = dossier_document.load_templates()
    assert len(templates) >= 4
    for t in templates:
        assert t["id"] and t["title"] and t["questions"] and t["section"], t["id"]
        for s in t["section"]:
            missing = [i for i in s["indicators"] if i not in ids]
            assert not missing, f"template {t['id']}, part {s.get('title')}: unknown {missing}"
            assert s.get("comparison", "geen") in COMPARISONS
            assert s.get("kind", "figures") in ("figures", "notes")
            assert s.get("areas", "gemeente") in ("gemeente", "wijken")


def test_the_integral_report_follows_the_audit():
    t = {t["id"]: t for t in dossier_document.load_templates()}["integraal-verslag"]
    titles = " ".join(s["title"].lower() for s in t["section"])
    for part in ("hulpvragen", "afgehandeld", "instroom en uitstroom", "wachttijden", "tevredenheid", "klachten",
                 "trends", "vergelijkbare gemeenten", "beleidsreactie"):
        assert part in titles, part
    assert any(s.get("breakdown") == "route" for s in t["section"])
    assert any(s.get("kind") == "notes" for s in t["section"])


@pytest.mark.parametrize("template", dossier_document.load_templates(), ids=lambda t: t["id"])
def test_a_template_makes_valid_dossier_content(template):
    c = dossier_document.from_template(template, gemeente="GM0001", wijken=["WK000101", "WK000102"], latest_year=2024,
                         session_date="2026-03-12")
    normal = c.normalised(catalogue.load().ids)
    assert normal.sections and normal.sections[0].year_to == 2024


def _publish(path: Path) -> str:
    return publication.publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(),
                                 sources=source_row(), observations=small_observations(),
                                 meta={"gemeente": "GM0001", "peers": []}).id


class _Clock(datetime):
    """Release ids start with the second they were made in: give every publish its own second."""

    tick = 0

    @classmethod
    def now(cls, tz=None):
        cls.tick += 1
        return datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC) + timedelta(seconds=cls.tick)


def test_a_pinned_release_is_not_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(publication, "KEEP_RELEASES", 2)
    monkeypatch.setattr(publication, "datetime", _Clock)
    wh = tmp_path / "warehouse"
    first = _publish(wh)
    assert publication.pin_release(wh, first, "dossier-abc")
    second = _publish(wh)
    publication.pin_release(wh, second, "dossier-def")
    publication.unpin_release(wh, second, "dossier-def")
    for _ in range(3):
        _publish(wh)
    left = {p.name for p in (wh / "releases").iterdir()}
    assert first in left and second not in left and len(left) == 3
    assert etl_warehouse.pinned_releases(wh) == {first: ["dossier-abc"]}
    publication.unpin_release(wh, first, "dossier-abc")
    _publish(wh)
    assert first not in {p.name for p in (wh / "releases").iterdir()}
    assert not publication.pin_release(wh, first, "dossier-abc")  # gone: the caller is told
    with pytest.raises(etl_warehouse.WarehouseError):
        publication.pin_release(wh, "../x", "dossier-abc")
