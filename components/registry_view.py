"""Views on the municipality's own registry: beside CBS, inflow and outflow, stapeling per wijk, and (for
civil servants only) the figures per provider."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import polars as pl
import streamlit as st

from components import charts, export, indicator_view, session, state
from domain import formatting as fmt
from domain.roles import can, require
from etl.registry_providers import OTHERS, PGB
from etl.registry_providers import file_name as provider_file
from queries import Warehouse
from queries import figures as q

# Figures per provider are for the municipality's own staff (civil servants and administrators), like drafts.
PROVIDER_ACTION = "read_drafts"
PROVIDER_COLUMNS = {"clients": ("Cliënten", "count"), "cost": ("Betaald", "euro"),
                    "dropout_share": ("Voortijdig gestopt", "percent")}

WHY_DIFFERENT = (
    "**Waarom verschillen de twee lijnen?** De eigen registratie is actueel en telt zoals het eigen systeem telt. "
    "CBS krijgt de gegevens later, controleert ze, telt iemand mee op de plek waar hij volgens de Basisregistratie "
    "Personen woont en rondt af. Ook verschilt soms wat meetelt (bijvoorbeeld beschermd wonen via de "
    "centrumgemeente). Kijk daarom vooral naar de richting van de lijnen, niet naar het precieze verschil."
)


@dataclass(frozen=True)
class RegistryFigure:
    """One registry chart with its sentence, table and export: built from the release alone, so shared by
    every visitor (``Warehouse.part``); frozen, and its spec is drawn from a copy (``charts.show_spec``)."""
    indicator_id: str
    title: str
    spec: dict
    caption: str
    table: pl.DataFrame
    export: export.ExportTable


def own_beside_cbs_parts(wh: Warehouse, law: str) -> tuple[RegistryFigure, ...]:
    """Per (own-registry, CBS) pair of the law with figures on both sides: the two lines in one chart."""
    def build() -> tuple[RegistryFigure, ...]:
        own, out = wh.gemeente, []
        for own_id, cbs_id in q.own_and_cbs_pairs(wh, law):
            a, b = q.series(wh, own_id, [own]), q.series(wh, cbs_id, [own])
            if a.is_empty() or b.is_empty():
                continue
            ind = q.indicator(wh, own_id)
            title = f"{ind['short_title']}: eigen registratie en CBS"
            df = pl.concat([a.with_columns(region_name=pl.lit("Eigen registratie")),
                            b.with_columns(region_name=pl.lit("CBS"))], how="vertical_relaxed")
            chart = charts.time_chart(df, unit=ind["unit"], unit_label=ind["unit_label"], legend_title="Bron")
            out.append(RegistryFigure(
                own_id, title, charts.spec_of(chart), indicator_view.describe_series(df, ind["unit"]),
                indicator_view.table(df, ind["unit"]),
                export.series_table(ind, df.select("region_name", "period", "value", "status"), title=title,
                                    source=indicator_view.provenance(wh, ind, df), release=wh.release.id)))
        return tuple(out)
    return wh.part(("registry-own-cbs", law), build)


def own_beside_cbs(wh: Warehouse, law: str) -> None:
    """Each own-registry count beside the CBS figure for the same thing, with why they differ."""
    for fig in own_beside_cbs_parts(wh, law):
        st.subheader(fig.title)
        show_figure(fig, f"{fig.indicator_id}_als", key=f"own-cbs-{fig.indicator_id}")
        st.markdown(WHY_DIFFERENT)


def show_figure(fig: RegistryFigure, tab_param: str, *, key: str) -> None:
    """The figure as a chart tab (with its sentence) and a table tab (with downloads); the tab in the URL."""
    tab_chart, tab_table = state.url_tabs(state.CHART_TABS, tab_param)
    with tab_chart:
        charts.show_spec(fig.spec, key=key)
        st.caption(fig.caption)
    with tab_table:
        st.dataframe(fig.table, hide_index=True, width="stretch", key=f"{key}-table")
        export.download_buttons(fig.export, key=f"{key}-table")


def inflow_outflow_part(wh: Warehouse, law: str) -> RegistryFigure | None:
    """New and ended clients of the law per year in one chart; None without both figures."""
    def build() -> RegistryFigure | None:
        ids = {label: q.registry_indicator(wh, law, m) for label, m in (("Instroom", "inflow"), ("Uitstroom", "outflow"))}
        if not all(ids.values()):
            return None
        frames = [q.series(wh, i, [wh.gemeente]).with_columns(region_name=pl.lit(label)) for label, i in ids.items()]
        df = pl.concat(frames, how="vertical_relaxed")
        if df.filter(pl.col("value").is_not_null()).is_empty():
            return None
        chart = charts.time_chart(df, unit="count", unit_label="personen", legend_title="Stroom")
        flows = {**q.indicator(wh, ids["Instroom"]), "unit_label": "personen"}
        return RegistryFigure(
            ids["Instroom"], "Instroom en uitstroom (eigen registratie)", charts.spec_of(chart),
            indicator_view.describe_series(df, "count"), indicator_view.table(df, "count"),
            export.series_table(flows, df.select("region_name", "period", "value", "status"),
                                title=f"Instroom en uitstroom {law} (eigen registratie)",
                                source=indicator_view.provenance(wh, flows, df), release=wh.release.id))
    return wh.part(("registry-flows", law), build)


def inflow_outflow(wh: Warehouse, law: str) -> None:
    """New and ended clients per year: is the group growing because more come in or fewer leave?"""
    fig = inflow_outflow_part(wh, law)
    if fig is None:
        return
    st.subheader(fig.title)
    st.caption("Instroom: inwoners die in dat jaar met hulp begonnen (na minstens 90 dagen zonder hulp). "
               "Uitstroom: inwoners van wie alle hulp in dat jaar stopte. Is de instroom hoger dan de uitstroom, "
               "dan groeit het aantal cliënten.")
    show_figure(fig, "stromen_als", key=f"flows-{law}")


def stapeling(wh: Warehouse, year: int) -> pl.DataFrame:
    """Households per combination of laws, per wijk, as stacked bars and a table. Returns the table."""
    hh_id = q.registry_indicator(wh, "stapeling", "households")
    per_hh = q.registry_indicator(wh, "stapeling", "beschikkingen_per_household")
    wijken = q.wijken(wh)
    codes = [wh.gemeente, *wijken["region_code"].to_list()]
    df = q.series(wh, hh_id, codes, breakdown="laws").filter(pl.col("year") == year) if hh_id else pl.DataFrame()
    if df.is_empty():
        st.info("Er zijn voor dit jaar geen cijfers over stapeling. Die komen er als de registraties van Wmo, "
                "jeugd en Participatiewet samen worden geladen.")
        return df
    df = df.with_columns(combination=fmt.mapped(df, combination_label, "category"),
                         laws=pl.col("category").str.count_matches(r"\+") + 1,
                         label=fmt.mapped(df, lambda v: fmt.value(v, "count"), "value"))
    law_rank = list(LAW_NAMES)
    categories = sorted(set(df["category"]), key=lambda c: (c.count("+"), [law_rank.index(p) for p in c.split("+")]))
    order = [combination_label(c) for c in categories]
    wijk_rows = df.filter(pl.col("region_level") == "wijk")
    chart = alt.Chart(wijk_rows.filter(pl.col("value").is_not_null())).mark_bar().encode(
        y=alt.Y("region_name:N", title=None, sort=wijken["name"].to_list()),
        x=alt.X("value:Q", title="Huishoudens", stack=True),
        color=alt.Color("combination:N", title="Hulp vanuit", sort=order,
                        scale=alt.Scale(domain=order, range=charts.OKABE_ITO[: len(order)]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=300)),
        order=alt.Order("laws:Q"),
        tooltip=[alt.Tooltip("region_name:N", title="Wijk"), alt.Tooltip("combination:N", title="Hulp vanuit"),
                 alt.Tooltip("label:N", title="Huishoudens")],
    ).properties(height=alt.Step(24), width="container")
    table = df.pivot(on="combination", index="region_name", values="label", aggregate_function="first",
                     sort_columns=False).rename({"region_name": "Gebied"})
    # A combination missing from a wijk means no household there (hidden cells are in the table as "–").
    table = table.select("Gebied", *[pl.col(c).fill_null("0") for c in order if c in table.columns])
    tab_chart, tab_table = state.url_tabs(state.CHART_TABS, "stapeling_als")
    with tab_chart:
        charts.show(charts.finish(chart), key="stapeling-chart")
        st.caption("Per wijk het aantal huishoudens dat in dit jaar hulp kreeg, verdeeld naar de wetten waaruit die "
                   "hulp kwam. Te kleine aantallen zijn weggelaten; de tabel laat zien welke.")
    with tab_table:
        st.dataframe(table, hide_index=True, width="stretch", key="stapeling-table")
        hh = q.indicator(wh, hh_id)
        export.download_buttons(export.breakdown_table(
            hh, df.with_columns(category_label=pl.col("combination")), breakdown_label="hulp vanuit", per_area=True,
            title=f"Huishoudens naar hulp uit meer wetten, {year}", source=indicator_view.provenance(wh, hh, df),
            release=wh.release.id), key="stapeling-table")
    if per_hh:
        ratio = q.series(wh, per_hh, codes).filter(pl.col("year") == year)
        shown = ratio.select(pl.col("region_name").alias("Gebied"), fmt.mapped(
            ratio, lambda v, s: fmt.value(v, "ratio", s), "value", "status").alias("Voorzieningen per huishouden"))
        st.subheader("Voorzieningen per huishouden")
        st.caption("Hoeveel lopende voorzieningen (beschikkingen) een huishouden met hulp gemiddeld heeft.")
        st.dataframe(shown, hide_index=True, width="stretch", key="stapeling-ratio")
        ratio_ind = q.indicator(wh, per_hh)
        export.download_buttons(export.series_table(
            ratio_ind, ratio.select("region_name", "region_code", "period", "value", "status"),
            source=indicator_view.provenance(wh, ratio_ind, ratio), release=wh.release.id), key="stapeling-ratio")
    return table


LAW_NAMES = {"wmo": "Wmo", "jeugd": "jeugdhulp", "participatie": "Participatiewet", "schuldhulp": "schuldhulp"}


def combination_label(category: str) -> str:
    parts = [LAW_NAMES.get(p, p) for p in category.split("+")]
    if len(parts) == 1:
        return f"alleen {parts[0]}"
    return " en ".join([", ".join(parts[:-1]), parts[-1]])


def provider_table(wh: Warehouse, law: str, year: int, role) -> pl.DataFrame | None:
    """Clients, euros paid and drop-out per provider of the law in ``year``, suppressed at load; None without
    figures. The role is checked here, on the server: hiding the section is not a permission."""
    require(role, PROVIDER_ACTION)

    def build() -> pl.DataFrame | None:
        member = None if wh.gemeente == wh.root.gemeente else wh.gemeente  # another member's file is its own
        path = wh.release.path / "files" / provider_file(law, member)
        return pl.read_parquet(path) if path.exists() else None
    cells = wh.part(("registry-providers", law), build)
    if cells is None:
        return None
    cells = cells.filter(pl.col("period") == f"{year}JJ00")
    if cells.is_empty():
        return None
    rows = []
    for name in cells["category"].unique().to_list():
        mine = cells.filter(pl.col("category") == name)
        row = {"Aanbieder": name or "Totaal"}
        for measure, (label, unit) in PROVIDER_COLUMNS.items():
            hit = mine.filter(pl.col("measure") == measure)
            row[label] = fmt.value(hit["value"][0], unit, hit["status"][0]) if hit.height else "–"
        clients = mine.filter(pl.col("measure") == "clients")["value"]
        rows.append((name in ("", OTHERS, PGB), -(clients[0] or 0) if clients.len() else 0, name == "", row))
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    return pl.DataFrame([r[3] for r in rows])


def providers(wh: Warehouse, law: str, year: int) -> None:
    """The provider table on a law page, for civil servants and administrators only."""
    role = session.current_role()
    if not can(role, PROVIDER_ACTION):
        return
    table = provider_table(wh, law, year, role)
    if table is None:
        return
    st.subheader(f"Per aanbieder ({year})")
    st.caption("Alleen zichtbaar voor medewerkers van de gemeente. Een aanbieder staat er met naam als hij in de "
               f"registratie genoeg cliënten heeft; de rest staat bij '{OTHERS}'. Te kleine aantallen zijn weggelaten "
               "(–). Voortijdig gestopt: deel van de gestopte voorzieningen met een reden, dat voortijdig stopte.")
    st.dataframe(table, hide_index=True, width="stretch", key=f"providers-{law}")
