"""The dossier as a document: what each part shows, answered from one release, and the notes that go with it.

The web view (:mod:`components.dossier_view`) and the PDF (:mod:`components.handout`) both render this
document: :func:`section_figures` gives per indicator the suppressed series, its table alternative, the
describing sentence and the source line, and both draw the chart with :func:`chart_for`, so the print
never drifts from the screen. Nothing here draws on the page.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import altair as alt
import polars as pl

from components import charts, export, finance_split, finance_view, indicator_view, signals_view
from domain import formatting as fmt
from domain.formatting import date_label
from domain.roles import Role
from queries import Warehouse, finance
from queries import figures as q
from store.dossiers import COMPARISONS, Dossier, DossierContent, NoteCopy, Section
from store.notes import Note, NoteStore

TEMPLATES_PATH = Path(__file__).resolve().parents[1] / "data" / "dossier_templates.toml"


TEMPLATE_WIJKEN = 3  # "areas = wijken" in a template: the municipality and its first wijken


@dataclass
class IndicatorFigures:
    indicator: dict
    df: pl.DataFrame          # suppressed series as drawn
    table: pl.DataFrame       # the table alternative (formatted values)
    description: str          # one sentence per area, for screen readers and print
    provenance: str           # the source line
    breakdown_label: str = ""


@dataclass
class SectionFigures:
    section: Section
    heading: str
    blocks: list[IndicatorFigures]
    areas_label: str
    signals: list = field(default_factory=list)  # a part of kind "signalen": the release's signals it covers


def section_regions(wh: Warehouse, section: Section) -> list[str]:
    """The areas of a section plus the chosen comparison; the municipality when none were chosen."""
    codes = [c for c in section.region_codes if c] or [wh.gemeente]
    if section.comparison in ("nederland", "beide"):
        codes.append("NL01")
    if section.comparison in ("peers", "beide"):
        codes.append(q.PEER_CODE)
    return codes


def section_heading(wh: Warehouse, section: Section) -> str:
    if section.title:
        return section.title
    titles = []
    for i in section.indicator_ids:
        try:
            titles.append(q.indicator(wh, i)["title"])
        except KeyError:
            titles.append(i)
    return ", ".join(titles) or "Onderdeel"


def _areas_label(wh: Warehouse, section: Section) -> str:
    codes = [c for c in section.region_codes if c] or [wh.gemeente]
    names = [q.region_name(wh, c) for c in codes]
    if section.comparison != "geen":
        names.append(COMPARISONS[section.comparison])
    return ", ".join(names)


def _years(df: pl.DataFrame, section: Section) -> pl.DataFrame:
    if df.is_empty():
        return df
    if section.year_from is not None:
        df = df.filter(pl.col("year") >= section.year_from)
    if section.year_to is not None:
        df = df.filter(pl.col("year") <= section.year_to)
    return df


def section_figures(wh: Warehouse, section: Section) -> SectionFigures:
    """Every indicator of the section, answered from this release (small numbers already suppressed).
    The same for every reader of the release, so it is built once (when the council opens a dossier link
    together, the first reader builds it and the others get it)."""
    return wh.part(("dossier-section", section), lambda: _section_figures(wh, section))


def _section_figures(wh: Warehouse, section: Section) -> SectionFigures:
    blocks: list[IndicatorFigures] = []
    if section.kind == "finance":
        blocks = _finance_blocks(wh, section)
    if section.kind == "figures":
        for indicator_id in section.indicator_ids:
            try:
                ind = q.indicator(wh, indicator_id)
            except KeyError:
                continue  # the figure is not in this release; the heading still says what was meant
            if section.breakdown:
                df = q.series(wh, indicator_id, [wh.gemeente], breakdown=section.breakdown)
                df = df.filter(pl.col("category") != "")
                df = df.with_columns(region_name=fmt.mapped(
                    df, lambda c: fmt.category_label(section.breakdown, c), "category"))
                label = fmt.BREAKDOWN_LABELS.get(section.breakdown, section.breakdown)
            else:
                codes = section_regions(wh, section)
                real = [c for c in codes if c != q.PEER_CODE]
                df = q.series_compared(wh, indicator_id, real, peer_median=q.PEER_CODE in codes)
                label = ""
            df = _years(df, section)
            blocks.append(IndicatorFigures(
                indicator=ind, df=df, table=indicator_view.table(df, ind["unit"]) if df.height else pl.DataFrame(),
                description=indicator_view.describe_series(df, ind["unit"]) if df.height else
                "Voor dit cijfer zijn er geen gegevens voor de gekozen gebieden en jaren.",
                provenance=indicator_view.provenance(wh, ind, df), breakdown_label=label))
    return SectionFigures(section=section, heading=section_heading(wh, section), blocks=blocks,
                          areas_label=_areas_label(wh, section),
                          signals=signals_view.for_section(wh, section) if section.kind == "signalen" else [])


def block_export(fig: IndicatorFigures, release_id: str):
    """The figures of one block as a downloadable table (a split figure per category, else per area)."""
    if fig.breakdown_label:
        return export.breakdown_table(fig.indicator, fig.df.with_columns(category_label=pl.col("region_name")),
                                      breakdown_label=fig.breakdown_label, source=fig.provenance, release=release_id)
    return export.series_table(fig.indicator, fig.df.select("region_name", "period", "value", "status"),
                               source=fig.provenance, release=release_id)


def chart_for(fig: IndicatorFigures, *, height: int = 240) -> alt.LayerChart | alt.VConcatChart | None:
    """The chart of one indicator: the same function for the web page and the handout."""
    shown = fig.df.filter(pl.col("value").is_not_null())
    if shown.is_empty():
        return None
    ind = fig.indicator
    return charts.time_chart(fig.df, unit=ind["unit"], unit_label=ind["unit_label"],
                             series_breaks=ind["series_breaks"], height=height,
                             legend_title=fig.breakdown_label.capitalize() if fig.breakdown_label else "Gebied")


def _overlaps(note_from: str | None, note_to: str | None, section: Section) -> bool:
    a = int(note_from[:4]) if note_from else None
    b = int(note_to[:4]) if note_to else None
    if section.year_to is not None and a is not None and a > section.year_to:
        return False
    return not (section.year_from is not None and b is not None and b < section.year_from)


def _note_region_label(wh: Warehouse, codes: Sequence[str]) -> str:
    if not codes or codes[0].startswith("GM"):
        return "Hele gemeente"
    names = [q.region_name(wh, c) for c in codes]
    return ("Wijk " if len(names) == 1 else "Wijken ") + ", ".join(names)


def _copy(wh: Warehouse, n: Note) -> NoteCopy:
    c = n.content
    return NoteCopy(note_id=n.note_id, revision=n.revision, title=c.title,
                    region_label=_note_region_label(wh, c.region_codes), period_label=n.period_label,
                    what_we_see=c.what_we_see, explanation=c.explanation, next_steps=c.next_steps,
                    published_by=n.published_by or "", published_at=n.published_at or "",
                    marker_period=c.marker_period or "", marker_label=c.marker_label or "")


def published_notes(wh: Warehouse, notes: NoteStore, content: DossierContent) -> list[list[NoteCopy]]:
    """Per section: the published notes for its figures, areas and years, as they read now; then one more
    group with the events (markers) of all sections together, each once, in time order."""
    out: list[list[NoteCopy]] = []
    events: dict[str, NoteCopy] = {}
    for section in content.sections:
        found: dict[str, NoteCopy] = {}
        regions = [c for c in section.region_codes if c] or [wh.gemeente]
        for indicator_id in section.indicator_ids:
            try:
                law = q.indicator(wh, indicator_id)["law"]
            except KeyError:
                continue
            for n in notes.notes_for(indicator_id, law, regions, None, role=Role.RAADSLID):
                if n.note_id not in found and _overlaps(n.content.period_from, n.content.period_to, section):
                    found[n.note_id] = _copy(wh, n)
            for n in notes.markers_of(indicator_id, law, role=Role.RAADSLID):
                if _overlaps(n.content.marker_period, n.content.marker_period, section):
                    events.setdefault(n.note_id, _copy(wh, n))
        out.append(list(found.values()))
    out.append(sorted(events.values(), key=lambda e: (e.marker_period, e.marker_label)))
    return out


def dossier_events(content: DossierContent, notes: Sequence[Sequence[NoteCopy]]) -> tuple[NoteCopy, ...]:
    """The events group after the sections' groups (empty for dossiers published before events were listed)."""
    n = len(content.sections)
    return tuple(e for e in notes[n] if e.marker_period) if len(notes) > n else ()


