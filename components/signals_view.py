"""Signals on screen: a card per signal with its duiding, the link to its figure, and the work list.

The signals come from :mod:`queries.signals` (one computation per release); this module only adds the
published notes that explain them and draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st

from components import indicator_view
from components.notes import get_store
from components.pickers import LAW_PAGES
from domain import formatting as fmt
from domain.roles import Role
from queries import Warehouse
from queries import signals as sg
from store.markdown import escape_text
from store.notes import Note, NoteContent, gemeente_of, year_code

NO_NOTE = "Nog geen duiding"


@dataclass(frozen=True)
class Target:
    page: str
    params: dict[str, str]
    label: str


def explains(note: Note, s: sg.Signal) -> bool:
    """A published note explains a signal when it is about the same figure (a marker for the whole law:
    a series break in the marker's year), covers the signal's area (a gemeente-wide note also covers its
    wijken) and its year."""
    c = note.content
    if c.indicator_id is None:  # a marker on every chart of a law explains a series break in its year only
        if not (c.law == s.law and s.kind == "trendbreuk" and (c.marker_period or "")[:4] == s.period[:4]):
            return False
    elif c.indicator_id != s.indicator_id:
        return False
    areas = set(c.region_codes)
    if s.region_code not in areas and gemeente_of(s.region_code) not in areas:
        return False
    year = year_code(s.period)
    return (c.period_from is None or c.period_from <= year) and (c.period_to is None or c.period_to >= year)


def published_notes() -> list[Note]:
    """Published notes only (read with a council member's rights), whoever is looking."""
    try:
        return get_store().list_notes(role=Role.RAADSLID)
    except Exception:  # a store that cannot be reached must not take the signals down
        return []


def note_for(s: sg.Signal, notes: Sequence[Note]) -> Note | None:
    hits = [n for n in notes if explains(n, s)]
    return min(hits, key=Note.specificity) if hits else None


def target(s: sg.Signal) -> Target:
    """The page and view (URL parameters the pages read) that shows the signal's figure."""
    year = s.period[:4]
    if s.kind == "begroting":
        return Target("app_pages/geld.py", {"wet": s.law}, "Bekijk het geld")
    if s.kind == "verwachting":
        return Target("app_pages/verwachting.py", {"voorziening": s.law, "jaar": year}, "Bekijk verwacht per wijk")
    if s.region_code.startswith("WK"):
        return Target("app_pages/wijken.py", {"indicator": s.indicator_id, "jaar": year, "wijk": s.region_code},
                      "Bekijk de wijken")
    if s.period[4:6] == "KW":
        return Target("app_pages/trends.py", {"indicator": s.indicator_id, "periode": "KW"}, "Bekijk per kwartaal")
    page = LAW_PAGES.get(s.law, "app_pages/trends.py")
    params = {"indicator": s.indicator_id}
    if page != "app_pages/trends.py":
        params["jaar"] = year
    return Target(page, params, "Bekijk het cijfer")


def note_params(s: sg.Signal) -> dict[str, str]:
    """URL parameters of the duiding page's new-note form, scoped to the signal's figure, area and year."""
    return {"nieuw": s.indicator_id, "wet": s.law, "gebied": s.region_code, "periode": s.period[:4]}


def scoped_content(params, known: dict[str, dict]) -> NoteContent | None:
    """The new-note form's starting point from :func:`note_params` in the URL (None: a blank form)."""
    indicator = params.get("nieuw")
    if not indicator or indicator not in known:
        return None
    area = (params.get("gebied") or "").upper()
    period = params.get("periode") or ""
    year = period if period.isdigit() and len(period) == 4 else None
    return NoteContent(law=known[indicator]["law"], indicator_id=indicator, region_codes=(area,) if area else (),
                       period_from=f"{year}JJ00" if year else None, period_to=f"{year}JJ00" if year else None)


def filtered(found: Sequence[sg.Signal], *, law: str | None, area: str | None, kind: str | None,
             indicator: str | None = None) -> list[sg.Signal]:
    return [s for s in found if (law is None or s.law == law) and (area is None or s.region_code == area)
            and (kind is None or s.kind == kind) and (indicator is None or s.indicator_id == indicator)]


def for_section(wh: Warehouse, section) -> list[sg.Signal]:
    """The signals of a dossier part of kind "signalen", from ``wh`` (the dossier's release): of its figures,
    its areas (the municipality covers its wijken, as for notes) and its years."""
    areas = set(section.region_codes)
    return [s for s in sg.signals(wh) if s.indicator_id in section.indicator_ids
            and (not areas or s.region_code in areas or gemeente_of(s.region_code) in areas)
            and (section.year_from is None or int(s.period[:4]) >= section.year_from)
            and (section.year_to is None or int(s.period[:4]) <= section.year_to)]


def lines(found: Sequence[sg.Signal]) -> list[str]:
    """Signals as plain lines for a dossier (screen and print); one line saying so when there are none."""
    return [f"{s.sentence} ({sg.KINDS[s.kind]}, {s.region_name}, {fmt.period_label(s.period)})" for s in found] or [
        "Bij deze cijfers, gebieden en jaren zijn er in deze datarelease geen signalen."]


def score_parts(s: sg.Signal) -> str:
    w = sg.WEIGHTS
    return (f"Score {fmt.number(s.score, 1)} van 100 = grootte {fmt.number(s.effect, 2)} × {w['effect']} + "
            f"zekerheid {fmt.number(s.certainty, 2)} × {w['certainty']} + belang voor een doel "
            f"{fmt.number(s.relevance, 2)} × {w['relevance']}.")


def card(s: sg.Signal, note: Note | None, *, key: str) -> None:
    """One signal: the sentence, where and what, its duiding (or that there is none), the link to its figure."""
    with st.container(border=True):
        st.markdown(f"**{s.sentence}**")
        st.caption(f"{sg.KINDS[s.kind]} · {s.region_name} · {fmt.period_label(s.period)} · score "
                   f"{fmt.number(s.score, 0)}")
        if note is not None:
            st.markdown(f":green-badge[Duiding] {escape_text(note.content.title or 'Duiding van de gemeente')}")
        else:
            st.markdown(f":gray-badge[{NO_NOTE}]")
        t = target(s)
        st.page_link(t.page, label=t.label, query_params=t.params, icon=":material/arrow_forward:")
        with st.expander("Waarom is dit een signaal?", key=f"why-{key}"):
            st.markdown(s.rule)
            st.caption(score_parts(s))


def cards(found: Sequence[sg.Signal], notes: Sequence[Note], *, prefix: str) -> None:
    for i, s in enumerate(found):
        card(s, note_for(s, notes), key=f"{prefix}-{i}")


def table(found: Sequence[sg.Signal], notes: Sequence[Note]) -> pl.DataFrame:
    """Every signal in one table (the accessible alternative of the cards)."""
    return pl.DataFrame([{"Signaal": s.sentence, "Soort": sg.KINDS[s.kind], "Gebied": s.region_name,
                          "Periode": fmt.period_label(s.period), "Score": s.score,
                          "Duiding": "ja" if note_for(s, notes) else "nee"} for s in found],
                        schema={"Signaal": pl.String, "Soort": pl.String, "Gebied": pl.String, "Periode": pl.String,
                                "Score": pl.Float64, "Duiding": pl.String})


def show_table(frame: pl.DataFrame) -> None:
    """The table of :func:`table` with the short columns first, each as wide as its texts, and the long
    sentence last: first, it pushed the score out of view ("Scor…")."""
    order = [c for c in frame.columns if c != "Signaal"] + ["Signaal"]
    widths = indicator_view.column_widths(frame)
    config = indicator_view.fitted_columns(frame, widths)
    # A whole number: Streamlit writes a decimal point ("85.9"), not the Dutch comma.
    config["Score"] = st.column_config.NumberColumn(width=widths["Score"], format="%.0f")
    st.dataframe(frame, hide_index=True, width="stretch", column_order=order, column_config=config)


def work_list(found: Sequence[sg.Signal], notes: Sequence[Note]) -> None:
    """For civil servants: signals without a published duiding, each one click from a scoped new note."""
    open_ = [s for s in found if note_for(s, notes) is None]
    if not open_:
        st.success("Alle signalen hebben een gepubliceerde duiding.")
        return
    st.markdown(f"{len(open_)} signalen hebben nog geen gepubliceerde duiding. Begin bij de bovenste: die is het "
                "belangrijkst.")
    for s in open_:
        with st.container(border=True):
            st.markdown(s.sentence)
            st.page_link("app_pages/duiding.py", label="Duiding schrijven", query_params=note_params(s),
                         icon=":material/edit_note:")


def top_five(wh: Warehouse) -> None:
    """The Overzicht block: the five most important signals, each with its duiding or none."""
    found = sg.signals(wh)
    if not found:
        st.info("Er zijn geen signalen: geen cijfer valt buiten wat je mag verwachten.")
        return
    cards(found[:5], published_notes(), prefix="top")
    st.page_link("app_pages/signalen.py", label=f"Alle {len(found)} signalen", icon=":material/notifications:")


def whats_new(wh: Warehouse) -> None:
    """The Overzicht block: what changed since the previous release."""
    new = sg.whats_new(wh)
    if new.previous_id is None:
        st.markdown("Dit is de eerste release van de monitor: er is nog niets om mee te vergelijken.")
        return
    st.markdown(f"Vergeleken met de vorige release (van {fmt.release_day(new.previous_id)}): "
                f"**{new.new_periods.height}** nieuwe cijfers, **{new.revised.height}** herziene cijfers en "
                f"**{len(new.new_signals)}** nieuwe signalen.")
    if new.new_periods.height:
        with st.expander("Nieuwe cijfers"):
            st.dataframe(new.new_periods.select(Cijfer="title", Periode=fmt.mapped(new.new_periods, fmt.period_label,
                                                                                    "period")),
                         hide_index=True, width="stretch")
    if new.revised.height:
        with st.expander("Herziene cijfers"):
            st.dataframe(new.revised.select(Cijfer="title", Gebied="region_name",
                                            Periode=fmt.mapped(new.revised, fmt.period_label, "period"),
                                            Was="old", Nu="new"), hide_index=True, width="stretch")
    if new.new_signals:
        with st.expander("Nieuwe signalen"):
            for s in new.new_signals:
                st.markdown(f"- {s.sentence}")
