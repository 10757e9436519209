"""Views of the comparison pages: the peer group with its reasons, one figure against the group,
observed against expected per wijk, and the policy goals."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from components import charts, comparison_charts, export, indicator_view, notes, pickers, state
from components.indicator_view import provenance
from domain import formatting as fmt
from queries import Warehouse, region
from queries import comparison as cmp
from queries import figures as q
from queries import goals as goals_q

FEATURE_LABELS = {
    "population": ("Inwoners", "count"), "pct_65plus": ("65+", "percent"), "pct_0_17": ("0-17", "percent"),
    "pct_single_households": ("Eenpersoons­huishoudens", "percent"),
    "pct_households_with_children": ("Huishoudens met kinderen", "percent"),
    "avg_income_per_inhabitant": ("Inkomen per inwoner", "euro_1000"),
    "pct_low_income_households": ("Laag inkomen", "percent"), "bijstand_per_1000": ("Bijstand", "per_1000"),
    "population_density": ("Dichtheid", "per_km2"),
}
GROUP_KINDS = {"auto": "Automatisch: de meest vergelijkbare gemeenten", "vast": "Vaste vergelijkingsgroep",
               "eigen": "Eigen keuze"}


# --------------------------------------------------------------------------------------------
# The peer group
# --------------------------------------------------------------------------------------------
def peer_group_picker(wh: Warehouse, year: int) -> cmp.PeerGroup:
    """Choose the comparison group; every choice is kept in the URL."""
    groups = cmp.region_groups(wh)
    names = dict(GROUP_KINDS) | {r["region_code"]: cmp.group_label(r["level"], r["name"])
                                 for r in groups.iter_rows(named=True)}
    left, right = st.columns(2)
    kind = state.url_select("Vergelijk met", list(names), "groep", default="auto", container=left,
                            format_func=lambda k: names[k])
    k, chosen = cmp.DEFAULT_K, None
    if kind == "auto":
        k = state.url_select("Aantal gemeenten", list(range(3, 11)), "k", default=cmp.DEFAULT_K, container=right)
    elif kind == "eigen":
        others = cmp.municipalities(wh)
        labels = dict(zip(others["region_code"], others["name"], strict=True))
        chosen = state.url_multiselect("Gemeenten", others["region_code"].to_list(), "eigen", container=right,
                                       default=cmp.similar_municipalities(wh, year)["region_code"].to_list(),
                                       format_func=lambda c: labels.get(c, c), max_selections=25)
    if groups.is_empty():
        st.caption("Provincie, COROP-gebied, jeugdregio en arbeidsmarktregio kunnen (nog) niet gekozen worden: "
                   "de indeling van gemeenten in regio's is niet geladen (de beheerder doet dat met "
                   "'python -m etl gebieden'). Kies dan 'Eigen keuze' en zet de gemeenten van uw regio in de lijst.")
    return cmp.peer_group(wh, kind, year=year, k=k, chosen=chosen)


def similar_section(wh: Warehouse, group: cmp.PeerGroup, year: int) -> None:
    """The group's members with their distance and reason, and the context figures side by side."""
    own_name = wh.meta.get("gemeente_name") or q.region_name(wh, wh.gemeente)
    st.subheader(f"{group.label}")
    if not group.codes:
        st.info("Er zijn geen gemeenten in deze groep. Kies gemeenten of een andere groep.")
        return
    described = cmp.rank_similar(cmp.context_matrix(wh, year), wh.gemeente, k=len(group.codes), candidates=group.codes)
    reason = group.reason or cmp.group_reason(described)
    if reason:
        st.markdown(f"Deze groep {reason.replace('lijkt vooral in', 'lijkt vooral op ' + own_name + ' in', 1)}.")
    if group.kind == "auto":
        st.markdown(f"Hoe we kiezen: voor elke gemeente zetten we {len(cmp.CONTEXT_FEATURES)} kenmerken "
                    "(inwonertal, leeftijdsopbouw, huishoudens, inkomen, bijstand en stedelijkheid) om naar "
                    "standaardscores: hoeveel een gemeente afwijkt van het gemiddelde, in standaarddeviaties. De "
                    f"afstand tot {own_name} is het gemiddelde van de gekwadrateerde verschillen, daar de wortel van. "
                    "De gemeenten met de kleinste afstand zijn het meest vergelijkbaar.")
    rows = [{"Gemeente": r["region_name"], "Afstand": fmt.number(r["distance"], 2), "Waarom vergelijkbaar": r["reason"]}
            for r in described.iter_rows(named=True)]
    missing = sorted(set(group.codes) - set(described["region_code"] if described.height else []))
    rows += [{"Gemeente": q.region_name(wh, c), "Afstand": fmt.MISSING_TEXT, "Waarom vergelijkbaar":
              "geen kenmerken geladen"} for c in missing]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", key=f"similar-{group.kind}")
    st.caption("Afstand 0 is precies gelijk; hoe kleiner, hoe meer de gemeente op "
               f"{own_name} lijkt. Een afstand van 1 betekent: gemiddeld één standaarddeviatie verschil per kenmerk.")
    with st.expander("Kenmerken naast elkaar"):
        profile = cmp.context_profile(wh, year, [wh.gemeente, *group.codes])
        table = [{"Gemeente": r["region_name"], **{label: fmt.value(r[f], unit) for f, (label, unit)
                                                     in FEATURE_LABELS.items()}} for r in profile.iter_rows(named=True)]
        st.dataframe(pl.DataFrame(table), hide_index=True, width="stretch", key=f"profile-{group.kind}")
        st.caption(f"Per kenmerk het laatste jaar tot en met {year} (inkomen loopt bij het CBS twee jaar achter).")


