"""The bad-row limit (1% of the rows, or --max-errors exactly, over all problems), code lists for the
fields that become categories, and reader limits that refuse bombs before memory grows."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from domain import laws
from etl import registry
from etl.registry import ExtractRefused, ReaderLimits
from tests.registry.test_registry import GM, POSTCODES, csv, load, obs, value
from warehouse.releases import current_release

ROOT = Path(__file__).resolve().parents[2]


def good(i: int, year: int = 2024) -> str:
    return (f"{100000 + i:09d},H{i},1950-01-01,1000AA,,{year}-01-02,{year}-01-10,maatwerk,01,{year}-01-15,,,ZIN,A,,"
            "100")


def bad_product(i: int) -> str:
    return good(i).replace(",maatwerk,01,", ",maatwerk,77,")


# ---------------------------------------------------------------------------------------------
# The bad-row limit
# ---------------------------------------------------------------------------------------------
def test_default_limit_is_one_percent_of_the_rows(tmp_path):
    rows = [good(i) for i in range(198)] + [bad_product(900), bad_product(901)]  # 2 of 200: exactly 1%
    report = load(tmp_path / "a", {"wmo": csv(rows)})
    assert report.problem_counts["wmo"] == 2 and report.skipped["wmo"] == 2
    assert value(obs(tmp_path / "a"), "wmo_reg_clients", GM, "2024JJ00") == 198
    rows = [good(i) for i in range(197)] + [bad_product(900 + i) for i in range(3)]  # 3 of 200: over 1%
    with pytest.raises(ExtractRefused, match=r"3 problemen in 3 van de 200 rijen, meer dan de grens van 2 "
                                             r"\(1% van de rijen\); er is niets geladen"):
        load(tmp_path / "b", {"wmo": csv(rows)})
    assert current_release(tmp_path / "b") is None


def test_thirty_percent_bad_rows_are_refused(tmp_path):
    rows = [good(i) for i in range(42)] + [bad_product(900 + i) for i in range(18)]  # the 60-row extract
    with pytest.raises(ExtractRefused) as err:
        load(tmp_path, {"wmo": csv(rows)})
    assert err.value.problem_count == 18 and current_release(tmp_path) is None


def test_max_errors_is_exact_and_counts_every_problem_of_every_check(tmp_path):
    # Row 3 has two problems (product code and delivery form), row 4 one.
    two = good(1).replace(",maatwerk,01,", ",maatwerk,77,").replace(",ZIN,", ",XYZ,")
    rows = [good(0), two, bad_product(2)] + [good(i) for i in range(3, 10)]
    with pytest.raises(ExtractRefused) as err:
        load(tmp_path / "a", {"wmo": csv(rows)}, max_errors=2)
    assert err.value.problem_count == 3 and "3 problemen in 2 van de 10 rijen" in str(err.value)
    assert "--max-errors" in str(err.value)
    report = load(tmp_path / "b", {"wmo": csv(rows)}, max_errors=3)
    assert report.problem_counts["wmo"] == 3 and report.skipped["wmo"] == 2


def test_problems_are_not_capped_per_check_before_the_limit(tmp_path):
    """The old check listed at most 1,000 problems per check and compared that with the limit."""
    rows = [good(i) for i in range(1300)] + [bad_product(5000 + i) for i in range(1200)]
    with pytest.raises(ExtractRefused) as err:
        load(tmp_path, {"wmo": csv(rows)}, max_errors=1100)
    assert err.value.problem_count == 1200 and "1.200 problemen" in str(err.value)
    assert len(err.value.problems) == registry.SAMPLE_PROBLEMS  # listed: the first 1,000; counted: all


def test_many_rows_with_ninety_percent_unknown_codes_are_refused(tmp_path):
    n = 120_000  # 1% is 1,200: more than the 1,000 the old per-check cap let through
    rows = [good(i) if i % 10 == 0 else bad_product(i) for i in range(n)]
    with pytest.raises(ExtractRefused) as err:
        load(tmp_path, {"wmo": csv(rows)})
    assert err.value.problem_count == n - n // 10 and current_release(tmp_path) is None


def _cli(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "pc.csv").write_bytes(POSTCODES)
    return subprocess.run([sys.executable, "-m", "etl", "registry", *args, "--postcodes", str(tmp_path / "pc.csv"),
                           "--gemeente", GM, "--reference-date", "2025-12-31", "--warehouse", str(tmp_path / "wh")],
                          cwd=ROOT, env=os.environ | (env or {}), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("extra", [[], ["--max-errors", "1000"]])
def test_all_rows_bad_is_a_dutch_message_and_exit_2(tmp_path, extra):
    f = tmp_path / "slecht.csv"
    f.write_bytes(csv([bad_product(i) for i in range(50)]))
    out = _cli(tmp_path, str(f), "--law", "wmo", *extra)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert ("geen enkele rij is bruikbaar" if extra else "50 problemen in 50 van de 50 rijen") in out.stderr
    assert "rij 2, kolom product_code: onbekende productcode voor wmo" in out.stdout + out.stderr
    assert "Het warehouse is niet veranderd." in out.stderr
    assert current_release(tmp_path / "wh") is None


# ---------------------------------------------------------------------------------------------
# Code lists: a category is a code, never free text
# ---------------------------------------------------------------------------------------------
def test_referrers_outside_the_ijw_codes_are_counted_as_overig(tmp_path):
    referrers = ["02", "2", "huisarts Quispelaar", "123456782", "08", "07"]
    rows = [f"{500 + i:09d},H{i},2012-01-01,1000AA,,2024-01-02,2024-01-10,maatwerk,45,2024-01-15,,,ZIN,C,{r},800"
            for i, r in enumerate(referrers)]
    report = load(tmp_path, {"jeugd": csv(rows)})
    assert report.other == {"jeugd": {"referrer": 3}} and report.problem_counts["jeugd"] == 0
    o = obs(tmp_path)
    cats = set(o.filter(pl.col("breakdown") == "referrer")["category"])
    assert cats == {"02", "08", "overig"}
    assert value(o, "jeugd_reg_clients", GM, "2024JJ00", "referrer", "02") == 2  # "2" is code 02
    assert value(o, "jeugd_reg_clients", GM, "2024JJ00", "referrer", "overig") == 3
    assert value(o, "jeugd_reg_referrer_huisarts_share", GM, "2024JJ00") == pytest.approx(100 * 2 / 6)
    every_cell = o.cast(pl.String).write_csv()
    assert "Quispelaar" not in every_cell and "123456782" not in every_cell
    assert registry.other_lines(report, "jeugd") == ["verwijzer: geen iJw-verwijzercode in 3 rijen; geteld als "
                                                     "'overig'"]


def test_every_category_in_a_release_comes_from_a_code_list(tmp_path):
    free = "Mevrouw Quispelaar Kwikstaartlaan 17"  # end reason, provider and referrer are free text
    rows = [f"{700 + i:09d},H{i},1950-01-01,1000AA,,2024-01-02,2024-01-10,maatwerk,01,2024-01-15,,{free},ZIN,{free},"
            f"{free},10" for i in range(10)]
    load(tmp_path, {"wmo": csv(rows)})
    o = obs(tmp_path)
    allowed = {"product": laws.PRODUCTS["wmo"], "delivery_form": set(registry.DELIVERY_FORMS),
               "route": set(registry.ROUTES), "referrer": {*registry.REFERRERS, registry.OTHER}}
    for breakdown, category in o.select("breakdown", "category").unique().iter_rows():
        if breakdown in allowed:
            assert category in allowed[breakdown], (breakdown, category)
    assert "Quispelaar" not in o.cast(pl.String).write_csv()


# ---------------------------------------------------------------------------------------------
# Reader limits
# ---------------------------------------------------------------------------------------------
def test_limits_come_from_settings_with_defaults(monkeypatch):
    assert ReaderLimits.from_env() == ReaderLimits()
    monkeypatch.setenv("MSD_MAX_EXTRACT_ROWS", "5")
    monkeypatch.setenv("MSD_MAX_UNZIPPED_MB", "3")
    limits = ReaderLimits.from_env()
    assert limits.max_rows == 5 and limits.max_unzipped == 3 * 1024 * 1024


@pytest.mark.parametrize(("limits", "message"), [
    (ReaderLimits(max_rows=5), "meer dan 5 rijen (MSD_MAX_EXTRACT_ROWS)"),
    (ReaderLimits(max_columns=10), "16 kolommen, meer dan de grens van 10 (MSD_MAX_EXTRACT_COLUMNS)"),
    (ReaderLimits(max_cells=100), "160 cellen, meer dan de grens van 100 (MSD_MAX_EXTRACT_CELLS)"),
])
def test_rows_columns_and_cells_over_the_limit_are_refused(tmp_path, limits, message):
    with pytest.raises(ExtractRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(tmp_path, {"wmo": csv([good(i) for i in range(10)])}, limits=limits)
    assert current_release(tmp_path) is None


def _peak(code: str) -> str:
    """A script that runs ``code`` on the bytes of the file it is given and prints how much its peak memory
    grew (MB); a refusal goes to stderr."""
    script = ("import resource, sys\nfrom etl import registry\n"
              "data = open(sys.argv[1], 'rb').read()\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "try:\n    " + code + "\nexcept registry.ExtractRefused as exc:\n    print(exc, file=sys.stderr)\n"
              "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n")
    return script


def _measure(tmp_path: Path, data: bytes, name: str) -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(data)
    code = (f"registry.read_raw(registry.Extract('wmo', {name!r}, data), registry.load_profile('standaard'))")
    out = subprocess.run([sys.executable, "-c", _peak(code), str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip().splitlines()[-1]), out.stderr


def test_a_csv_with_a_million_columns_is_refused_before_parsing(tmp_path):
    data = (",".join(f"k{i}" for i in range(1_000_000)) + "\n" + ",".join("1" for _ in range(1_000_000)) + "\n")
    grew, err = _measure(tmp_path, data.encode(), "breed.csv")
    assert "1.000.000 kolommen, meer dan de grens van 250" in err
    assert grew < 50, f"peak memory grew by {grew} MB"


def _bomb(unpacked_mb: int, dimension: str = "A1:P10") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<worksheet><dimension ref="{dimension}"/><sheetData>'.encode())
            row = b'<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>' * 2000
            for _ in range(unpacked_mb * 1024 * 1024 // len(row)):
                fh.write(row)
            fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def test_an_xlsx_bomb_is_refused_before_a_reader_opens_it(tmp_path):
    data = _bomb(300)
    assert len(data) < 4 * 1024 * 1024  # a few MB that unpack to 300 MB
    grew, err = _measure(tmp_path, data, "bom.xlsx")
    assert "uitgepakt is de werkmap groter dan 256 MB (MSD_MAX_UNZIPPED_MB)" in err
    assert grew < 50, f"peak memory grew by {grew} MB"


def test_a_sheet_that_declares_too_many_cells_is_refused_from_its_dimension(tmp_path):
    with pytest.raises(ExtractRefused, match="16.384 kolommen"):
        load(tmp_path, {"wmo": _bomb(1, dimension="A1:XFD1048576")})
    assert current_release(tmp_path) is None
