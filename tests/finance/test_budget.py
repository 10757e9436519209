"""The municipality's own budget file: read, checked with row and column, published per law and year."""

from __future__ import annotations

import io

import openpyxl
import polars as pl
import pytest

from etl import budget
from etl.__main__ import main
from warehouse.releases import current_release

GOOD = ("jaar;wet;productgroep;begroting;rijksbijdrage\n"
        "2025;jeugd;Jeugdhulp met verblijf;4.500.000,00;\n"
        "2025;jeugd;Jeugdhulp zonder verblijf;7.250.000;1.000.000\n"
        "2025;wmo;6.71a;3000000;\n"
        "2026;jeugd;Jeugdhulp met verblijf;4600000.50;\n")


def test_good_file_is_published_per_law_year_and_product_group(small_warehouse):
    release, preview = budget.load(GOOD.encode(), "begroting.csv", gemeente="GM0001", warehouse=small_warehouse)
    obs = current_release(small_warehouse).table("observations").filter(pl.col("source_id") == "budget:GM0001")
    val = {(r["indicator_id"], r["period"], r["breakdown"], r["category"]): r["value"]
           for r in obs.iter_rows(named=True)}
    assert val[("fin_jeugd_budget", "2025JJ00", "", "")] == 11_750_000
    assert val[("fin_jeugd_budget", "2025JJ00", "productgroep", "Jeugdhulp met verblijf")] == 4_500_000
    assert val[("fin_jeugd_budget", "2026JJ00", "", "")] == pytest.approx(4_600_000.5)
    assert val[("fin_wmo_budget", "2025JJ00", "", "")] == 3_000_000
    assert val[("fin_jeugd_rijksbijdrage", "2025JJ00", "", "")] == 1_000_000
    assert ("fin_wmo_rijksbijdrage", "2025JJ00", "", "") not in val
    assert preview.filter(pl.col("indicator_id") == "fin_jeugd_budget")["value"].to_list() == [11_750_000, 4_600_000.5]


def test_excel_file_reads_like_csv(small_warehouse):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Jaar", "Wet", "Productgroep", "Begroting"])
    ws.append([2025, "Participatie", "Re-integratie", 1250000])
    buf = io.BytesIO()
    wb.save(buf)
    budget.load(buf.getvalue(), "begroting.xlsx", gemeente="GM0001", warehouse=small_warehouse)
    obs = current_release(small_warehouse).table("observations")
    obs = obs.filter(pl.col("indicator_id") == "fin_participatie_budget")
    assert obs.filter(pl.col("breakdown") == "")["value"].to_list() == [1_250_000]


def test_bad_file_is_refused_with_row_and_column_and_no_value(small_warehouse):
    before = current_release(small_warehouse).id
    bad = ("jaar,wet,productgroep,begroting\n"
           "2025,jeugd,Verblijf,1000\n"
           "25,jeugd,Verblijf,1000\n"           # row 3: year
           "2025,zorg,Verblijf,1000\n"          # row 4: law
           "2025,wmo,Hulp,veel geld\n"          # row 5: amount
           "2025,jeugd,Verblijf,2000\n"         # row 6: duplicate of row 2
           "2025,wmo,<script>,-5\n")            # row 7: group and negative amount
    with pytest.raises(budget.BudgetRefused) as err:
        budget.load(bad.encode(), "begroting.csv", gemeente="GM0001", warehouse=small_warehouse)
    assert set(err.value.problems) >= {(3, "jaar", "geen jaartal van vier cijfers"),
                                       (7, "begroting", "een begroting kan niet negatief zijn")}
    where = {(r, c) for r, c, _ in err.value.problems}
    assert where == {(3, "jaar"), (4, "wet"), (5, "begroting"), (6, "productgroep"), (7, "productgroep"),
                     (7, "begroting")}
    message = str(err.value)
    assert "regel 5, kolom begroting" in message and "regel 6, kolom productgroep" in message
    assert "veel geld" not in message and "<script>" not in message and "zorg" not in message
    assert current_release(small_warehouse).id == before


def test_missing_column_is_named():
    with pytest.raises(budget.BudgetRefused, match="kolom begroting ontbreekt"):
        budget.validate(budget.read(b"jaar,wet,productgroep\n2025,wmo,Hulp\n", "b.csv"), "b.csv")


def test_cli_stages_the_budget_and_publishes_with_yes(small_warehouse, tmp_path, capsys):
    path = tmp_path / "begroting.csv"
    path.write_text(GOOD, encoding="utf-8")
    before = current_release(small_warehouse).id
    assert main(["budget", str(path), "--warehouse", str(small_warehouse)]) == 0
    assert current_release(small_warehouse).id == before  # staged, not yet published
    assert "Nog NIET gepubliceerd" in capsys.readouterr().out
    assert main(["budget", str(path), "--warehouse", str(small_warehouse), "--yes"]) == 0
    assert current_release(small_warehouse).id != before
    path.write_text("jaar,wet,productgroep,begroting\n2025,wmo,Hulp,x\n", encoding="utf-8")
    assert main(["budget", str(path), "--warehouse", str(small_warehouse), "--yes"]) == 2
    assert "regel 2, kolom begroting" in capsys.readouterr().err
