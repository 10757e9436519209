"""Figures per provider: only organisations with enough clients by name, small cells hidden (also when a
total would give them away), kept out of the public observations, and only civil servants may read them."""

from __future__ import annotations

import polars as pl
import pytest

from components import registry_view
from domain.roles import PermissionDenied
from etl import registry_providers
from queries import Warehouse
from tests.auth.conftest import fake_browser, fast_hashes  # noqa: F401  (autouse: signing in without a browser)
from tests.registry.test_privacy import scan
from tests.registry.test_registry import HEADER, csv, load, obs
from warehouse.releases import current_release

H = HEADER + ",goal_reached"
BIG = "Thuiszorg  De Linde"  # two spaces: the label is the cleaned name
PERSON = "Jan Kwikstaart 0612345678"  # a private person hired with a budget, or a name with a phone number


def row(i: int, provider: str, form: str = "ZIN", reason: str = "doel_bereikt", amount: int = 100) -> str:
    return (f"5{i:08d},H{i},1950-01-01,1000AA,,2024-01-01,2024-01-10,maatwerk,02,2024-02-01,2024-06-30,{reason},"
            f"{form},{provider},,{amount},")


def extract(others: int, pgb: int) -> bytes:
    rows = [row(i, BIG, reason="voortijdig_gestopt" if i < 5 else "doel_bereikt") for i in range(20)]
    rows += [row(100 + i, PERSON) for i in range(others)]
    rows += [row(200 + i, "Zorg Zelf BV", form="PGB") for i in range(pgb)]
    return csv(rows, H)


def cells(wh) -> pl.DataFrame:
    path = current_release(wh).path / "files" / registry_providers.FILE.format(law="wmo")
    return pl.read_parquet(path).filter(pl.col("period") == "2024JJ00")


def cell(df: pl.DataFrame, category: str, measure: str):
    hit = df.filter((pl.col("category") == category) & (pl.col("measure") == measure))
    assert hit.height == 1
    return hit["value"][0]


def test_only_a_provider_with_enough_clients_gets_its_name(tmp_path):
    load(tmp_path, {"wmo": extract(others=3, pgb=2)})
    df = cells(tmp_path)
    assert set(df["category"]) == {"", "Thuiszorg De Linde", registry_providers.OTHERS, registry_providers.PGB}
    assert cell(df, "Thuiszorg De Linde", "clients") == 20
    assert cell(df, "Thuiszorg De Linde", "dropout_share") == 25.0  # 5 of its 20 ended provisions
    assert cell(df, registry_providers.OTHERS, "clients") == 3
    assert cell(df, registry_providers.PGB, "clients") == 2
    assert cell(df, "", "clients") == 25 and cell(df, "", "cost") == pytest.approx(2500)
    # Not in the release's (public) observations, and the person's name is nowhere on disk.
    assert obs(tmp_path).filter(pl.col("breakdown") == "provider").is_empty()
    assert scan([tmp_path], ["Kwikstaart", "0612345678", "Zorg Zelf"]) == []


def test_an_administrative_end_is_no_drop_out_of_the_provider(tmp_path):
    # iWmo numbers: 5 ended early (21), 5 moved on to another provider (38: no outcome), 10 as planned (19).
    load(tmp_path, {"wmo": csv([row(i, BIG, reason="21" if i < 5 else "38" if i < 10 else "19")
                                for i in range(20)], H)})
    assert cell(cells(tmp_path), "Thuiszorg De Linde", "dropout_share") == pytest.approx(100 / 3)  # 5 of 15


def test_small_providers_are_hidden_and_cannot_be_worked_out_from_the_total(tmp_path):
    load(tmp_path, {"wmo": extract(others=3, pgb=6)}, suppress=True)  # at least 5 clients, 50 behind a share
    df = cells(tmp_path)
    assert cell(df, "Thuiszorg De Linde", "clients") == 20
    assert cell(df, registry_providers.OTHERS, "clients") is None  # 3: too few
    assert cell(df, registry_providers.PGB, "clients") is None  # 6, but 29 - 20 - 6 would give the 3 away
    assert cell(df, "", "clients") == 29
    assert cell(df, "Thuiszorg De Linde", "cost") is None  # an amount needs 50 clients behind it
    assert cell(df, "Thuiszorg De Linde", "dropout_share") is None


def test_only_civil_servants_may_read_the_provider_table(tmp_path):
    load(tmp_path, {"wmo": extract(others=3, pgb=2)})
    wh = Warehouse.open(tmp_path)
    for role in ("raadslid", "griffie", None):
        with pytest.raises(PermissionDenied):
            registry_view.provider_table(wh, "wmo", 2024, role)
    table = registry_view.provider_table(wh, "wmo", 2024, "ambtenaar")
    assert table["Aanbieder"].to_list() == ["Thuiszorg De Linde", registry_providers.OTHERS, registry_providers.PGB,
                                            "Totaal"]
    assert table.filter(pl.col("Aanbieder") == "Totaal")["Cliënten"].to_list() == ["25"]
    assert registry_view.provider_table(wh, "wmo", 2019, "beheerder") is None  # no figures that year
    assert registry_view.provider_table(wh, "jeugd", 2024, "beheerder") is None  # no youth-care extract


@pytest.fixture
def provider_app(app_env, tmp_path, monkeypatch):
    from tests.registry.test_upload_app import serve

    wh = tmp_path / "warehouse"
    load(wh, {"wmo": extract(others=3, pgb=2)})
    return serve(wh, app_env, monkeypatch)


def test_the_wmo_page_shows_the_provider_table_to_civil_servants_only(provider_app):
    from tests.auth.conftest import new_app, open_url, run, signed_in_app

    def provider_tables(at):
        return [d for d in at.dataframe if "Aanbieder" in d.value.columns]

    at = open_url(signed_in_app("ambtenaar"), "wmo")
    assert "Per aanbieder (2024)" in [h.value for h in at.subheader]
    assert provider_tables(at)
    for at in (open_url(run(new_app()), "wmo"), open_url(signed_in_app("griffie"), "wmo")):
        assert not [h for h in at.subheader if h.value.startswith("Per aanbieder")]
        assert not provider_tables(at)
