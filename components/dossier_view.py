"""A themed-session dossier on screen: the griffie's preview and the council member's reading page.

It renders :mod:`components.dossier_document`, the same document the PDF (:mod:`components.handout`)
renders. All user text goes through :mod:`store.markdown`; nothing here uses raw HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import settings
from components import charts, export, handout, pickers, signals_view, state
from components.dossier_document import (
    IndicatorFigures,
    block_export,
    chart_for,
    dossier_events,
    event_line,
    published_line,
    release_label,
    section_figures,
    section_heading,
    years_label,
)
from components.dossier_store import dossier_warehouse, get_store, newer_release_exists, release_warehouse
from components.notes import render_sections
from domain import formatting as fmt
from domain.formatting import date_label
from domain.roles import Role
from queries import Warehouse
from store.dossiers import DossierContent, NoteCopy
from store.markdown import escape_text, render_safe_markdown

# ------------------------------------------------------------------------------------------------
# The web view
# ------------------------------------------------------------------------------------------------


def render_note_copy(note: NoteCopy) -> None:
    head = f"**{escape_text(note.title)}**  \n" if note.title else ""
    st.markdown(f"{head}{escape_text(note.region_label)} · {escape_text(note.period_label)}")
    render_sections(note)
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
            spec = wh.part(("dossier-chart", section, m), lambda block=block: _chart_spec(block))
            _render_block(block, spec, key=f"{key}-{n}-{m}", tab_param=f"onderdeel{n}_{m + 1}_als",
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


def _chart_spec(block: IndicatorFigures) -> dict | None:
    chart = chart_for(block)
    return None if chart is None else charts.spec_of(chart)


def _render_block(block: IndicatorFigures, spec: dict | None, *, key: str, tab_param: str, release_id: str) -> None:
    ind = block.indicator
    title = ind["title"] + (f" naar {block.breakdown_label}" if block.breakdown_label else "")
    st.subheader(title)
    if spec is None:
        st.info("Voor dit cijfer zijn er geen gegevens voor de gekozen gebieden en jaren.")
    else:
        tab_chart, tab_table = state.url_tabs(state.CHART_TABS, tab_param)
        with tab_chart:
            charts.show_spec(spec, key=f"chart-{key}")
            st.caption(block.description)
        with tab_table:
            st.dataframe(block.table, hide_index=True, width="stretch", key=f"table-{key}")
            export.download_buttons(block_export(block, release_id), key=f"table-{key}")
    for b in ind["series_breaks"]:
        st.caption(fmt.break_sentence(b))
    st.caption(block.provenance)


# ------------------------------------------------------------------------------------------------
# The reader's page and the handout download
# ------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def published_handout(dossier_id: str, revision: int, release_id: str | None, store_url: str) -> bytes:
    """The PDF of a published revision; cached per revision and release (both never change)."""
    dossier = get_store().get(dossier_id, role=Role.RAADSLID)
    wh, exact = release_warehouse(dossier.release_id)
    wh = dossier_warehouse(wh, dossier)  # in a region: the figures of the member the dossier is for
    return handout.build_handout(wh, dossier.content, dossier.notes, published=published_line(dossier),
                                 newer_release=not exact or newer_release_exists(wh))


def dossier_link(link_key: str) -> str:
    """The dossier's stable link in full ("https://monitor.example.nl/dossiers?dossier=ouderen-thuis"), as the
    visitor's browser reached the app; only the query part where the address is not known (tests)."""
    from urllib.parse import urlsplit

    url = urlsplit(st.context.url or "")
    if not (url.scheme and url.netloc):
        return f"?dossier={link_key}"
    folder = url.path.rsplit("/", 1)[0]  # the app's own base path, without the page it is on
    return f"{url.scheme}://{url.netloc}{folder}/dossiers?dossier={link_key}"


def _reader_member() -> tuple[str | None, str | None]:
    """(the member looked at in a region, else None; the reader's own member scope)."""
    from components.context import warehouse
    from components.session import member_scope
    from warehouse.releases import current_release

    scope = member_scope()
    try:
        if current_release(settings.load().warehouse) is None:
            return None, scope
        wh = warehouse()
    except Exception:
        return None, scope
    return (wh.gemeente if wh.is_region else None), scope


def reader_page(role: Role) -> None:
    """Published dossiers: a list (in a region those of the member looked at and the region's), or one dossier
    by its stable link ``?dossier=<id>``."""
    store = get_store()
    member, scope = _reader_member()
    dossier_id = st.query_params.get("dossier")
    if not dossier_id:
        st.title("Dossiers voor themabijeenkomsten")
        st.markdown("Hier staan de dossiers die de griffie heeft klaargezet voor themabijeenkomsten van de raad. "
                    "Elk dossier heeft een vaste link die u kunt delen.")
        found = store.list_dossiers(role=role, published=True, member=member)
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
        if scope and dossier.gemeente not in (None, scope):  # an account of one member reads that member only
            raise LookupError(dossier_id)
    except LookupError:
        st.title("Dossier")
        st.warning("Dit dossier bestaat niet of is (nog) niet gepubliceerd. Misschien is het ingetrokken.")
        st.page_link("app_pages/dossiers.py", label="Naar alle dossiers", query_params={})
        return
    wh, exact = release_warehouse(dossier.release_id)
    wh = dossier_warehouse(wh, dossier)  # in a region: the figures of the member the dossier is for
    st.title(escape_text(dossier.title))
    pickers.demo_banner(wh)
    if not exact:
        st.warning("De cijfers van het moment van publiceren zijn niet meer beschikbaar. U ziet hieronder de "
                   "nieuwste cijfers; die kunnen afwijken van wat de griffie heeft gepubliceerd.")
    elif newer_release_exists(wh):
        st.info(f"Er zijn nieuwere cijfers dan in dit dossier. Het dossier toont de cijfers zoals de griffie ze zag "
                f"bij het publiceren (datarelease {release_label(wh)}). Op de pagina's per wet staan de nieuwste "
                "cijfers.", icon=":material/update:")
    st.caption(f"{escape_text(published_line(dossier))} Cijfers: datarelease {release_label(wh)}. "
               "Vaste link om te delen:")
    # As code: easy to copy, and the address (it comes from the browser) is never read as Markdown. A link in
    # a caption is drawn in a faded blue that fails the contrast rule (2.96:1).
    st.code(dossier_link(dossier.link_key), language=None)
    st.download_button("Download als PDF (A4, om te printen)",
                       data=lambda: published_handout(dossier.dossier_id, dossier.revision, dossier.release_id,
                                                      settings.load().store_url),
                       file_name=handout.handout_filename(dossier.content), mime="application/pdf",
                       icon=":material/picture_as_pdf:", key="dossier-pdf", on_click="ignore")
    render_dossier(wh, dossier.content, dossier.notes, key=f"d-{dossier.dossier_id}")
