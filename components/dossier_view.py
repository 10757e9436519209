"""A themed-session dossier on screen, and the figures behind it (shared with the printed handout).

:func:`section_figures` answers one section's question from a warehouse release: per indicator the
suppressed series, its table alternative, the describing sentence and the source line. The web view
(:func:`render_dossier`) and the PDF (:mod:`components.handout`) both draw from it, and both draw the
chart with :func:`chart_for`, i.e. :func:`components.charts.time_chart`, so the print never drifts from
the screen. All user text goes through :mod:`store.markdown`; nothing here uses raw HTML.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

import settings
from auth.roles import Role, require
from components import charts, export, indicator_view, signals_view, state
from components import formatting as fmt
from components.notes import SECTIONS as NOTE_SECTIONS
from etl import warehouse as etl_warehouse
from queries import Warehouse
from queries import figures as q
from store.db import Database
from store.dossiers import COMPARISONS, Dossier, DossierContent, DossierStore, NoteCopy, Section
from store.markdown import escape_text, render_safe_markdown
from store.notes import Note, NoteStore

log = logging.getLogger(__name__)

TEMPLATES_PATH = Path(__file__).resolve().parents[1] / "data" / "dossier_templates.toml"
TEMPLATE_WIJKEN = 3  # "areas = wijken" in a template: the municipality and its first wijken


# ------------------------------------------------------------------------------------------------
# Figures of a section (shared by screen and print)
# ------------------------------------------------------------------------------------------------


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
    """Every indicator of the section, answered from this release (small numbers already suppressed)."""
    blocks: list[IndicatorFigures] = []
    if section.kind == "finance":
        from components import finance_view  # here, not at the top: finance_view builds on this module

        blocks = finance_view.dossier_blocks(wh, section)
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


def chart_for(fig: IndicatorFigures, *, height: int = 240) -> alt.LayerChart | None:
    """The chart of one indicator: the same function for the web page and the handout."""
    shown = fig.df.filter(pl.col("value").is_not_null())
    if shown.is_empty():
        return None
    ind = fig.indicator
    return charts.time_chart(fig.df, unit=ind["unit"], unit_label=ind["unit_label"],
                             series_breaks=ind["series_breaks"], height=height,
                             legend_title=fig.breakdown_label.capitalize() if fig.breakdown_label else "Gebied")


# ------------------------------------------------------------------------------------------------
# Notes that belong to a section
# ------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------
# Templates
# ------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------
# Stores, releases and publication
# ------------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> DossierStore:
    db = Database(url)
    db.migrate()
    from etl import catalogue

    return DossierStore(db, known_indicators=catalogue.load().ids)


def get_store() -> DossierStore:
    return _store_for(settings.load().store_url)


def release_warehouse(release_id: str | None) -> tuple[Warehouse, bool]:
    """The warehouse of the dossier's release, and whether that release could still be opened.
    When it was removed, the current release is returned with False."""
    from components.context import warehouse

    if release_id:
        try:
            wh = warehouse(release_id)
            if wh is not None:
                return wh, True
        except Exception:
            log.exception("release %s could not be opened", release_id)
    return warehouse(), False


def publish(store: DossierStore, notes: NoteStore, wh: Warehouse, dossier: Dossier, *, role, user: str,
            expected_revision: int | None = None) -> Dossier:
    """Pin the release the griffie looked at, then publish against it with the notes as they read now.
    A previous publication's pin is released when the dossier moves to a newer release. When the store
    refuses (no right, a conflict, a wrong state), a pin made here is taken away again: only a
    publication keeps a release alive."""
    require(role, "publish_dossier")
    warehouse_dir = wh.release.path.parent.parent
    holder = f"dossier-{dossier.dossier_id}"
    if not etl_warehouse.pin_release(warehouse_dir, wh.release.id, holder):
        raise RuntimeError("De datarelease bestaat niet meer. Laad de pagina opnieuw en probeer het nog eens.")
    try:
        copies = published_notes(wh, notes, dossier.content)
        expected = dossier.head_revision if expected_revision is None else expected_revision
        published = store.publish(dossier.dossier_id, expected, release_id=wh.release.id, notes=copies,
                                  role=role, user=user)
    except BaseException:
        if not _published_on(store, dossier.dossier_id, wh.release.id):  # else a publication still needs it
            etl_warehouse.unpin_release(warehouse_dir, wh.release.id, holder)
        raise
    for release_id, holders in etl_warehouse.pinned_releases(warehouse_dir).items():
        if release_id != wh.release.id and holder in holders:
            etl_warehouse.unpin_release(warehouse_dir, release_id, holder)
    return published


def _published_on(store: DossierStore, dossier_id: str, release_id: str) -> bool:
    """Whether the dossier's published revision (an earlier one, or a colleague's that just won) uses the release."""
    try:
        return store.get(dossier_id, role=Role.RAADSLID, published=True).release_id == release_id
    except LookupError:
        return False


# ------------------------------------------------------------------------------------------------
# Words
# ------------------------------------------------------------------------------------------------


def date_label(iso: str | None) -> str:
    """2026-03-12 -> 12 maart 2026 (also for timestamps)."""
    if not iso:
        return ""
    try:
        if "T" in iso:  # a moment (stored in UTC): the day it was in the Netherlands
            moment = datetime.fromisoformat(iso)
            d = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(fmt.LOCAL_TIME).date()
        else:
            d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.day} {fmt.MONTHS[d.month - 1]} {d.year}"


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


# ------------------------------------------------------------------------------------------------
# The web view
# ------------------------------------------------------------------------------------------------


def render_note_copy(note: NoteCopy) -> None:
    head = f"**{escape_text(note.title)}**  \n" if note.title else ""
    st.markdown(f"{head}{escape_text(note.region_label)} · {escape_text(note.period_label)}")
    for attr, label in NOTE_SECTIONS:
        text = getattr(note, attr)
        if text:
            st.markdown(f"**{label}**")
            st.markdown(render_safe_markdown(text))
    if note.published_at:
        st.caption(f"Duiding gepubliceerd door {escape_text(note.published_by)} op {date_label(note.published_at)}")


def render_dossier(wh: Warehouse, content: DossierContent, notes: Sequence[Sequence[NoteCopy]], *,
                   key: str) -> None:
    """The dossier as a council member reads it (also the griffie's preview)."""
    meta = [f"Bijeenkomst op {date_label(content.session_date)}"]
    if content.theme:
        meta.append(f"thema: {escape_text(content.theme)}")
    st.markdown(" · ".join(meta))
    if content.introduction:
        st.markdown(render_safe_markdown(content.introduction))
    if content.sections:
        st.markdown("**Inhoud**")
        lines = []
        for n, section in enumerate(content.sections, start=1):
            lines.append(f"{n}. {escape_text(section_heading(wh, section))}")
        st.markdown("\n".join(lines))
    for n, section in enumerate(content.sections, start=1):
        figs = section_figures(wh, section)
        st.header(f"{n}. {escape_text(figs.heading)}", anchor=f"onderdeel-{n}", divider="gray")
        st.caption(f"{escape_text(figs.areas_label)} · {years_label(section)}")
        if section.text:
            st.markdown(render_safe_markdown(section.text))
        for m, block in enumerate(figs.blocks):
            _render_block(block, key=f"{key}-{n}-{m}", tab_param=f"onderdeel{n}_{m + 1}_als",
                          release_id=wh.release.id)
        if section.kind == "signalen":
            st.markdown("\n".join(f"- {escape_text(line)}" for line in signals_view.lines(figs.signals)))
        section_notes = notes[n - 1] if n - 1 < len(notes) else []
        if section_notes:
            st.markdown("**Duiding**")
            for note in section_notes:
                with st.container(border=True):
                    render_note_copy(note)
        elif section.kind == "notes":
            st.info("Er is nog geen gepubliceerde duiding bij deze cijfers.")
    events = dossier_events(content, notes)
    if events:
        st.header("Gebeurtenissen", anchor="gebeurtenissen", divider="gray")
        st.markdown("Gebeurtenissen die de cijfers kunnen verklaren. In de grafieken op de pagina's per wet staan "
                    "ze als lijn op de tijdas.")
        st.markdown("\n".join(f"- {escape_text(event_line(e))}" for e in events))
    if content.questions:
        st.header("Vragen voor de raad", anchor="vragen", divider="gray")
        st.markdown("\n".join(f"{i}. {escape_text(qn)}" for i, qn in enumerate(content.questions, start=1)))


def _render_block(block: IndicatorFigures, *, key: str, tab_param: str, release_id: str) -> None:
    ind = block.indicator
    title = ind["title"] + (f" naar {block.breakdown_label}" if block.breakdown_label else "")
    st.subheader(title)
    chart = chart_for(block)
    if chart is None:
        st.info("Voor dit cijfer zijn er geen gegevens voor de gekozen gebieden en jaren.")
    else:
        tab_chart, tab_table = state.url_tabs(state.CHART_TABS, tab_param)
        with tab_chart:
            charts.show(chart, key=f"chart-{key}")
            st.caption(block.description)
        with tab_table:
            st.dataframe(block.table, hide_index=True, width="stretch", key=f"table-{key}")
            export.download_buttons(block_export(block, release_id), key=f"table-{key}")
    for b in ind["series_breaks"]:
        st.caption(f"Trendbreuk in {fmt.period_label(b['period'])}: {b.get('label', '')}")
    st.caption(block.provenance)


# ------------------------------------------------------------------------------------------------
# The reader's page and the handout download
# ------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def published_handout(dossier_id: str, revision: int, release_id: str | None, store_url: str) -> bytes:
    """The PDF of a published revision; cached per revision and release (both never change)."""
    from components import handout

    dossier = get_store().get(dossier_id, role=Role.RAADSLID)
    wh, exact = release_warehouse(dossier.release_id)
    return handout.build_handout(wh, dossier.content, dossier.notes, published=published_line(dossier),
                                 newer_release=not exact or _newer_exists(wh))


def published_line(dossier: Dossier) -> str:
    """Plain text (also printed on the handout): escape it before it goes into Markdown."""
    if not dossier.published_at:
        return ""
    return f"Gepubliceerd door de griffie ({dossier.published_by}) op {date_label(dossier.published_at)}."


def _newer_exists(wh: Warehouse) -> bool:
    current = etl_warehouse.current_release(wh.release.path.parent.parent)
    return current is not None and current.id != wh.release.id


def reader_page(role: Role) -> None:
    """Published dossiers: a list, or one dossier by its stable link ``?dossier=<id>``."""
    store = get_store()
    dossier_id = st.query_params.get("dossier")
    if not dossier_id:
        st.title("Dossiers voor themabijeenkomsten")
        st.markdown("Hier staan de dossiers die de griffie heeft klaargezet voor themabijeenkomsten van de raad. "
                    "Elk dossier heeft een vaste link die u kunt delen.")
        found = store.list_dossiers(role=role, published=True)
        if not found:
            st.info("Er zijn nog geen dossiers gepubliceerd.")
            return
        for d in found:
            with st.container(border=True):
                st.markdown(f"**{escape_text(d.title)}**  \nBijeenkomst op {date_label(d.content.session_date)}"
                            + (f" · {escape_text(d.content.theme)}" if d.content.theme else ""))
                st.page_link("app_pages/dossiers.py", label="Open het dossier", icon=":material/description:",
                             query_params={"dossier": d.link_key})
        return
    try:
        dossier = store.get(str(dossier_id), role=role, published=True)
    except LookupError:
        st.title("Dossier")
        st.warning("Dit dossier bestaat niet of is (nog) niet gepubliceerd. Misschien is het ingetrokken.")
        st.page_link("app_pages/dossiers.py", label="Naar alle dossiers", query_params={})
        return
    wh, exact = release_warehouse(dossier.release_id)
    st.title(escape_text(dossier.title))
    from components import pickers

    pickers.demo_banner(wh)
    if not exact:
        st.warning("De cijfers van het moment van publiceren zijn niet meer beschikbaar. U ziet hieronder de "
                   "nieuwste cijfers; die kunnen afwijken van wat de griffie heeft gepubliceerd.")
    elif _newer_exists(wh):
        st.info(f"Er zijn nieuwere cijfers dan in dit dossier. Het dossier toont de cijfers zoals de griffie ze zag "
                f"bij het publiceren (datarelease {release_label(wh)}). Op de pagina's per wet staan de nieuwste "
                "cijfers.", icon=":material/update:")
    st.caption(f"{escape_text(published_line(dossier))} Cijfers: datarelease {release_label(wh)}. "
               "Vaste link: deze pagina met "
               f"?dossier={dossier.link_key}")
    from components import handout

    st.download_button("Download als PDF (A4, om te printen)",
                       data=lambda: published_handout(dossier.dossier_id, dossier.revision, dossier.release_id,
                                                      settings.load().store_url),
                       file_name=handout.handout_filename(dossier.content), mime="application/pdf",
                       icon=":material/picture_as_pdf:", key="dossier-pdf", on_click="ignore")
    render_dossier(wh, dossier.content, dossier.notes, key=f"d-{dossier.dossier_id}")
