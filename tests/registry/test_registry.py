"""Registry extracts: hand-computed counts, every kind of bad input, suppression and privacy."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from etl import registry
from etl.registry import Extract, ExtractRefused
from settings import Settings
from warehouse.releases import current_release

ROOT = Path(__file__).resolve().parents[2]
GM = "GM9990"
REFERENCE = date(2025, 12, 31)
HEADER = ("client_id,household_id,birth_date,postcode,wijk_code,request_date,decision_date,route,product_code,"
          "start_date,end_date,end_reason,delivery_form,provider,referrer,amount_paid")
POSTCODES = (
    b"postcode,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name\n"
    b"1000AA,BU99900101,Noord-West,WK999001,Noord,GM9990,Testdorp\n"
    b"1000AB,BU99900102,Noord-Oost,WK999001,Noord,GM9990,Testdorp\n"
    b"1001AA,BU99900201,Zuid,WK999002,Zuid,GM9990,Testdorp\n"
    b"1002AA,BU99900301,Oost,WK999003,Oost,GM9990,Testdorp\n"
)
# Hand-checked Wmo extract (see the expected values in the tests below).
WMO = [
    "111111110,H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,2024-12-31,,ZIN,A,,1000.00",
    "111111110,H1,1950-06-01,1000AA,,2024-02-20,2024-02-25,maatwerk,02,2024-03-01,,,PGB,A,,0",
    "222222220,H2,1980-01-01,1000AB,,2024-05-01,2024-08-01,maatwerk,14,2024-08-15,2025-03-31,,ZIN,B,,2290.00",
    "333333330,H3,2000-01-01,1001AA,,2024-06-01,2024-06-15,afgewezen,,,,,,,,",
    "444444440,H3,1940-01-01,1001AA,,2023-03-01,2023-03-20,maatwerk,01,2023-04-01,2023-12-31,,ZIN,A,,500.00",
]
NO_SUPPRESSION = dict(min_count=1, min_count_strict=1, min_denominator=1)


def csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def settings_for(wh: Path, **kw) -> Settings:
    base = dict(min_count=5, min_count_strict=10, min_denominator=50) | kw
    return Settings(warehouse=wh, store_url="", **base)


def load(wh: Path, extracts: dict[str, bytes], *, suppress: bool = False, **kw) -> registry.LoadReport:
    s = settings_for(wh, **({} if suppress else NO_SUPPRESSION))
    return registry.load([Extract(law, f"{law}.csv", data) for law, data in extracts.items()], POSTCODES,
                         gemeente=GM, warehouse=wh, reference_date=REFERENCE, settings=s, **kw)


def obs(wh: Path) -> pl.DataFrame:
    return current_release(wh).table("observations")


def value(o: pl.DataFrame, indicator: str, region: str, period: str, breakdown: str = "", category: str = ""):
    hit = o.filter((pl.col("indicator_id") == indicator) & (pl.col("region_code") == region)
                   & (pl.col("period") == period) & (pl.col("breakdown") == breakdown)
                   & (pl.col("category") == category))
    assert hit.height <= 1
    return hit["value"][0] if hit.height else None


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------
def test_counts_match_a_hand_computed_extract(tmp_path):
    load(tmp_path, {"wmo": csv(WMO)})
    o = obs(tmp_path)
    y24, y23 = "2024JJ00", "2023JJ00"
    assert value(o, "wmo_reg_clients", GM, y24) == 2  # persons 1 and 2; person 4 stopped end 2023
    assert value(o, "wmo_reg_clients", "WK999001", y24) == 2
    assert value(o, "wmo_reg_clients", "BU99900101", y24) == 1
    assert value(o, "wmo_reg_clients", "WK999002", y23) == 1
    assert value(o, "wmo_reg_inflow", GM, y24) == 2 and value(o, "wmo_reg_inflow", GM, y23) == 1
    assert value(o, "wmo_reg_outflow", GM, y23) == 1 and value(o, "wmo_reg_outflow", GM, "2025JJ00") == 1
    assert value(o, "wmo_reg_outflow", GM, y24) is None  # person 1 still has a running provision
    assert value(o, "wmo_reg_requests", GM, y24) == 4
    assert value(o, "wmo_reg_requests", GM, y24, "route", "maatwerk") == 3
    assert value(o, "wmo_reg_requests", GM, y24, "route", "afgewezen") == 1
    # A share of people: persons 1 (two maatwerk provisions) and 2 got maatwerk, person 3 was turned down.
    assert value(o, "wmo_reg_maatwerk_share", GM, y24) == pytest.approx(200 / 3)
    assert value(o, "wmo_reg_wait_median", GM, y24) == 18.0  # waits 22, 5, 92, 14 days
    assert value(o, "wmo_reg_wait_over_term", GM, y24) == 25.0  # one of four over 56 days
    # 1000 fully in 2024; 2290 over 229 days of which 139 in 2024.
    assert value(o, "wmo_reg_cost", GM, y24) == pytest.approx(1000 + 1390)
    assert value(o, "wmo_reg_cost_per_client", GM, y24) == pytest.approx(2390 / 2)
    assert value(o, "wmo_reg_pgb_share", GM, y24) == 50.0
    assert value(o, "wmo_reg_clients", GM, y24, "product", "01") == 1
    assert value(o, "wmo_reg_clients", GM, y24, "age_group", "65-74") == 1  # 74 at the end of 2024
    assert value(o, "wmo_reg_clients", GM, y24, "delivery_form", "PGB") == 1
    # Quarters and months of the last years; the running year is provisional.
    assert value(o, "wmo_reg_clients", GM, "2024KW01") == 1 and value(o, "wmo_reg_clients", GM, "2024KW03") == 2
    assert value(o, "wmo_reg_clients", GM, "2025MM02") == 2 and value(o, "wmo_reg_clients", GM, "2025MM04") == 1
    status = o.filter(pl.col("indicator_id") == "wmo_reg_clients").group_by("period").agg(pl.col("status").first())
    assert dict(status.iter_rows())["2025JJ00"] == "provisional" and dict(status.iter_rows())["2024JJ00"] == "final"
    regions = current_release(tmp_path).table("regions")
    assert set(regions.filter(pl.col("level") == "buurt")["region_code"]) >= {"BU99900101", "BU99900102"}


def test_cost_per_product_and_per_referrer_adds_up_to_the_cost_with_its_clients_as_base(tmp_path):
    request = "2023-12-01,2023-12-20,maatwerk"
    jeugd = csv([f"555555550,H5,2012-01-01,1000AA,,{request},45,2024-01-01,2024-12-31,,ZIN,C,02,800",
                 f"666666660,H6,2010-01-01,1001AA,,{request},43,2024-07-01,2024-12-31,,ZIN,C,2,3000",
                 f"777777770,H7,2011-01-01,1002AA,,{request},45,2024-01-01,2024-12-31,,ZIN,C,01,400"])
    load(tmp_path, {"wmo": csv(WMO), "jeugd": jeugd})
    o = obs(tmp_path)
    y24 = "2024JJ00"
    # Wmo 2024: 1000 for hulp bij het huishouden, 139 of 229 days of 2290 for hulpmiddelen, nothing for begeleiding.
    assert value(o, "wmo_reg_cost", GM, y24, "product", "01") == pytest.approx(1000)
    assert value(o, "wmo_reg_cost", GM, y24, "product", "14") == pytest.approx(1390)
    assert value(o, "wmo_reg_cost", GM, y24, "product", "02") == 0
    assert value(o, "wmo_reg_cost", "WK999001", y24, "product", "14") == pytest.approx(1390)
    assert o.filter((pl.col("indicator_id") == "wmo_reg_cost") & (pl.col("breakdown") == "referrer")).is_empty()
    # Youth: the GP (02, also written as 2) referred 800 + 3000, the municipality (01) 400.
    assert value(o, "jeugd_reg_cost", GM, y24, "referrer", "02") == pytest.approx(3800)
    assert value(o, "jeugd_reg_cost", GM, y24, "referrer", "01") == pytest.approx(400)
    assert value(o, "jeugd_reg_cost", GM, y24, "product", "45") == pytest.approx(1200)
    base = o.filter((pl.col("indicator_id") == "jeugd_reg_cost") & (pl.col("region_code") == GM)
                    & (pl.col("period") == y24) & (pl.col("category") == "45"))
    assert base["denominator"].to_list() == [2.0]  # two clients behind the amount
    assert o.filter((pl.col("indicator_id") == "jeugd_reg_cost") & (pl.col("breakdown") == "product")
                    & pl.col("period").str.contains("MM")).is_empty()  # years only


def test_cost_of_a_product_about_few_clients_is_hidden_with_a_partner(tmp_path):
    jeugd = csv([f"{i:08d}0,H{i},2012-01-01,1000AA,,2023-12-01,2023-12-20,maatwerk,{'43' if i < 3 else '45'},"
                 f"2024-01-01,2024-12-31,,ZIN,C,02,1000" for i in range(1, 60)])
    load(tmp_path, {"jeugd": jeugd}, suppress=True)
    o = obs(tmp_path)
    # Residential care for two clients is hidden; the total would give it back, so another part goes too.
    assert value(o, "jeugd_reg_cost", GM, "2024JJ00", "product", "43") is None
    shown = o.filter((pl.col("indicator_id") == "jeugd_reg_cost") & (pl.col("region_code") == GM)
                     & (pl.col("period") == "2024JJ00") & (pl.col("breakdown") == "product"))
    total = value(o, "jeugd_reg_cost", GM, "2024JJ00")
    assert total is None or shown["value"].null_count() >= 2


def test_stapeling_counts_households_per_combination_of_laws(tmp_path):
    jeugd = csv(["555555550,H1,2012-01-01,1000AA,,2023-12-01,2023-12-20,maatwerk,45,2024-01-01,,,ZIN,C,02,800"])
    load(tmp_path, {"wmo": csv(WMO), "jeugd": jeugd})
    o = obs(tmp_path)
    assert value(o, "stapeling_households", GM, "2024JJ00") == 2
    assert value(o, "stapeling_households", GM, "2024JJ00", "laws", "wmo+jeugd") == 1
    assert value(o, "stapeling_households", GM, "2024JJ00", "laws", "wmo") == 1
    assert value(o, "stapeling_households_multi", GM, "2024JJ00") == 1
    assert value(o, "beschikkingen_per_household", GM, "2024JJ00") == 2.0  # H1: 3 provisions, H2: 1
    assert value(o, "jeugd_reg_referrer_huisarts_share", GM, "2024JJ00") == 100.0


def test_profiles_map_other_column_names_delimiters_and_encodings(tmp_path):
    header = ("BSN;Huishoudnummer;Geboortedatum;Postcode;Datum melding;Datum beschikking;Afhandeling;"
              "Productcategorie;Ingangsdatum;Einddatum;Leveringsvorm;Betaald bedrag")
    rows = [f"12345678{i};HH{i};01-01-1945;1000 AA;01-02-2024;01-03-2024;Maatwerkvoorziening;01;15-03-2024;;Natura;"
            f"1200,50" for i in range(6)]
    data = "\n".join([header, *rows, "99999999;HHx;01-01-1945;1001AA;01-02-2024;;Afwijzing;;;;;"]).encode("cp1252")
    report = registry.load([Extract("wmo", "suite.csv", data, "sociaal-domein-suite")], POSTCODES, gemeente=GM,
                           warehouse=tmp_path, reference_date=REFERENCE, settings=settings_for(tmp_path, **NO_SUPPRESSION))
    assert report.rows["wmo"] == 7 and report.skipped["wmo"] == 0
    o = obs(tmp_path)
    assert value(o, "wmo_reg_clients", "BU99900101", "2024JJ00") == 6
    assert value(o, "wmo_reg_requests", GM, "2024JJ00", "route", "afgewezen") == 1


# ---------------------------------------------------------------------------------------------
# Suppression before storage
# ---------------------------------------------------------------------------------------------
def _clients(wijk_postcode: str, n: int, start: int) -> list[str]:
    return [f"{start + i:09d},H{start + i},1950-01-01,{wijk_postcode},,2024-01-01,2024-01-20,maatwerk,01,"
            f"2024-02-01,,,ZIN,A,,100" for i in range(n)]


def test_small_cells_and_their_complement_are_hidden_before_storage(tmp_path):
    rows = _clients("1000AA", 3, 100) + _clients("1001AA", 6, 200) + _clients("1002AA", 8, 300)
    load(tmp_path, {"wmo": csv(rows)}, suppress=True)
    o = obs(tmp_path)
    y = "2024JJ00"
    assert value(o, "wmo_reg_clients", GM, y) == 17
    assert value(o, "wmo_reg_clients", "WK999001", y) is None  # 3 people: too few
    assert value(o, "wmo_reg_clients", "WK999002", y) is None  # 6 would give away the 3 (17 - 8 - 6)
    assert value(o, "wmo_reg_clients", "WK999003", y) == 8
    hidden = o.filter((pl.col("indicator_id") == "wmo_reg_clients") & (pl.col("region_code") == "WK999002")
                      & (pl.col("period") == y) & (pl.col("breakdown") == ""))
    assert hidden["status"][0] == "suppressed"
    counts = o.join(current_release(tmp_path).table("indicators").select(pl.col("id").alias("indicator_id"), "unit"),
                    on="indicator_id").filter(pl.col("unit") == "count")
    assert counts.filter(pl.col("value") < 5).height == 0
    # A percentage over fewer than 50 people is hidden as well.
    assert value(o, "wmo_reg_maatwerk_share", GM, y) is None


# ---------------------------------------------------------------------------------------------
# Bad input: a clear message with row and column, and nothing written
# ---------------------------------------------------------------------------------------------
GOOD = "111111110,H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,,,ZIN,A,,100"


@pytest.mark.parametrize(("row", "column", "reason"), [
    ("111111110,H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,77,2024-02-15,,,ZIN,A,,100",
     "product_code", "onbekende productcode"),
    ("111111110,H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,2024-01-01,,ZIN,A,,100",
     "end_date", "einddatum ligt voor de begindatum"),
    ("111111110,H1,1950-06-01,1000AA,,2026-03-10,,,,,,,,,,", "request_date", "na de datum van de export"),
    ("111111110,H1,1950-06-01,9999ZZ,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,,,ZIN,A,,100",
     "postcode", "buiten de gemeente"),
    (GOOD, "", "dubbele rij"),
    ("111111110,H1,31-12-1950,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,,,ZIN,A,,100",
     "birth_date", "geen datum in de vorm"),
    (",H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,,,ZIN,A,,100", "client_id", "is leeg"),
    ("111111110,H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,,,XYZ,A,,100",
     "delivery_form", "ZIN of PGB"),
    ("111111110,H1,1950-06-01,1000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,,,ZIN,A,,twaalf",
     "amount_paid", "geen getal"),
])
def test_each_kind_of_error_names_row_and_column(tmp_path, row, column, reason):
    data = csv([GOOD, row])
    with pytest.raises(ExtractRefused) as err:
        load(tmp_path, {"wmo": data}, max_errors=0)
    assert (3, column) in [(r, c) for r, c, why in err.value.problems if reason in why]
    assert "rij 3" in str(err.value) and "er is niets geladen" in str(err.value)
    assert "111111110" not in str(err.value) and "1950" not in str(err.value)  # values never in messages
    assert current_release(tmp_path) is None
    # Under the threshold the bad row is skipped and reported, the rest is loaded.
    report = load(tmp_path, {"wmo": data}, max_errors=5)
    assert report.skipped["wmo"] == 1 and report.problems["wmo"][0][0] == 3


def test_wrong_encoding_and_delimiter_are_reported(tmp_path):
    latin = csv([GOOD]).replace(b",A,", ",Zorg & Co \xe9,".encode("latin-1"))
    with pytest.raises(ExtractRefused, match=r"rij 2: verkeerde tekenset"):
        load(tmp_path, {"wmo": latin})
    with pytest.raises(ExtractRefused, match=r"verkeerd scheidingsteken.*';'"):
        load(tmp_path, {"wmo": csv([GOOD.replace(",", ";")], HEADER.replace(",", ";"))})
    with pytest.raises(ExtractRefused, match="verplichte kolommen ontbreken"):
        load(tmp_path, {"wmo": b"naam,adres\nJan,Dorpsstraat 1\n"})
    assert current_release(tmp_path) is None


@pytest.mark.parametrize(("data", "message"), [
    (b"", "het bestand is leeg"),
    (HEADER.encode() + b"\n", "kopregel maar geen rijen"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binaire inhoud"),
    (b"PK\x03\x04" + bytes(100), "kan niet worden gelezen|geen Excel-werkmap|beschadigd"),
])
def test_empty_binary_and_broken_files_are_refused(tmp_path, data, message):
    with pytest.raises(ExtractRefused, match=message):
        load(tmp_path, {"wmo": data})
    assert current_release(tmp_path) is None


def _workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_with_one_sheet_loads_and_with_several_sheets_asks_which(tmp_path):
    rows = [HEADER.split(","), *[r.split(",") for r in WMO]]
    report = load(tmp_path, {"wmo": _workbook({"Wmo": rows})})
    assert report.rows["wmo"] == 5 and value(obs(tmp_path), "wmo_reg_clients", GM, "2024JJ00") == 2
    before = current_release(tmp_path).id
    two = _workbook({"Wmo": rows, "Toelichting": [["Dit is een export"]]})
    with pytest.raises(ExtractRefused, match=r"2 tabbladen \(Wmo, Toelichting\).*--sheet"):
        load(tmp_path, {"wmo": two})
    assert current_release(tmp_path).id == before
    s = settings_for(tmp_path, **NO_SUPPRESSION)
    registry.load([Extract("wmo", "two.xlsx", two, sheet="Wmo")], POSTCODES, gemeente=GM, warehouse=tmp_path,
                  reference_date=REFERENCE, settings=s)
    assert current_release(tmp_path).id != before


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"TMPDIR": str(tmp_path / "tmp"), "PYTHONDONTWRITEBYTECODE": "1"}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "etl", "registry", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_2_gb_file_is_refused_by_size_without_reading_it(tmp_path):
    wh = tmp_path / "wh"
    load(wh, {"wmo": csv(WMO)})
    before = sorted(p.name for p in (wh / "releases").iterdir())
    big = tmp_path / "groot.csv"
    with big.open("wb") as f:  # sparse: takes no disk space
        f.truncate(2 * 1024**3)
    (tmp_path / "pc.csv").write_bytes(POSTCODES)
    out = _cli(tmp_path, str(big), "--law", "wmo", "--postcodes", str(tmp_path / "pc.csv"), "--warehouse", str(wh))
    assert out.returncode != 0
    assert "2.048 MB, meer dan de grens van 1.024 MB" in out.stderr
    assert sorted(p.name for p in (wh / "releases").iterdir()) == before


# ---------------------------------------------------------------------------------------------
# The upload page's load: the same code, behind a role check on the server
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "allowed"), [("raadslid", False), ("griffie", False), ("ambtenaar", True),
                                               ("beheerder", True), (None, False)])
def test_upload_checks_the_role_on_the_server_and_is_audited(tmp_path, monkeypatch, role, allowed):
    from components.registry_upload import confirm_upload, load_uploads
    from domain.roles import PermissionDenied
    from queries import Warehouse
    from store import audit

    wh_dir = tmp_path / "warehouse"
    monkeypatch.setenv("MSD_STORE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("MSD_MIN_COUNT", "1")
    monkeypatch.setenv("MSD_MIN_DENOMINATOR", "1")
    load(wh_dir, {"jeugd": csv(["555555550,H1,2012-01-01,1000AA,,2023-12-01,2023-12-20,maatwerk,45,2024-01-01,,,"
                                "ZIN,C,02,800"])})
    before = current_release(wh_dir).id
    wh = Warehouse.open(wh_dir)
    upload = {"wmo": ("wmo.csv", csv(WMO))}
    if not allowed:
        with pytest.raises(PermissionDenied):
            load_uploads(wh, upload, POSTCODES, profile="standaard", sheet=None, reference=REFERENCE, role=role,
                         user="iemand")
        assert current_release(wh_dir).id == before
        return
    report = load_uploads(wh, upload, POSTCODES, profile="standaard", sheet=None, reference=REFERENCE, role=role,
                          user="a.jansen")
    assert report.rows == {"wmo": 5} and report.staged
    assert current_release(wh_dir).id == before  # checked and counted, not yet published
    log = audit.entries(role="beheerder", event="upload")
    assert [(e["username"], e["detail"]) for e in log] == [("a.jansen", "wmo: 5 rijen")]
    with pytest.raises(PermissionDenied):  # the confirmation checks the role again
        confirm_upload(wh, report.release, role="raadslid", user="iemand", detail="")
    confirm_upload(wh, report.release, role=role, user="a.jansen", detail="wmo: 5 rijen")
    assert current_release(wh_dir).id == report.release
    assert value(obs(wh_dir), "wmo_reg_clients", GM, "2024JJ00") == 2
    log = audit.entries(role="beheerder", event="load")
    assert [(e["username"], e["detail"]) for e in log] == [
        ("a.jansen", f"registratie gepubliceerd (versie {report.release}): wmo: 5 rijen")]
