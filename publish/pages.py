"""The pages that list or gather figures: law pages and headline tiles, dossiers, open data, the shared
assets and the list of editions."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl
from markupsafe import Markup

from components import charts, dossier_document, export
from components.law_page import LAW_INFO, all_figures_source
from components.pickers import comparison_table
from domain import formatting as fmt
from domain.export import neutralise
from domain.formatting import date_label
from publish.context import ANONYMOUS, HERE, LAW_PAGES, NOTE_SECTIONS, BuildContext, Figure, environment
from publish.figures import downloads, svg
from queries import Warehouse
from queries import figures as q
from store.markdown import to_safe_html

# Licence per kind of source. CBS StatLine is CC BY 4.0; the municipality's own registry figures and
# waarstaatjegemeente exports are published by the municipality under the same licence here.
LICENCES = {"cbs": "CC BY 4.0 (CBS)", "wsjg": "CC BY 4.0 (waarstaatjegemeente.nl, VNG)",
            "registry": "CC BY 4.0 (gemeente, eigen registratie)", "population": "CC BY 4.0 (gemeente, BRP)",
            "demo": "Demodata: verzonnen cijfers, vrij te gebruiken"}




def write_dossiers(ctx: BuildContext) -> None:
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
                    svg=svg(ctx, spec, f"dossiers/{slug}.svg") if spec else None, table=block.table,
                    description=block.description, provenance=block.provenance,
                    downloads=downloads(ctx, dossier_document.block_export(block, wh.release.id), f"dossiers/{slug}")))
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


def write_open_data(ctx: BuildContext) -> None:
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


def copy_assets(out: Path) -> None:
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
    html = environment().get_template("releases.html").render(editions=editions, assets="assets")
    (out / "index.html").write_text(html, encoding="utf-8")


def write_law_page(ctx: BuildContext, law: str, year: int | None) -> None:
    """One law: every figure in one table (the app's comparison table), with its CSV and Excel."""
    wh = ctx.wh
    cat = q.indicators_for_law(wh, law)
    comp = q.comparison(wh, cat["id"].to_list(), year) if year else pl.DataFrame()
    overview = cat.select("id", "title", "unit", "unit_label", "theme").join(
        comp, left_on="id", right_on="indicator_id", how="left") if year else pl.DataFrame()
    files = []
    if year:
        files = downloads(ctx, export.comparison_table(
            overview, title=f"{LAW_PAGES[law]}: alle cijfers {year}", source=all_figures_source(wh, comp),
            release=wh.release.id), f"downloads/{law}-{year}")
    rows = list(zip(cat["id"].to_list(), comparison_table(overview).iter_rows(named=True), strict=True)) \
        if year and overview.height else []
    ctx.write(f"{law}.html", "law.html", law=law, info=LAW_INFO.get(law), title=LAW_PAGES[law], year=year,
              rows=rows, downloads=files, source=all_figures_source(wh, comp) if year else "")


def headline_items(wh: Warehouse, law: str, year: int | None) -> list[dict]:
    """The overview's tiles of one law."""
    tiles = q.headline(wh, law, year) if year else pl.DataFrame()
    return [{"id": t["id"], "title": t["short_title"], "value": fmt.value(t["value"], t["unit"], t["status"]),
             "change": fmt.change(t["change"], t["unit"], t["change_pct"]) if t["status"] != "suppressed" else None,
             "national": fmt.value(t["national"], t["unit"]), "peers": fmt.value(t["peer_median"], t["unit"])}
            for t in tiles.iter_rows(named=True)]
