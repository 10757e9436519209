"""A national installation in small: 30 municipalities, every one a member, no region. Each member view
reads as its own municipality (code, name, peers), is made once, refuses a code that is no member, and
keeps its own memo and page parts while sharing the release's caches and suppression decisions."""

from __future__ import annotations

import polars as pl
import pytest

import queries
from queries import Warehouse, protection
from queries import figures as q
from tests.conftest import obs, source_row
from warehouse import catalogue
from warehouse.publication import publish

N = 30
CODES = [f"GM{i:04d}" for i in range(1, N + 1)]
RATE = "wmo_clients_per_1000"


def _regions() -> pl.DataFrame:
    rows = [("NL01", "Nederland", "land", None, None)]
    for i, gm in enumerate(CODES, start=1):
        rows.append((gm, f"Gemeente {i}", "gemeente", "NL01", gm))
        rows += [(f"WK{i:04d}{w:02d}", f"Wijk {i}-{w}", "wijk", gm, gm) for w in (1, 2)]
    return pl.DataFrame(rows, schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")


def _observations() -> pl.DataFrame:
    """Per member a rate that names the member (its number), the same in its two wijken."""
    rows = [obs("population", "NL01", "2024JJ00", 17_900_000), obs(RATE, "NL01", "2024JJ00", 50.0)]
    for i, gm in enumerate(CODES, start=1):
        rows += [obs("population", gm, "2024JJ00", 20_000 + i), obs(RATE, gm, "2024JJ00", float(i))]
        for w in (1, 2):
            wk = f"WK{i:04d}{w:02d}"
            rows += [obs("population", wk, "2024JJ00", 10_000), obs(RATE, wk, "2024JJ00", float(i))]
    return pl.DataFrame(rows)


def _peers() -> dict[str, list[str]]:
    """Each member's two neighbours in the list (wrapping round), so every member's peers differ."""
    return {gm: [CODES[(n + 1) % N], CODES[(n + 2) % N]] for n, gm in enumerate(CODES)}


def _open(path, peers) -> Warehouse:
    publish(path, indicators=catalogue.load().to_frame(), regions=_regions(), sources=source_row(),
            observations=_observations(), boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'},
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Thuisgemeente", "members": CODES,
                  "peers": peers})
    return Warehouse.open(path)


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Warehouse:
    wh = _open(tmp_path_factory.mktemp("national") / "wh", _peers())
    yield wh
    wh.close()


def test_the_installation_is_every_municipality_and_no_region(wh):
    assert wh.members == CODES
    assert wh.region is None
    assert wh.is_region  # more than one member: the pages get the picker


def test_every_member_view_is_its_own_municipality(wh):
    peers = _peers()
    seen = set()
    for i, code in enumerate(CODES, start=1):
        view = wh.for_member(code)
        assert view.gemeente == code
        assert view.meta["gemeente"] == code
        assert view.peers == peers[code]
        if code != "GM0001":  # the home member is the release, whose meta keeps the peers of every member
            assert view.meta["peers"] == peers[code]
        # The home member keeps the name the release gives it; the others are named by the regions table.
        assert view.meta["gemeente_name"] == ("Thuisgemeente" if code == "GM0001" else f"Gemeente {i}")
        assert view.root is wh
        seen.add(id(view))
    assert len(seen) == N
    assert wh.gemeente == "GM0001" and wh.peers == peers["GM0001"]  # the release itself is unchanged


def test_a_shared_peer_list_leaves_the_member_itself_out(tmp_path):
    wh = _open(tmp_path / "wh", CODES[:5])
    try:
        assert wh.for_member("GM0003").peers == ["GM0001", "GM0002", "GM0004", "GM0005"]
        assert wh.for_member("GM0020").peers == CODES[:5]
    finally:
        wh.close()


def test_a_member_view_is_made_once(wh):
    first = wh.for_member("GM0017")
    assert wh.for_member("GM0017") is first
    assert first.for_member("GM0017") is first  # asked from the view itself as well
    assert first.for_member("GM0001") is wh  # the home member is the release
    assert wh.for_member("GM0001") is wh


@pytest.mark.parametrize("code", ["GM0031", "GM9999", "WK000101", "NL01", ""])
def test_a_code_that_is_no_member_is_refused(wh, code):
    with pytest.raises(KeyError, match="not a member"):
        wh.for_member(code)
    with pytest.raises(KeyError):
        wh.for_member("GM0005").for_member(code)


def test_memo_and_parts_do_not_leak_between_members(wh):
    a, b = wh.for_member("GM0002"), wh.for_member("GM0003")
    assert a.memo("leak-test", lambda: "a") == "a"
    assert b.memo("leak-test", lambda: "b") == "b"
    assert wh.memo("leak-test", lambda: "home") == "home"
    assert a.memo("leak-test", lambda: "again") == "a"  # kept, not rebuilt
    assert a.part(("leak-test", 1), lambda: "a") == "a"
    assert b.part(("leak-test", 1), lambda: "b") == "b"
    assert wh.part(("leak-test", 1), lambda: "home") == "home"
    assert a.part(("leak-test", 1), lambda: "again") == "a"
    # One store for all members: the views' entries live in the release's memo and parts.
    assert a._memo is wh._memo and a._parts is wh._parts and a._cache is wh._cache


def test_a_part_that_depends_on_the_member_without_naming_it_stays_the_members(wh):
    """wijk_values is keyed by indicator and year only: the member prefix is what keeps them apart."""
    for i in (4, 5, 1, 4):
        view = wh.for_member(f"GM{i:04d}")
        values = q.wijk_values(view, RATE, 2024)
        assert set(values["region_code"]) == {f"GM{i:04d}", f"WK{i:04d}01", f"WK{i:04d}02"}
        assert set(values["value"].to_list()) == {float(i)}
        assert q.wijken(view)["region_code"].to_list() == [f"WK{i:04d}01", f"WK{i:04d}02"]


def test_suppression_decisions_are_kept_once_for_the_release(wh, monkeypatch):
    runs = []
    protect_pairs = protection._protect_pairs
    monkeypatch.setattr(protection, "_protect_pairs", lambda w, pairs: runs.append(pairs) or protect_pairs(w, pairs))
    for code in ("GM0007", "GM0008"):
        q.wijk_values(wh.for_member(code), RATE, 2024)
    assert len(runs) == 2  # one protection run per member, the first time
    wh._parts.clear()  # the frames go, the decisions stay with the release
    for code in ("GM0007", "GM0008"):
        q.wijk_values(wh.for_member(code), RATE, 2024)
    assert len(runs) == 2
    assert wh.for_member("GM0007") not in protection._PROTECTED and wh in protection._PROTECTED


def test_the_page_parts_of_all_members_stay_within_their_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(queries, "PART_ENTRIES", 40)
    wh = _open(tmp_path / "wh", _peers())
    try:
        for code in CODES:
            view = wh.for_member(code)
            q.wijk_values(view, RATE, 2024)
            q.series(view, RATE, [code, "NL01"])
            assert len(wh._parts) <= 40
        assert len(wh._parts) == 40
        assert len(wh._views) == N - 1  # one view per member besides the home member, none made twice
        # The newest members' parts are the ones kept; the oldest went first.
        kept = {k[1] for k in wh._parts if k[0] == "member"}
        assert "GM0030" in kept and "GM0002" not in kept
    finally:
        wh.close()