def indicator_against_group(wh: Warehouse, group: cmp.PeerGroup, indicator_id: str, year: int) -> None:
    """One figure: the municipality, Nederland, and the group's median and range, in one year."""
    indicator_id = indicator_view.rate_for_comparison(wh, indicator_id)  # a count is compared on its rate
    ind = q.indicator(wh, indicator_id)
    comp = q.comparison(wh, [indicator_id], year, peers=group.codes).row(0, named=True)
    own_name = wh.meta.get("gemeente_name") or q.region_name(wh, wh.gemeente)
    figs = q.figures(wh, [indicator_id], [wh.gemeente, "NL01", *group.codes], year).filter(pl.col("year") == year)
    st.subheader(f"{ind['title']}, {year}")
    chart_col, _ = st.columns([3, 2], gap="medium")  # the notes stand beside the trend chart below
    with chart_col:
        shown = figs.filter(pl.col("value").is_not_null())
        if shown.is_empty():
            st.info("Voor dit cijfer zijn in dit jaar geen cijfers van deze gemeenten.")
        else:
            tab_chart, tab_table = state.url_tabs(state.CHART_TABS, "groep_als")
            with tab_chart:
                dots = comparison_charts.comparison_dots(shown, unit=ind["unit"], unit_label=ind["unit_label"], own_code=wh.gemeente)
                charts.show(charts.finish(dots), key=f"dots-{indicator_id}")
            with tab_table:
                order = {wh.gemeente: 0, "NL01": 1}
                t = figs.with_columns(_o=pl.col("region_code").replace_strict(order, default=2)).sort("_o", "region_name")
                st.dataframe(pl.DataFrame([{"Gebied": r["region_name"], "Waarde": fmt.value(r["value"], ind["unit"], r["status"]),
                                            "Status": fmt.STATUS_LABELS.get(r["status"], "onbekend")}
                                           for r in t.iter_rows(named=True)]),
                             hide_index=True, width="stretch", key=f"dots-table-{indicator_id}")
                export.download_buttons(export.series_table(
                    ind, t.select("region_name", "region_code", "period", "value", "status"),
                    title=f"{ind['title']}, {year}: {group.label}", source=provenance(wh, ind, figs),
                    release=wh.release.id), key=f"dots-table-{indicator_id}")
            st.caption(describe_against_group(own_name, comp, ind["unit"]))
        st.caption(provenance(wh, ind, figs) + " · De duiding staat hieronder, naast de grafiek door de jaren heen.")


