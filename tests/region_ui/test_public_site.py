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


def test_a_member_gets_its_own_public_edition(tmp_path, monkeypatch, capsys):
    """``python -m publish site OUT --gemeente GM0002``: the member's name and wijken, not the home's; a code
    outside the region is refused with the members named."""
    from publish.__main__ import main

    warehouse = publish_region(tmp_path / "warehouse")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("MSD_STORE_URL", url)
    assert main(["site", str(tmp_path / "site-0002"), "--warehouse", str(warehouse), "--gemeente", "GM0002"]) == 0
    pages = [f for f in (tmp_path / "site-0002").rglob("*.html") if "assets" not in f.parts]
    overview = next(f for f in pages if f.name == "index.html" and f.parent.name != "site-0002")
    assert "Buurgemeente" in overview.read_text(encoding="utf-8")
    text = " ".join(f.read_text(encoding="utf-8") for f in pages)
    assert "Haven" in text and "Noord" not in text  # its own wijken on the maps, not the home member's
    assert main(["site", str(tmp_path / "x"), "--warehouse", str(warehouse), "--gemeente", "GM0003"]) == 2
    assert "GM0003 hoort niet bij deze monitor (wel: GM0001, GM0002)" in capsys.readouterr().err
