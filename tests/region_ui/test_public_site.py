"""The public edition of a region is the home member's: its own wijken on the maps, no other member's."""

from __future__ import annotations

from publish import site
from queries import Warehouse
from store.db import Database
from tests.region_ui.fixtures import publish_region


def test_the_public_edition_of_a_region_is_built_for_the_home_member(tmp_path):
    warehouse = publish_region(tmp_path / "warehouse")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    Database(url).migrate()
    wh = Warehouse.open(warehouse)
    out = site.build(wh, tmp_path / "site", store_url=url)
    wh.close()
    text = " ".join(f.read_text(encoding="utf-8", errors="ignore") for f in out.rglob("*")
                    if f.is_file() and f.suffix in (".html", ".json", ".js", ".csv"))
    assert "Testgemeente" in text and "Noord" in text  # the home member and its wijken
    assert "Haven" not in text and "Dorp" not in text  # the other member's wijken are not on its maps