def describe_against_group(own_name: str, comp: dict, unit: str) -> str:
    parts = [f"{own_name}: {fmt.sentence_value(comp['value'], unit, comp['status'])}."]
    if comp.get("national") is not None:
        parts.append(f"Nederland: {fmt.sentence_value(comp['national'], unit)}.")
    if comp.get("peer_median") is not None:
        parts.append(f"Mediaan van de {comp['peer_count']} gemeenten in de groep: {fmt.sentence_value(comp['peer_median'], unit)}, "
                     f"van {fmt.sentence_value(comp['peer_min'], unit)} tot {fmt.sentence_value(comp['peer_max'], unit)}.")
        v = comp.get("value")
        if v is not None and comp["peer_min"] is not None:
            where = ("lager dan alle gemeenten in de groep" if v < comp["peer_min"] else
                     "hoger dan alle gemeenten in de groep" if v > comp["peer_max"] else "binnen de spreiding van de groep")
            parts.append(f"{own_name} ligt {where}.")
    return " ".join(parts)


def comparable_indicators(wh: Warehouse) -> pl.DataFrame:
    """Figures published for municipalities (so peers can have them), in law order."""
    cat = q.catalogue(wh).filter(pl.col("levels").str.contains("gemeente") & pl.col("levels").str.contains("land"))
    rank = {law: i for i, law in enumerate(q.LAW_ORDER)}
    return cat.with_columns(_r=pl.col("law").replace_strict(rank, default=99)).sort("_r", "order").drop("_r")


def link_with_group(ind: dict, codes: list[str]) -> None:
    page = pickers.LAW_PAGES.get(ind["law"], "app_pages/trends.py")
    st.page_link(page, label="Bekijk dit cijfer op zijn eigen pagina, met deze groep",
                 query_params={"indicator": ind["id"], "peers": codes}, icon=":material/arrow_forward:")


# --------------------------------------------------------------------------------------------
# Observed against expected per wijk
# --------------------------------------------------------------------------------------------
def expectation_view(wh: Warehouse, exp: cmp.Expectation) -> None:
    m = exp.measure
    df = exp.wijken
    st.subheader(f"{m.label}: werkelijk en verwacht per wijk, {exp.year}")
    if df.is_empty():
        st.info(exp.note)
        return
    df = df.join(cmp.wijk_income(wh, exp.year), on="region_code", how="left")
    tab_map, tab_bars, tab_table = state.url_tabs(state.WIJK_TABS, "wijken_als")
    geo = region.member_boundaries(wh, "wijken")  # in a region: this member's wijken only
    with tab_map:
        if geo is None or not geo.get("features"):
            st.info("Er zijn nog geen wijkgrenzen geladen (python -m etl boundaries). Bekijk de ranglijst.")
        else:
            charts.show(comparison_charts.ratio_map(geo, df), key=f"oe-map-{m.key}")
            st.caption("Oranje: meer gebruik dan verwacht. Blauw: minder. Wit: ongeveer zoals verwacht. Grijs: "
                       "geen cijfer (te weinig mensen).")
    with tab_bars:
        charts.show(comparison_charts.ratio_ranking(df), key=f"oe-bars-{m.key}")
        st.caption("Elke punt is een wijk; de lijn erdoor is de onzekerheid (95%). Raakt die lijn de stippellijn "
                   "bij 1 niet, dan is het verschil met de verwachting waarschijnlijk geen toeval. "
                   f"{comparison_charts.RATIO_AXIS_NOTE}")
    with tab_table:
        st.dataframe(expectation_table(df), hide_index=True, width="stretch", key=f"oe-table-{m.key}")
        export.download_buttons(export.frame_table(
            expectation_export(df), title=f"Werkelijk en verwacht per wijk: {m.label}, {exp.year}",
            source=provenance(wh, q.indicator(wh, m.observed_id), q.wijk_values(wh, m.observed_id, exp.year)),
            release=wh.release.id, notes=(export.SUPPRESSED_NOTE,)), key=f"oe-table-{m.key}")
    st.markdown(describe_expectation(df))
    st.caption(exp.note)
    hidden = df.filter(pl.col("status") == "suppressed").height
    if hidden:
        st.caption(f"{hidden} wijk(en) zonder getal: daar zitten te weinig mensen achter om het cijfer te tonen.")
    ind = q.indicator(wh, m.observed_id)
    st.caption(provenance(wh, ind, q.wijk_values(wh, m.observed_id, exp.year)))