def event_line(event: NoteCopy) -> str:
    """Plain text: '2019: 2019 abonnementstarief' (escape before it goes into Markdown)."""
    return f"{event.marker_period[:4]}: {event.marker_label}"


def load_templates(path: Path = TEMPLATES_PATH) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8")).get("template", [])


def from_template(template: dict, *, gemeente: str, wijken: Sequence[str], latest_year: int | None,
                  session_date: str) -> DossierContent:
    """A new dossier's content from a template, for this municipality and its latest year."""
    sections = []
    for s in template.get("section", []):
        areas = [gemeente] if s.get("areas", "gemeente") != "wijken" else [gemeente, *wijken[:TEMPLATE_WIJKEN]]
        years = int(s.get("years", 6))
        sections.append(Section(
            indicator_ids=tuple(s["indicators"]), region_codes=tuple(a for a in areas if a),
            year_from=(latest_year - years + 1) if latest_year else None, year_to=latest_year,
            comparison=s.get("comparison", "geen"), title=s.get("title", ""), text=s.get("text", "").strip(),
            breakdown=s.get("breakdown", ""), kind=s.get("kind", "figures")))
    return DossierContent(title=template["title"], session_date=session_date, theme=template.get("theme", ""),
                          introduction=template.get("introduction", "").strip(),
                          questions=tuple(template.get("questions", [])), sections=tuple(sections))


