"""Build the static public edition of one release.

Everything shown comes from the same functions the app uses: the query layer (suppressed figures),
the Altair charts of ``components.charts``, the describing sentence, table and source line of
``components.indicator_view``, the downloads of ``components.export``. User content is read with the
council member's role (what an anonymous visitor of a public monitor may see): published notes and
published dossiers only, never a draft.

Layout of ``OUT``::

    index.html                the editions in this folder, newest first
    assets/                   shared: stylesheet, script, the chart library (Vega, from vl-convert)
    <release id>/             one folder per release, so a link to a figure stays valid
        index.html            overview
        <law>.html            one page per law
        cijfers/<id>.html     one figure: chart, table, sentence, source, duiding, downloads
        embed/<id>.html       the same figure for an iframe in a council document
        wijken.html, wijken/<id>.html, trends.html, doelen.html, dossiers/..., open-data/...
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from components import charts, comparison_charts, comparison_view, dossier_document, export, indicator_view, wijk_view
from components.law_page import LAW_INFO, all_figures_source
from components.pickers import comparison_table
from domain import formatting as fmt
from domain.export import ExportTable, neutralise, to_csv, to_xlsx
from domain.formatting import date_label
from domain.roles import Role
from queries import Warehouse, goals
from queries import figures as q
from store.db import Database
from store.dossiers import DossierStore
from store.markdown import to_safe_html
from store.notes import NoteStore

ANONYMOUS = Role.RAADSLID  # an anonymous visitor reads with the council member's rights: published only
SVG_WIDTH = 640
HERE = Path(__file__).parent
LAW_PAGES = {**{law: info["title"] for law, info in LAW_INFO.items()}, "context": "Inwoners en huishoudens"}
NOTE_SECTIONS = (("what_we_see", "Wat zien we"), ("explanation", "Verklaring"),
                 ("next_steps", "Wat betekent dit / vervolg"))
# Licence per kind of source. CBS StatLine is CC BY 4.0; the municipality's own registry figures and
# waarstaatjegemeente exports are published by the municipality under the same licence here.
LICENCES = {"cbs": "CC BY 4.0 (CBS)", "wsjg": "CC BY 4.0 (waarstaatjegemeente.nl, VNG)",
            "registry": "CC BY 4.0 (gemeente, eigen registratie)", "population": "CC BY 4.0 (gemeente, BRP)",
            "demo": "Demodata: verzonnen cijfers, vrij te gebruiken"}


def signal_pages(wh: Warehouse, ctx: BuildContext) -> list[tuple[str, str]]:
    """HOOK for the signals (built in parallel elsewhere): write the signal pages into ``ctx`` and return
    their (relative path, title) for the navigation. Until signals exist there are none."""
    return []


@dataclass
class Figure:
    """One chart with everything that belongs next to it."""
    slug: str
    title: str
    spec: dict | None             # Vega-Lite, drawn interactively where JavaScript runs
    svg: str | None               # file name of the same chart as SVG, for no JavaScript and print
    table: pl.DataFrame           # formatted table alternative, as in the app
    description: str
    provenance: str
    definition: str = ""
    breaks: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    downloads: list[tuple[str, str]] = field(default_factory=list)
    extra: list[Figure] = field(default_factory=list)  # e.g. the goal chart under the trend


@dataclass
class BuildContext:
    wh: Warehouse
    root: Path                    # OUT/<release id>
    notes: NoteStore | None
    dossiers: DossierStore | None
    env: jinja2.Environment
    pool: ThreadPoolExecutor
    pending: list[Future] = field(default_factory=list)
    open_rows: list[pl.DataFrame] = field(default_factory=list)
    nav_extra: list[tuple[str, str]] = field(default_factory=list)

    _goals: pl.DataFrame | None = None

    def goal_overview(self) -> pl.DataFrame:
        if self._goals is None:
            self._goals = goals.goal_overview(self.wh)
        return self._goals

    def write(self, rel: str, template: str, **values) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        here = posixpath.dirname(rel)

        def link(target: str) -> str:
            return posixpath.relpath(target, here or ".")

        html = self.env.get_template(template).render(
            link=link, assets=link("../assets"), wh=self.wh, nav=self.nav(), gemeente=self.wh.meta.get(
                "gemeente_name", ""), release=self.wh.release.id, demo=self.wh.is_demo, **values)
        path.write_text(html, encoding="utf-8")

    def nav(self) -> list[tuple[str, str]]:
        items = [("index.html", "Overzicht")] + [(f"{law}.html", LAW_INFO[law]["title"].split(":")[0])
                                                 for law in LAW_INFO]
        items += [("wijken.html", "Wijken"), ("trends.html", "Trends"), ("doelen.html", "Doelen")]
        items += self.nav_extra + [("dossiers/index.html", "Dossiers"), ("open-data/index.html", "Open data")]
        return items


@functools.cache
def _vl_convert():
    from components.handout import _vl_convert as handout_vl  # the font registered once, as for the PDF

    return handout_vl()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["spec_json"] = lambda spec: Markup(json.dumps(spec, ensure_ascii=False).replace("</", "<\\/"))
    return env


def _svg(ctx: BuildContext, spec: dict, rel: str) -> str:
    """The chart as SVG at a fixed width (vl-convert cannot lay out "container" width). vl-convert lets go
    of the GIL while it draws, so the pictures are drawn on worker threads while the pages are written."""
    path = ctx.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)

    def draw() -> None:
        path.write_text(_vl_convert().vegalite_to_svg({**spec, "width": SVG_WIDTH}, format_locale="nl-NL"),
                        encoding="utf-8")

    ctx.pending.append(ctx.pool.submit(draw))
    return rel


def _downloads(ctx: BuildContext, table: ExportTable, rel_stem: str) -> list[tuple[str, str]]:
    (ctx.root / rel_stem).parent.mkdir(parents=True, exist_ok=True)
    (ctx.root / f"{rel_stem}.csv").write_bytes(to_csv(table))
    (ctx.root / f"{rel_stem}.xlsx").write_bytes(to_xlsx(table))
    return [(f"{rel_stem}.csv", "Download als CSV"), (f"{rel_stem}.xlsx", "Download als Excel")]


def _note_html(note) -> dict:
    c = note.content
    parts = [{"label": label, "html": Markup(to_safe_html(getattr(c, attr)))}
             for attr, label in NOTE_SECTIONS if getattr(c, attr)]
    return {"title": c.title, "period": note.period_label, "parts": parts,
            "published": f"Gepubliceerd op {date_label(note.published_at)}" if note.published_at else ""}


def _notes_for(ctx: BuildContext, ind: dict, period: str | None) -> list[dict]:
    if ctx.notes is None:
        return []
    found = ctx.notes.notes_for(ind["id"], ind["law"], [ctx.wh.gemeente], period, role=ANONYMOUS)
    return [_note_html(n) for n in found if n.status == "published" or n.published_at]


def _markers(ctx: BuildContext, ind: dict) -> pl.DataFrame | None:
    return ctx.notes.markers_for(ind["id"], ind["law"], role=ANONYMOUS) if ctx.notes else None


def figure_regions(wh: Warehouse, ind: dict) -> tuple[str, list[str]]:
    """(indicator to draw, regions): the app's default comparison (own municipality, Nederland, the peers'
    median); a count is compared on its rate companion, and without one shown for the municipality alone
    (the same choice as ``indicator_view.comparable``, without its on-screen notice)."""
    regions = [wh.gemeente, "NL01", q.PEER_CODE]
    if ind["unit"] != "count":
        return ind["id"], regions
    rate = q.rate_companion(wh, ind["id"])
    if rate and q.years(wh, [rate], [wh.gemeente]):
        return rate, regions
    return ind["id"], [wh.gemeente]


def series_figure(ctx: BuildContext, indicator_id: str) -> tuple[Figure, pl.DataFrame]:
    """The figure page of one indicator, with the suppressed query result it draws."""
    wh = ctx.wh
    asked = q.indicator(wh, indicator_id)
    shown_id, regions = figure_regions(wh, asked)
    ind = q.indicator(wh, shown_id)
    codes = [c for c in regions if c != q.PEER_CODE]
    df = q.series_compared(wh, shown_id, codes, peer_median=q.PEER_CODE in regions)
    band = q.peer_range(wh, shown_id) if q.PEER_CODE in regions else None
    fig = Figure(slug=indicator_id, title=asked["title"], spec=None, svg=None, table=pl.DataFrame(),
                 description="Voor dit cijfer zijn er geen gegevens.", provenance=indicator_view.provenance(wh, ind, df),
                 definition=ind["definition"] or "",
                 breaks=[f"Trendbreuk in {fmt.period_label(b['period'])}: {b.get('label', '')}"
                         for b in ind["series_breaks"]],
                 notes=_notes_for(ctx, asked, None))
    if shown_id != indicator_id:
        fig.description = (f"Een aantal is niet goed te vergelijken met andere gemeenten. Daarom ziet u hier "
                           f"'{ind['title']}'. ")
    else:
        fig.description = ""
    if df.filter(pl.col("value").is_not_null()).is_empty():
        fig.description += "Voor dit cijfer zijn er geen cijfers te tonen."
        return fig, df
    markers = _markers(ctx, asked)
    if band is not None and not band.is_empty():
        chart = comparison_charts.time_chart_with_band(df, band, unit=ind["unit"], unit_label=ind["unit_label"],
                                                       series_breaks=ind["series_breaks"], markers=markers)
    else:
        chart = charts.time_chart(df, unit=ind["unit"], unit_label=ind["unit_label"],
                                  series_breaks=ind["series_breaks"], markers=markers)
    fig.spec = chart.to_dict(validate=charts.VALIDATE)
    fig.svg = _svg(ctx, fig.spec, f"cijfers/{indicator_id}.svg")
    rows = indicator_view.with_band_rows(df, band)
    fig.table = indicator_view.table(rows, ind["unit"])
    fig.description += indicator_view.describe_series(df, ind["unit"]) + indicator_view.describe_band(band, ind["unit"])
    fig.downloads = _downloads(ctx, export.series_table(ind, rows, source=fig.provenance, release=wh.release.id),
                               f"cijfers/{indicator_id}")
    goal = _goal_figure(ctx, asked)
    if goal:
        fig.extra.append(goal)
    return fig, df


def _goal_figure(ctx: BuildContext, ind: dict) -> Figure | None:
    wh = ctx.wh
    goal = ind["goal"]
    row = ctx.goal_overview().filter(pl.col("indicator_id") == ind["id"])
    if not goal or row.is_empty():
        return None
    r = row.row(0, named=True)
    s = q.series(wh, ind["id"], [wh.gemeente])
    path = goals.goal_path(goal, r["baseline_year"], r["baseline"])
    chart = comparison_charts.goal_chart(s, path, unit=r["unit"], unit_label=ind["unit_label"],
                                         target=goal.get("target"), target_year=goal.get("target_year"))
    spec = chart.to_dict(validate=charts.VALIDATE)
    prov = indicator_view.provenance(wh, ind, s)
    target = ("" if goal.get("target") is None else
              f" Streefwaarde: {fmt.value(goal['target'], r['unit'])} in {goal['target_year']}.")
    return Figure(
        slug=f"{ind['id']}-doel", title=f"{ind['title']}: het doel", spec=spec,
        svg=_svg(ctx, spec, f"cijfers/{ind['id']}-doel.svg"), table=comparison_view.goal_table(s, path, r["unit"]),
        description=f"Status: {r['status']}. {r['rule']}{target} Blauwe lijn: het cijfer van de gemeente. Oranje "
                    "stippellijn: de rechte lijn van de start naar het doel. Oranje kruis: het doel.",
        provenance=prov)


def wijk_figure(ctx: BuildContext, indicator_id: str) -> tuple[Figure, pl.DataFrame] | None:
    """The wijken of the municipality on a map (and as a table) in the latest year with wijk figures."""
    wh = ctx.wh
    ind = q.indicator(wh, indicator_id)
    years = q.years(wh, [indicator_id], q.wijken(wh)["region_code"].to_list())
    if not years:
        return None
    year = years[-1]
    values = q.wijk_values(wh, indicator_id, year)
    wijk_rows = values.filter(pl.col("region_level") == "wijk")
    if wijk_rows.is_empty():
        return None
    prov = indicator_view.provenance(wh, ind, values)
    geo = wh.boundaries("wijken")
    if geo is not None:
        chart = charts.choropleth(geo, wijk_rows, unit=ind["unit"], unit_label=ind["unit_label"])
    else:
        total = values.filter(pl.col("region_level") == "gemeente")["value"]
        chart = charts.ranked_bars(wijk_rows, unit=ind["unit"], unit_label=ind["unit_label"],
                                   reference=total[0] if total.len() else None)
    spec = chart.to_dict(validate=charts.VALIDATE)
    shown = wijk_rows.filter(pl.col("value").is_not_null()).sort("value")
    sentence = []
    if shown.height >= 2:
        low, high = shown.row(0, named=True), shown.row(-1, named=True)
        sentence.append(f"Laagste waarde: {low['region_name']} ({fmt.value(low['value'], ind['unit'])}). Hoogste "
                        f"waarde: {high['region_name']} ({fmt.value(high['value'], ind['unit'])}).")
    hidden = wijk_rows.filter(pl.col("status") == "suppressed").height
    if hidden:
        sentence.append(f"{hidden} wijk(en) zonder getal: daar zitten te weinig mensen achter om het cijfer te tonen.")
    export_rows = values.select("region_name", "region_code", "period", "value", "status")
    fig = Figure(slug=indicator_id, title=f"{ind['title']} per wijk, {year}", spec=spec,
                 svg=_svg(ctx, spec, f"wijken/{indicator_id}.svg"), table=wijk_view.wijk_table(values, ind["unit"]),
                 description=" ".join(sentence) or indicator_view.describe_series(values, ind["unit"]),
                 provenance=prov, definition=ind["definition"] or "", notes=_notes_for(ctx, ind, f"{year}JJ00"))
    fig.downloads = _downloads(ctx, export.series_table(ind, export_rows, title=fig.title, source=prov,
                                                        release=wh.release.id), f"wijken/{indicator_id}")
    return fig, values


def _open_data_rows(df: pl.DataFrame) -> pl.DataFrame:
    cols = ["indicator_id", "region_code", "region_name", "period", "value", "status", "source_id"]
    return df.filter(pl.col("region_code") != q.PEER_CODE).select(
        [pl.col(c).cast(pl.Float64) if c == "value" else pl.col(c).cast(pl.String) for c in cols])


def build(wh: Warehouse, out: Path, *, store_url: str | None) -> Path:
    """Write the edition of ``wh``'s release into ``out/<release id>`` (replaced whole) and the list of
    editions into ``out/index.html``. Returns the release folder."""
    out = Path(out)
    final = out / wh.release.id
    tmp = out / f".{wh.release.id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    db = Database(store_url) if store_url else None
    if db is not None:
        db.migrate()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ctx = BuildContext(wh=wh, root=tmp, notes=NoteStore(db) if db else None,
                           dossiers=DossierStore(db) if db else None, env=_environment(), pool=pool)
        _write_pages(ctx)
        for f in ctx.pending:
            f.result()  # a chart that failed to draw fails the build
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    write_release_list(out, current=wh.release.id)
    return final


def _write_pages(ctx: BuildContext) -> None:
    wh, out, tmp = ctx.wh, ctx.root.parent, ctx.root
    ctx.nav_extra = signal_pages(wh, ctx)
    _copy_assets(out)
    year = q.latest_year(wh, q.headline_ids(wh), [wh.gemeente])

    figure_titles: dict[str, str] = {}
    for ind in q.catalogue(wh).sort("law", "order", "id").iter_rows(named=True):
        fig, df = series_figure(ctx, ind["id"])
        figure_titles[ind["id"]] = fig.title
        ctx.open_rows.append(_open_data_rows(df))
        law_title = LAW_PAGES.get(ind["law"], ind["law"])
        ctx.write(f"cijfers/{ind['id']}.html", "figure.html", fig=fig, back=(f"{ind['law']}.html", law_title),
                  embed=f"embed/{ind['id']}.html")
        ctx.write(f"embed/{ind['id']}.html", "embed.html", fig=fig, page=f"cijfers/{ind['id']}.html")

    for law in [*LAW_INFO, "context"]:
        cat = q.indicators_for_law(wh, law)
        comp = q.comparison(wh, cat["id"].to_list(), year) if year else pl.DataFrame()
        overview = cat.select("id", "title", "unit", "unit_label", "theme").join(
            comp, left_on="id", right_on="indicator_id", how="left") if year else pl.DataFrame()
        downloads = []
        if year:
            downloads = _downloads(ctx, export.comparison_table(
                overview, title=f"{LAW_PAGES[law]}: alle cijfers {year}", source=all_figures_source(wh, comp),
                release=wh.release.id), f"downloads/{law}-{year}")
        rows = list(zip(cat["id"].to_list(), comparison_table(overview).iter_rows(named=True), strict=True)) \
            if year and overview.height else []
        ctx.write(f"{law}.html", "law.html", law=law, info=LAW_INFO.get(law), title=LAW_PAGES[law], year=year,
                  rows=rows, downloads=downloads, source=all_figures_source(wh, comp) if year else "")

    headlines = []
    for law in [*LAW_INFO, "context"]:
        tiles = q.headline(wh, law, year) if year else pl.DataFrame()
        items = [{"id": t["id"], "title": t["short_title"], "value": fmt.value(t["value"], t["unit"], t["status"]),
                  "change": fmt.change(t["change"], t["unit"], t["change_pct"]) if t["status"] != "suppressed" else None,
                  "national": fmt.value(t["national"], t["unit"]), "peers": fmt.value(t["peer_median"], t["unit"])}
                 for t in tiles.iter_rows(named=True)]
        headlines.append((law, LAW_PAGES[law], items))
    ctx.write("index.html", "overview.html", headlines=headlines, year=year)

    wijk_links, first_map = [], None
    for ind in q.wijk_indicators(wh).iter_rows(named=True):
        built = wijk_figure(ctx, ind["id"])
        if built is None:
            continue
        fig, values = built
        ctx.open_rows.append(_open_data_rows(values.with_columns(indicator_id=pl.lit(ind["id"]))))
        ctx.write(f"wijken/{ind['id']}.html", "figure.html", fig=fig, back=("wijken.html", "Wijken"), embed=None)
        wijk_links.append((f"wijken/{ind['id']}.html", fig.title))
        first_map = first_map or fig
    ctx.write("wijken.html", "wijken.html", links=wijk_links, fig=first_map)

    by_law = [(LAW_PAGES.get(law, law), [(i, figure_titles[i]) for i in q.indicators_for_law(wh, law)["id"]])
              for law in [*LAW_INFO, "context"]]
    ctx.write("trends.html", "trends.html", by_law=by_law)
    ctx.write("doelen.html", "goals.html", goals=ctx.goal_overview().to_dicts(),
              rules=comparison_view.goal_rules_text().replace("*", ""))
    _dossiers(ctx)
    _open_data(ctx)
    (tmp / "release.json").write_text(json.dumps({"release": wh.release.id, "created_at": wh.meta.get("created_at"),
                                                  "gemeente": wh.meta.get("gemeente_name"), "demo": wh.is_demo}),
                                      encoding="utf-8")


def _dossiers(ctx: BuildContext) -> None:
    wh = ctx.wh
    listed = []
    for d in (ctx.dossiers.list_dossiers(role=ANONYMOUS, published=True) if ctx.dossiers else []):
        c = d.content
        sections = []
        for n, section in enumerate(c.sections, start=1):
            figs = dossier_document.section_figures(wh, section)
            blocks = []
            for m, block in enumerate(figs.blocks):
                chart = dossier_document.chart_for(block)
                spec = chart.to_dict(validate=charts.VALIDATE) if chart is not None else None
                slug = f"{d.dossier_id}-{n}-{m}"
                blocks.append(Figure(
                    slug=slug, title=block.indicator["title"], spec=spec,
                    svg=_svg(ctx, spec, f"dossiers/{slug}.svg") if spec else None, table=block.table,
                    description=block.description, provenance=block.provenance,
                    downloads=_downloads(ctx, dossier_document.block_export(block, wh.release.id), f"dossiers/{slug}")))
            notes = [{"title": nc.title, "period": f"{nc.region_label} · {nc.period_label}",
                      "parts": [{"label": label, "html": Markup(to_safe_html(getattr(nc, attr)))}
                                for attr, label in NOTE_SECTIONS if getattr(nc, attr)],
                      "published": f"Gepubliceerd op {date_label(nc.published_at)}"}
                     for nc in d.notes_for(n - 1)]
            sections.append({"heading": figs.heading, "areas": f"{figs.areas_label} · {dossier_document.years_label(section)}",
                             "text": Markup(to_safe_html(section.text)), "blocks": blocks, "notes": notes})
        rel = f"dossiers/{d.dossier_id}.html"
        ctx.write(rel, "dossier.html", title=c.title, date=date_label(c.session_date),
                  theme=c.theme, intro=Markup(to_safe_html(c.introduction)), sections=sections,
                  questions=list(c.questions))
        listed.append((rel, c.title, date_label(c.session_date)))
    ctx.write("dossiers/index.html", "dossiers.html", dossiers=listed)


COLUMNS = {
    "cijfers.csv": {"indicator_id": "code van het cijfer (zie indicatoren.csv)", "region_code": "CBS-code van het gebied",
                    "region_name": "naam van het gebied", "period": "periode: jaar + JJ00, KW0n of MM0n",
                    "value": "waarde in de eenheid van het cijfer; leeg als het cijfer is afgeschermd",
                    "status": "final (definitief), provisional (voorlopig) of suppressed (afgeschermd)",
                    "source_id": "code van de bron (zie bronnen.csv)"},
    "indicatoren.csv": {"id": "code van het cijfer", "title": "titel", "law": "wet", "theme": "thema",
                        "unit": "eenheid (count, percent, per_1000, euro, ...)", "unit_label": "eenheid in woorden",
                        "definition": "wat het cijfer meet", "source_label": "bron in woorden"},
    "gebieden.csv": {"region_code": "CBS-code", "name": "naam", "level": "land, gemeente of wijk",
                     "gemeente_code": "gemeente waar het gebied bij hoort"},
    "bronnen.csv": {"source_id": "code van de bron", "kind": "soort bron", "title": "naam", "table_id": "tabel",
                    "url": "adres", "release": "versie van de bron", "loaded_at": "geladen op",
                    "licence": "licentie"},
}


def _open_data(ctx: BuildContext) -> None:
    """The whole release as open data: the figures the site shows (suppressed), with column descriptions."""
    wh = ctx.wh
    folder = ctx.root / "open-data"
    folder.mkdir(parents=True, exist_ok=True)
    figures = pl.concat(ctx.open_rows).unique(maintain_order=True).sort("indicator_id", "region_code", "period")
    shown_regions = set(figures["region_code"].to_list())
    srcs = q.sources(wh).with_columns(
        licence=pl.col("kind").replace_strict(LICENCES, default="Zie de bron"))
    tables = {
        "cijfers.csv": figures,
        "indicatoren.csv": q.catalogue(wh).select(list(COLUMNS["indicatoren.csv"])),
        "gebieden.csv": q.regions(wh).filter(pl.col("region_code").is_in(list(shown_regions)))
        .select(list(COLUMNS["gebieden.csv"])),
        "bronnen.csv": srcs.select(list(COLUMNS["bronnen.csv"])),
    }
    for name, df in tables.items():
        # Open data is read in spreadsheets too: text that starts a formula is neutralised (OWASP), numbers stay.
        text = [c for c, t in df.schema.items() if t == pl.String]
        df.with_columns(pl.Series(c, [neutralise(v) for v in df[c].to_list()], dtype=pl.String) for c in text) \
            .write_csv(folder / name)
    meta = {"release": wh.release.id, "demo": wh.is_demo, "tables": [
        {"file": name, "rows": df.height, "columns": [{"name": c, "description": d} for c, d in COLUMNS[name].items()]}
        for name, df in tables.items()],
        "licences": {r["source_id"]: r["licence"] for r in srcs.iter_rows(named=True)}}
    (folder / "beschrijving.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    ctx.write("open-data/index.html", "open_data.html", tables=meta["tables"],
              sources=srcs.select("title", "licence").unique(maintain_order=True).rows())


def _copy_assets(out: Path) -> None:
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for f in (HERE / "static").iterdir():
        shutil.copy2(f, assets / f.name)
    lib = assets / "vega.js"
    if not lib.exists():
        shutil.copy2(chart_library(), lib)


def chart_library() -> Path:
    """Vega, Vega-Lite and vega-embed in one script, bundled by vl-convert from the versions it ships (no
    CDN, no npm). Bundling takes seconds, so it is kept per vl-convert version in the user's cache."""
    import vl_convert

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "monitor-sociaal-domein"
    path = cache / f"vega-bundle-{vl_convert.__version__}.js"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
        tmp.replace(path)
    return path


def write_release_list(out: Path, *, current: str | None = None) -> None:
    """``out/index.html``: every edition in ``out`` (a folder with release.json), newest first."""
    editions = []
    for meta_file in sorted(out.glob("*/release.json"), reverse=True):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        editions.append({"folder": meta_file.parent.name, "created": date_label(meta.get("created_at")),
                         "gemeente": meta.get("gemeente") or "", "demo": meta.get("demo"),
                         "current": meta_file.parent.name == current})
    html = _environment().get_template("releases.html").render(editions=editions, assets="assets")
    (out / "index.html").write_text(html, encoding="utf-8")