def expectation_table(df: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for r in df.sort("ratio", descending=True, nulls_last=True).iter_rows(named=True):
        hidden = r["status"] == "suppressed"
        rows.append({
            "Wijk": r["region_name"],
            "Werkelijk": fmt.value(r["value"], "count", r["status"]),
            "Verwacht": fmt.MISSING_TEXT if hidden else fmt.number(r["expected"], 0),
            "Werkelijk / verwacht": fmt.MISSING_TEXT if r["ratio"] is None else fmt.number(r["ratio"], 2),
            "Onzekerheid (95%)": fmt.MISSING_TEXT if r["lower"] is None else
            f"{fmt.number(r['lower'], 2)} tot {fmt.number(r['upper'], 2)}",
            "Oordeel": r["verdict"],
            "Huishoudens met laag inkomen": fmt.value(r.get("low_income"), "percent"),
        })
    return pl.DataFrame(rows)


def expectation_export(df: pl.DataFrame) -> pl.DataFrame:
    """The expectation table with numbers, as exact as the screen shows them (hidden wijken: empty cells
    and status "afgeschermd")."""
    hidden = pl.col("status") == "suppressed"

    def blank(c: str, decimals: int) -> pl.Expr:
        return pl.when(hidden).then(None).otherwise(pl.col(c).round(decimals))

    return df.sort("ratio", descending=True, nulls_last=True).select(
        pl.col("region_name").alias("Wijk"), blank("value", 0).cast(pl.Int64).alias("Werkelijk (aantal)"),
        blank("expected", 0).cast(pl.Int64).alias("Verwacht (aantal)"), blank("ratio", 2).alias("Werkelijk / verwacht"),
        blank("lower", 2).alias("Onzekerheid (95%), ondergrens"),
        blank("upper", 2).alias("Onzekerheid (95%), bovengrens"),
        pl.col("verdict").alias("Oordeel"), pl.col("low_income").round(1).alias("Huishoudens met laag inkomen (%)"),
        pl.col("status").replace_strict(export.EXPORT_STATUS, default="onbekend").alias("Status"))


def describe_expectation(df: pl.DataFrame) -> str:
    above = df.filter(pl.col("verdict") == comparison_charts.ABOVE).sort("ratio", descending=True)
    below = df.filter(pl.col("verdict") == comparison_charts.BELOW).sort("ratio")

    def names(d: pl.DataFrame) -> str:
        items = [f"{r['region_name']} ({fmt.number(r['ratio'], 2)})" for r in d.iter_rows(named=True)]
        return cmp._join_dutch(items)

    parts = []
    if above.height:
        parts.append(f"**Meer gebruik dan verwacht:** {names(above)}.")
    if below.height:
        parts.append(f"**Minder gebruik dan verwacht:** {names(below)}.")
    n_as = df.filter(pl.col("verdict") == comparison_charts.AS_EXPECTED).height
    if n_as:
        parts.append(f"In {n_as} wijk(en) past het gebruik bij wie er wonen.")
    parts.append("Een getal van 1,20 betekent: 20% meer mensen met hulp dan je op grond van de leeftijd van de "
                 "inwoners zou verwachten.")
    return " ".join(parts)


WHAT_IT_CANNOT_TELL = """
**Wat dit wel en niet zegt**

- Het verwachte aantal houdt **alleen rekening met leeftijd**. Inkomen, gezondheid, huishoudens, wonen en
  het aanbod van hulp in de wijk zitten er niet in. Een wijk met veel huishoudens met een laag inkomen heeft
  vaak meer gebruik dan verwacht; daarom staat het aandeel lage inkomens in de tabel ernaast.
- **Meer dan verwacht is niet 'te veel'**, en minder is niet 'goed'. Het kan gaan om meer nood, om betere
  toegang, om een zorgaanbieder in de wijk, of om mensen die hulp mislopen. Dat moet de duiding uitzoeken.
- Het is **geen voorspelling van personen**, en zegt niets over één inwoner. Het gaat over aantallen in een wijk.
- De verwachting is een rekenmodel: bij kleine wijken is de onzekerheid groot. Kijk naar de lijn in de ranglijst.
- Per leeftijdsgroep zijn er geen landelijke cijfers in de monitor. We nemen de verdeling over leeftijden uit de
  eigen registratie. Kiest u Nederland of vergelijkbare gemeenten, dan schuiven we alleen het niveau op met de
  CBS-cijfers; de verdeling over leeftijden blijft die van de eigen gemeente. De eigen registratie telt anders
  dan het CBS (zie de pagina van de wet), dus dat niveau is een benadering.
"""


# --------------------------------------------------------------------------------------------
# Goals
# --------------------------------------------------------------------------------------------
STATUS_BADGES = {goals_q.ON_TRACK: ":green-badge[:material/check_circle: op koers]",
                 goals_q.ATTENTION: ":orange-badge[:material/error: aandacht]",
                 goals_q.OFF_TRACK: ":red-badge[:material/cancel: niet op koers]",
                 goals_q.GOOD_WAY: ":green-badge[:material/trending_up: de goede kant op]",
                 goals_q.LEVEL: ":gray-badge[:material/trending_flat: gelijk]",
                 goals_q.WRONG_WAY: ":red-badge[:material/trending_down: de verkeerde kant op]",
                 goals_q.NO_GOAL: ":gray-badge[:material/remove: geen doel gesteld]",
                 goals_q.NO_DATA: ":gray-badge[geen cijfers]"}
SUMMARY_GROUPS = (("Doelen met een streefwaarde", goals_q.TARGET_STATUSES),
                  ("Doelen met alleen een richting", goals_q.DIRECTION_STATUSES))


def goal_summary(overview: pl.DataFrame) -> None:
    """How many goals have each status: goals with a target and goals with a direction only apart, because
    their words mean different things ("op koers" needs a target)."""
    counts = dict(overview.group_by("status").len().iter_rows())
    for label, statuses in SUMMARY_GROUPS:
        if not any(counts.get(s) for s in statuses):
            continue
        st.markdown(f"**{label}**")
        for col, status in zip(st.columns(len(statuses)), statuses, strict=True):
            col.metric(status[:1].upper() + status[1:], counts.get(status, 0))
    n = counts.get(goals_q.NO_GOAL, 0)
    if n:
        st.caption(f"{n} {'cijfer hoort' if n == 1 else 'cijfers horen'} bij een beleidsdoel zonder dat de raad er "
                   "een eigen doel voor stelde (geen doel gesteld).")


def goal_rules_text() -> str:
    return (f"**Hoe we de status bepalen.** Bij een doel met een streefwaarde trekken we een rechte lijn van de "
            f"startwaarde naar de streefwaarde in het doeljaar. De startwaarde is het cijfer van de monitor in het "
            f"startjaar van het doel (zo is het op dezelfde manier geteld als het laatste cijfer). *Op koers*: het laatste cijfer ligt op of voor die lijn, "
            f"of het doel is al gehaald. *Aandacht*: beter dan bij de start, maar achter op de lijn. *Niet op koers*: niet "
            f"beter dan bij de start, of het doeljaar is voorbij en het doel is niet gehaald. Een doel met alleen "
            f"een richting (omhoog of omlaag) heeft geen streefwaarde. Dan kan een cijfer niet op koers liggen; we "
            f"zeggen alleen welke kant het op gaat. We vergelijken met {goals_q.TREND_YEARS} jaar eerder: meer dan "
            f"{fmt.number(goals_q.FLAT_PCT, 0)}% in de richting van het doel is *de goede kant op*, minder dan "
            f"{fmt.number(goals_q.FLAT_PCT, 0)}% verschil is *gelijk*, de andere richting is *de verkeerde kant op*. "
            f"*Geen doel gesteld*: het cijfer hoort bij "
            f"dit beleidsdoel, maar de raad heeft er geen doel voor vastgesteld. Een voorlopig laatste cijfer kan nog "
            f"veranderen.")


def goal_block(wh: Warehouse, row: dict, key: str) -> None:
    """One indicator of a policy goal: status, rule, trend against the target, and the notes beside it."""
    ind = q.indicator(wh, row["indicator_id"])
    goal = ind["goal"]
    with st.container(border=True):
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.markdown(f"**{row['title']}** {STATUS_BADGES.get(row['status'], row['status'])}")
            if goal:
                target = ("" if goal.get("target") is None else
                          f" Streefwaarde: {fmt.sentence_value(goal['target'], row['unit'])} in {goal['target_year']}.")
                st.markdown(f"Doel: {goal.get('label') or goals_q.DIRECTION_WORDS.get(goal.get('direction'), '')}.{target}")
            latest = ("" if row["latest"] is None else
                      f" Laatste cijfer: {fmt.sentence_value(row['latest'], row['unit'])} in {row['latest_year']}"
                      f"{' (voorlopig)' if row['latest_provisional'] else ''}.")
            st.caption(row["rule"] + latest)
            if goal:
                part = goal_part(wh, row, ind)
                tab_chart, tab_table = state.url_tabs(state.CHART_TABS, f"{row['indicator_id']}_als")
                with tab_chart:
                    charts.show_spec(part["spec"], key=f"goal-chart-{key}")
                    st.caption("Blauwe lijn: het cijfer van de gemeente. Oranje stippellijn: de rechte lijn van de "
                               "start naar het doel. Oranje kruis: het doel. Een open ruit is een voorlopig cijfer.")
                with tab_table:
                    st.dataframe(part["table"], hide_index=True, width="stretch", key=f"goal-table-{key}")
                    export.download_buttons(part["export"], key=f"goal-table-{key}")
                st.caption(part["provenance"])
        with right:
            notes.render_note_panel(row["indicator_id"], row["law"], [wh.gemeente], None)


def goal_part(wh: Warehouse, row: dict, ind: dict) -> dict:
    """A goal's chart specification, table, export and source line: the same for every visitor of the
    release, so built once per release (``Warehouse.part``) and keyed by everything they are made of."""
    goal = ind["goal"]
    key = ("goal", row["indicator_id"], row["unit"], row["baseline_year"], row["baseline"],
           json.dumps(goal, sort_keys=True, default=str))

    def build() -> dict:
        s = q.series(wh, row["indicator_id"], [wh.gemeente])
        path = goals_q.goal_path(goal, row["baseline_year"], row["baseline"])
        chart = comparison_charts.goal_chart(s, path, unit=row["unit"], unit_label=ind["unit_label"],
                                             target=goal.get("target"), target_year=goal.get("target_year"))
        source = provenance(wh, ind, s)
        return {"spec": charts.spec_of(chart), "table": goal_table(s, path, row["unit"]), "provenance": source,
                "export": export.series_table(ind, s.select("region_name", "period", "value", "status"),
                                              title=f"{ind['title']}: doel", source=source, release=wh.release.id)}

    return wh.part(key, build)


def goal_table(series: pl.DataFrame, path: pl.DataFrame, unit: str) -> pl.DataFrame:
    planned = {}
    if path.height == 2:
        (y0, v0), (y1, v1) = path.select("year", "value").rows()
        planned = {y: v0 + (v1 - v0) * (y - y0) / (y1 - y0) for y in range(y0, y1 + 1)} if y1 != y0 else {}
    rows = [{"Jaar": str(r["year"]), "Cijfer": fmt.value(r["value"], unit, r["status"]),
             "Lijn naar het doel": fmt.value(planned.get(r["year"]), unit) if r["year"] in planned else fmt.MISSING_TEXT,
             "Status": fmt.STATUS_LABELS.get(r["status"], "onbekend")}
            for r in series.sort("year").iter_rows(named=True)]
    return pl.DataFrame(rows, schema={"Jaar": pl.String, "Cijfer": pl.String, "Lijn naar het doel": pl.String,
                                      "Status": pl.String})
