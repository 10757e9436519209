"""Offline tests of ``python -m etl cbs`` against a local fake CBS server."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import polars as pl
import pytest

from etl.__main__ import main
from etl.cbs import Options, run_load
from etl.cbs_meta import camel_key, match_measure
from etl.odata import Client
from tests.cbs.fakecbs import free_port
from tests.support.catalogue import cbs_source, indicator
from warehouse.releases import WarehouseError, current_release


def opts(fake, tmp_path, catalogue_path, **kw) -> Options:
    base = dict(warehouse=tmp_path / "wh", catalogue=catalogue_path, base_url=fake.base,
                v4_base_url=f"{fake.base}/odata/v1/CBS")
    return Options(**(base | kw))


def obs_of(wh) -> pl.DataFrame:
    return current_release(wh).table("observations")


def value(obs: pl.DataFrame, ind: str, region: str, period: str) -> dict:
    rows = obs.filter((pl.col("indicator_id") == ind) & (pl.col("region_code") == region)
                      & (pl.col("period") == period)).to_dicts()
    assert len(rows) == 1, (ind, region, period, rows)
    return rows[0]


def test_measure_matching_by_prefix_and_title():
    keys = ["WmoClienten_89", "WmoClientenRelatief_90", "AantalInwoners_5"]
    assert match_measure("WmoClienten", keys) == "WmoClienten_89"
    assert match_measure("AantalInwoners", keys) == "AantalInwoners_5"
    assert match_measure("Aantal", keys) is None  # a prefix must be the whole stem
    assert camel_key("Wmo-cliënten") == "WmoClienten"
    assert camel_key("65 jaar of ouder") == "k_65JaarOfOuder"
    assert match_measure("JongerenMetJeugdhulp", ["M1", "M2"], {"M1": "Percentage jongeren met jeugdhulp",
                                                                "M2": "Jongeren met jeugdhulp"}) == "M2"


def test_fake_server_filter_needs_padded_key(fake):
    """CBS semantics the loader relies on: an unpadded key returns an empty list, not an error."""
    def get(flt):
        q = urllib.parse.urlencode({"$format": "json", "$filter": flt})
        with urllib.request.urlopen(f"{fake.base}/ODataFeed/odata/84799NED/TypedDataSet?{q}") as r:
            return json.loads(r.read())["value"]
    assert get("(WijkenEnBuurten eq 'GM0995')") == []
    rows = get("(WijkenEnBuurten eq 'GM0995    ')")
    assert [r["AantalInwoners_5"] for r in rows] == [77389]


def test_v3_kerncijfers_for_one_gemeente(fake, tmp_path, catalogue_path):
    # The first data request fails with a 500: the loader must retry and carry on.
    fake.faults["TypedDataSet"] = ["500"]
    rep = run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", peers=("GM0034",), tables=["84799NED"]))
    wh = tmp_path / "wh"
    obs = obs_of(wh)
    assert rep.loaded == ["84799NED"]
    assert set(obs["region_code"]) == {"NL01", "GM0995", "WK099501", "BU09950101", "BU09950102", "WK099502",
                                       "BU09950201", "GM0034"}  # no Amsterdam, no Almere wijken
    assert set(obs["period"]) == {"2020JJ00"}  # year taken from the table
    assert value(obs, "population", "GM0995", "2020JJ00")["value"] == 77389
    assert value(obs, "population", "NL01", "2020JJ00")["value"] == 17407585
    assert value(obs, "pop_65plus", "BU09950102", "2020JJ00")["value"] == 1100
    sup = value(obs, "bijstand", "BU09950101", "2020JJ00")
    assert sup["value"] is None and sup["status"] == "suppressed"
    assert value(obs, "pop_65plus", "WK099502", "2020JJ00")["status"] == "suppressed"
    assert value(obs, "population", "GM0034", "2020JJ00")["status"] == "final"
    assert set(obs["source_id"]) == {"cbs:84799NED"}
    assert set(obs["breakdown"]) == {""} and set(obs["category"]) == {""}

    regions = current_release(wh).table("regions")
    bu = regions.filter(pl.col("region_code") == "BU09950101").row(0, named=True)
    assert bu == {"region_code": "BU09950101", "name": "Oude Haven", "level": "buurt", "parent_code": "WK099501",
                  "gemeente_code": "GM0995", "boundary_year": 2020}
    wk = regions.filter(pl.col("region_code") == "WK099502").row(0, named=True)
    assert (wk["level"], wk["parent_code"], wk["name"]) == ("wijk", "GM0995", "Wijk 02 Atolwijk")
    assert regions.filter(pl.col("region_code") == "NL01")["level"].item() == "land"

    src = current_release(wh).table("sources").row(0, named=True)
    assert src["source_id"] == "cbs:84799NED" and src["kind"] == "cbs" and src["table_id"] == "84799NED"
    assert src["release"] == "2021-03-26T02:00:00"
    assert src["rows"] == obs.height == 8 * 3
    assert len(src["checksum"]) == 64
    # 3 rows a page over 8 kept regions -> several pages, plus the one 500 retried.
    assert fake.count("TypedDataSet") >= 4
    assert not (wh / ".download" / "cbs").exists()  # cache removed after publication
    assert not any(p.name.startswith(".download") for p in current_release(wh).path.rglob("*"))


def test_v3_periods_categories_and_provisional(fake, tmp_path, catalogue_path):
    run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["85639NED"]))
    obs = obs_of(tmp_path / "wh")
    r = value(obs, "wmo_clients", "GM0995", "2022JJ00")
    assert (r["value"], r["status"]) == (3890, "final")
    r = value(obs, "wmo_clients", "GM0995", "2023JJ00")
    assert (r["value"], r["status"]) == (4010, "provisional")  # Perioden Status Voorlopig / "2023*"
    assert value(obs, "wmo_hh", "WK099501", "2023JJ00")["value"] == 260
    r = value(obs, "wmo_clients", "WK099501", "2023JJ00")
    assert (r["value"], r["status"]) == (None, "suppressed")
    assert value(obs, "wmo_clients", "NL01", "2022JJ00")["value"] == 1200000
    assert "GM0363" not in set(obs["region_code"])
    # The catalogue filter picked the category; the third category never appears as a value.
    assert 5 not in set(obs["value"].drop_nulls().to_list())
    regions = current_release(tmp_path / "wh").table("regions")
    assert regions.filter(pl.col("region_code") == "WK099501")["boundary_year"].item() == 2023


def test_years_filter(fake, tmp_path, catalogue_path):
    rep = run_load(opts(fake, tmp_path, catalogue_path, tables=["85639NED", "84799NED"], years={2022}))
    obs = obs_of(tmp_path / "wh")
    assert set(obs["period"]) == {"2022JJ00"}
    assert rep.skipped == {"84799NED": "tabeljaar 2020 valt buiten --years"}
    assert "GM0363" in set(obs["region_code"])  # no --gemeente: every region


def test_v4_observations(fake, tmp_path, catalogue_path):
    rep = run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["86204NED"]))
    obs = obs_of(tmp_path / "wh")
    assert rep.loaded == ["86204NED"]
    r = value(obs, "youth_care", "GM0995", "2022JJ00")
    assert (r["value"], r["status"], r["source_id"]) == (2010, "final", "cbs:86204NED")
    r = value(obs, "youth_care_pct", "GM0995", "2023JJ00")
    assert (r["value"], r["status"]) == (12.0, "provisional")
    r = value(obs, "youth_care", "WK099501", "2023JJ00")
    assert (r["value"], r["status"]) == (None, "suppressed")
    r = value(obs, "youth_care_pct", "NL01", "2022JJ00")
    assert (r["value"], r["status"]) == (11.8, "provisional")  # ValueAttribute on the cell
    assert value(obs, "youth_care", "NL01", "2022JJ00")["status"] == "final"
    # Only the A042502 category (jeugdhulp), never jeugdbescherming (factor 0.1).
    assert 201.0 not in set(obs["value"].drop_nulls().to_list())
    assert obs.height == 3 * 2 * 2
    # More than one Observations page was followed via @odata.nextLink.
    assert fake.count("/Observations") >= 2
    src = current_release(tmp_path / "wh").table("sources").row(0, named=True)
    assert src["release"] == "2025-05-01T02:00:00+02:00" and src["url"].endswith("/86204NED/")


def test_all_tables_one_atomic_release(fake, tmp_path, catalogue_path):
    rep = run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995"))
    assert sorted(rep.loaded) == ["84799NED", "85639NED", "86204NED"]
    wh = tmp_path / "wh"
    assert len([p for p in (wh / "releases").iterdir() if not p.name.startswith(".")]) == 1
    src = current_release(wh).table("sources")
    assert sorted(src["source_id"]) == ["cbs:84799NED", "cbs:85639NED", "cbs:86204NED"]


def test_dropped_connection_is_retried(fake, tmp_path, catalogue_path):
    fake.faults["TypedDataSet"] = ["drop", "drop"]
    run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["84799NED"]))
    assert value(obs_of(tmp_path / "wh"), "population", "WK099501", "2020JJ00")["value"] == 9850


def test_truncated_body_and_timeout_are_retried(fake, tmp_path, catalogue_path, monkeypatch):
    monkeypatch.setenv("MSD_HTTP_TIMEOUT", "0.5")
    fake.faults["TypedDataSet"] = ["partial", "hang"]
    run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["84799NED"]))
    obs = obs_of(tmp_path / "wh")
    assert value(obs, "population", "BU09950201", "2020JJ00")["value"] == 12010
    assert obs.height == 7 * 3  # the broken half page was not taken for data
    first_page = [r for r in fake.requests if "TypedDataSet" in r and "skip" not in r]
    assert len(first_page) == 3  # partial body, time-out, success


def test_unreachable_server_exit_2_and_warehouse_unchanged(fake, tmp_path, catalogue_path, capsys):
    wh = tmp_path / "wh"
    run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["84799NED"]))
    before = current_release(wh).id
    dead = f"http://127.0.0.1:{free_port()}"
    code = main(["cbs", "--warehouse", str(wh), "--catalogue", str(catalogue_path), "--base-url", dead,
                 "--v4-base-url", dead, "--tables", "84799NED", "--force"])
    err = capsys.readouterr().err
    assert code == 2
    assert "niet bereikbaar" in err and dead in err and "Traceback" not in err
    assert "Het warehouse is niet veranderd" in err
    assert current_release(wh).id == before


def test_server_errors_until_give_up_publish_nothing(fake, tmp_path, catalogue_path):
    # 85639NED is fine, 84799NED keeps failing: nothing at all may be published.
    fake.faults["84799NED/TypedDataSet"] = ["500"] * 10
    with pytest.raises(WarehouseError, match="84799NED"):
        run_load(opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["85639NED", "84799NED"]))
    assert current_release(tmp_path / "wh") is None


def test_resume_interrupted_table(fake, tmp_path, catalogue_path):
    o = opts(fake, tmp_path, catalogue_path, tables=["84799NED"])  # all 10 regions: 4 pages of 3
    fake.faults["%24skip=6"] = ["500"] * 10  # the third page keeps failing
    with pytest.raises(WarehouseError):
        run_load(o)
    cached = list((tmp_path / "wh" / ".download" / "cbs").rglob("page-*.json"))
    assert len(cached) == 2
    fake.faults.clear()
    fake.reset_counts()
    run_load(o)
    data_requests = [r for r in fake.requests if "TypedDataSet" in r]
    assert len(data_requests) == 2 and all("skip=6" in r or "skip=9" in r for r in data_requests)
    obs = obs_of(tmp_path / "wh")
    assert obs.filter(pl.col("indicator_id") == "population").height == 10
    assert value(obs, "population", "GM0363", "2020JJ00")["value"] == 872757
    # Without --gemeente the region list comes in beside the figures; its names still reach the warehouse.
    regions = current_release(tmp_path / "wh").table("regions")
    assert dict(zip(regions["region_code"], regions["name"], strict=True))["GM0363"] == "Amsterdam"
    assert not (tmp_path / "wh" / ".download" / "cbs").exists()


def test_incremental_refresh_downloads_nothing_when_unchanged(fake, tmp_path, catalogue_path):
    o = opts(fake, tmp_path, catalogue_path, gemeente="GM0995")
    run_load(o)
    wh = tmp_path / "wh"
    first = current_release(wh).id
    fake.reset_counts()
    rep = run_load(o)
    assert sorted(rep.unchanged) == ["84799NED", "85639NED", "86204NED"] and rep.release is None
    assert fake.count("TypedDataSet") == 0 and fake.count("Observations") == 0
    # Only the release stamp and the list of measures were read: no code lists, no data.
    assert fake.count("WijkenEnBuurten") == 0 and fake.count("Perioden") == 0
    assert sorted(fake.paths().elements()) == sorted([
        "/ODataApi/odata/84799NED/TableInfos", "/ODataApi/odata/84799NED/DataProperties",
        "/ODataApi/odata/85639NED/TableInfos", "/ODataApi/odata/85639NED/DataProperties",
        "/ODataApi/odata/86204NED/TableInfos",  # v3 probe: 404, the table is v4-only
        "/odata/v1/CBS/86204NED/Properties", "/odata/v1/CBS/86204NED/Dimensions",
        "/odata/v1/CBS/86204NED/MeasureCodes"])
    assert current_release(wh).id == first
    # A new CBS release of one table: only that table comes in again.
    fake.v3["84799NED"].infos["Modified"] = "2021-09-01T02:00:00"
    fake.v3["84799NED"].data = fake.v3["84799NED"].data.with_columns(pl.col("AantalInwoners_5") + 1)
    fake.reset_counts()
    rep = run_load(o)
    assert rep.loaded == ["84799NED"] and sorted(rep.unchanged) == ["85639NED", "86204NED"]
    obs = obs_of(wh)
    assert value(obs, "population", "GM0995", "2020JJ00")["value"] == 77390
    assert value(obs, "youth_care", "GM0995", "2022JJ00")["value"] == 2010  # other tables kept
    assert fake.count("Observations") == 0


def test_new_catalogue_entry_triggers_load(fake, tmp_path, catalogue_path):
    o = opts(fake, tmp_path, catalogue_path, gemeente="GM0995", tables=["84799NED"])
    run_load(o)
    text = catalogue_path.read_text(encoding="utf-8")
    catalogue_path.write_text("\n".join([
        text,
        indicator("pop_all_again", cbs_source("84799NED", "AantalInwoners", "aantal"), title="Inwoners (nogmaals)",
                  theme="Bevolking", definition="Test: een nieuwe indicator uit dezelfde tabel."),
        indicator("not_in_table", cbs_source("84799NED", "BestaatNiet", "aantal"), title="Bestaat niet",
                  theme="Bevolking", definition="Test: een onderwerp dat niet in de tabel staat."),
    ]), encoding="utf-8")
    rep = run_load(o)
    assert rep.loaded == ["84799NED"]
    obs = obs_of(tmp_path / "wh")
    assert value(obs, "pop_all_again", "GM0995", "2020JJ00")["value"] == 77389
    fake.reset_counts()
    rep = run_load(o)  # the missing measure alone does not force a download every time
    assert rep.unchanged == ["84799NED"] and fake.count("TypedDataSet") == 0


def test_cli_end_to_end_and_bad_input(fake, tmp_path, catalogue_path, capsys, monkeypatch):
    wh = tmp_path / "wh"
    monkeypatch.setenv("MSD_CBS_BASE_URL", fake.base)
    monkeypatch.setenv("MSD_CBS_V4_BASE_URL", f"{fake.base}/odata/v1/CBS")
    assert main(["cbs", "--warehouse", str(wh), "--catalogue", str(catalogue_path), "--gemeente", "GM0995",
                 "--peers", "GM0034", "--tables", "84799NED,86204NED", "--years", "2020-2022", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "CBS geladen" in out
    obs = obs_of(wh)
    assert set(obs["period"]) == {"2020JJ00", "2022JJ00"}
    assert main(["cbs", "--warehouse", str(wh), "--catalogue", str(catalogue_path), "--gemeente", "0995"]) == 2
    assert "--gemeente" in capsys.readouterr().err
    assert main(["cbs", "--warehouse", str(wh), "--catalogue", str(catalogue_path), "--tables", "12345NED"]) == 2
    assert "12345NED" in capsys.readouterr().err


def test_unknown_table_id_is_refused_before_anything_downloads(fake, tmp_path, catalogue_path):
    del fake.v3["85639NED"]
    with pytest.raises(WarehouseError) as err:
        run_load(opts(fake, tmp_path, catalogue_path))
    msg = str(err.value)
    assert "kent CBS niet: 85639NED" in msg and "wmo_clients, wmo_hh" in msg and "Er is niets geladen" in msg
    assert "84799NED" not in msg.split("Er is niets")[0]  # the known tables are not blamed
    # Checked against the CBS catalogue first: no figures of the known tables were fetched in vain.
    assert fake.count("TypedDataSet") == 0 and fake.count("Observations") == 0
    assert current_release(tmp_path / "wh") is None


def test_page_parser_odd_cells_fall_back():
    from etl.cbs_shape import page_parser

    parse = page_parser(["WijkenEnBuurten"], ["AantalInwoners_5"], "odata.nextLink")
    body = json.dumps({"odata.metadata": "x", "value": [
        {"WijkenEnBuurten": "GM0995    ", "AantalInwoners_5": 77389},
        {"WijkenEnBuurten": "WK099501  ", "AantalInwoners_5": "."},  # text where a number belongs
    ], "odata.nextLink": "http://h/next"}).encode()
    df, n, link = parse(body)
    assert n == 2 and link == "http://h/next"
    assert df.to_dicts() == [{"WijkenEnBuurten": "GM0995", "AantalInwoners_5": 77389.0},
                             {"WijkenEnBuurten": "WK099501", "AantalInwoners_5": None}]


def test_bad_base_url_is_a_clear_error(tmp_path, catalogue_path, capsys):
    code = main(["cbs", "--warehouse", str(tmp_path / "wh"), "--catalogue", str(catalogue_path),
                 "--base-url", "opendata.cbs.nl", "--tables", "84799NED"])
    assert code == 2 and "--base-url" in capsys.readouterr().err


def test_client_counts_and_backoff():
    slept = []
    c = Client(retries=2, backoff=0.5, sleep=slept.append)
    with pytest.raises(WarehouseError, match="niet bereikbaar"):
        c.get_json(f"http://127.0.0.1:{free_port()}/x")
    assert c.requests_made == 3 and slept == [0.5, 1.0]


def test_tail_next_link_reads_only_a_last_member():
    from etl.odata import tail_next_link

    assert tail_next_link(b'{"value":[{"a":1}],"odata.nextLink":"http://h/T?%24skip=3"}') == "http://h/T?%24skip=3"
    assert tail_next_link(b'{"value": [],\n  "@odata.nextLink": "http://h/O?\\u0024skip=1&a=\\"b\\""\n}\n') \
        == 'http://h/O?$skip=1&a="b"'
    assert tail_next_link(b'{"value":[],"odata.metadata":"m"}') is None  # last page
    # Elsewhere in the page it is not guessed at: the parser still finds it, there is just no read-ahead.
    assert tail_next_link(b'{"odata.nextLink":"http://h/n","value":[]}') is None
    assert tail_next_link(b'{"value":[],"odata.nextLink":"http://h/\\q"}') is None  # bad escape: no guess


def test_read_ahead_follows_the_parsed_link_not_the_guess(fake):
    from etl.odata import iter_pages, parse_json_page

    url = f"{fake.base}/ODataFeed/odata/84799NED/TypedDataSet"  # 10 rows, pages of 3

    def parse(body):  # a server whose real next link differs from the one at the end of page 1
        rows, n, link = parse_json_page(body)
        return rows, n, link.replace("skip=3", "skip=6") if link else None

    client = Client()
    pages = [rows for _, rows in iter_pages(client, url, {"$format": "json"}, "t", parse=parse, read_ahead=True)]
    assert [[r["WijkenEnBuurten"].strip() for r in rows] for rows in pages] == [
        ["NL00", "GM0995", "WK099501"], ["BU09950201", "GM0034", "WK003401"], ["GM0363"]]  # rows 3-5 skipped
    data = [r for r in fake.requests if "TypedDataSet" in r]
    assert len(data) == 4 and sum("skip=3" in r for r in data) == 1  # the wrong guess was fetched, then dropped
    assert client.requests_made == 4  # the read-ahead connection's requests count too


def test_failing_region_list_beside_the_download_publishes_nothing(fake, tmp_path, catalogue_path):
    import threading

    fake.faults["84799NED/WijkenEnBuurten"] = ["500"] * 10
    with pytest.raises(WarehouseError, match="dimensie WijkenEnBuurten"):
        run_load(opts(fake, tmp_path, catalogue_path, tables=["84799NED"]))
    assert current_release(tmp_path / "wh") is None
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("cbs-codes", "read-ahead"))]


def test_an_unreadable_page_is_not_kept_for_a_resume(fake, tmp_path, catalogue_path):
    o = opts(fake, tmp_path, catalogue_path, tables=["84799NED"])
    fake.faults["%24skip=3"] = ["html"]  # status 200, but a proxy's page instead of JSON
    with pytest.raises(WarehouseError, match="pagina 2 .* onleesbaar"):
        run_load(o)
    cached = sorted(p.name for p in (tmp_path / "wh" / ".download" / "cbs").rglob("page-*.json"))
    assert cached == ["page-00000.json"]
    run_load(o)  # the resume downloads page 2 again instead of failing on the kept HTML
    assert obs_of(tmp_path / "wh").filter(pl.col("indicator_id") == "population").height == 10


def test_a_cancelled_client_stops_retrying_at_once():
    c = Client(retries=5, backoff=30.0)
    c.cancel()
    with pytest.raises(WarehouseError, match="afgebroken"):
        c.get_bytes(f"http://127.0.0.1:{free_port()}/x")
    assert c.requests_made == 0