def release_label(wh: Warehouse) -> str:
    created = wh.meta.get("created_at") or ""
    return f"{wh.release.id} ({date_label(created)})" if created else wh.release.id


def years_label(section: Section) -> str:
    a, b = section.year_from, section.year_to
    if a and b:
        return str(a) if a == b else f"{a} t/m {b}"
    if a:
        return f"vanaf {a}"
    if b:
        return f"t/m {b}"
    return "alle jaren"


def published_line(dossier: Dossier) -> str:
    """Plain text (also printed on the handout): escape it before it goes into Markdown."""
    if not dossier.published_at:
        return ""
    return f"Gepubliceerd door de griffie ({dossier.published_by}) op {date_label(dossier.published_at)}."


def _finance_blocks(wh: Warehouse, section: Section) -> list[IndicatorFigures]:
    """The blocks of a dossier part of kind "finance": prognosis, cost per product and per referrer, and
    scenarios of each chosen law (a chosen indicator stands for its law)."""
    laws = []
    for iid in section.indicator_ids:
        try:
            law = q.indicator(wh, iid)["law"]
        except KeyError:
            continue
        if law in finance.LAWS and law not in laws:
            laws.append(law)
    blocks = []
    for law in laws:
        figs = [(finance_view.prognosis_figure(wh, law), None, "")]
        for breakdown in ("product", "referrer"):
            made = finance_split.cost_split_figure(wh, law, breakdown)
            if made is not None:  # drawn as one line per category, like any split figure in a dossier
                fig, change = made
                figs.append((replace(fig, df=fig.df.with_columns(region_name=pl.col("category_label"))),
                             finance_split.change_table(change, breakdown), fig.legend_title))
        scen = finance_view.scenario_figure(wh, law)
        figs.append((scen[0] if scen else None, None, ""))
        for fig, table, label in figs:
            if fig is not None:
                blocks.append(IndicatorFigures(
                    indicator=fig.indicator, df=fig.df,
                    table=indicator_view.table(fig.df, fig.indicator["unit"]) if table is None else table,
                    description=fig.description, provenance=fig.provenance, breakdown_label=label))
    return blocks
