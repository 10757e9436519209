"""The note editor of *Duiding schrijven*: the form of a note and the panel of one open note (its
actions, its editor and its history). Every rule (roles, workflow, conflicts, validation) lives in
store/notes.py; this module only collects input and shows the store's Dutch messages.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from components.notes import render_note, status_badge
from components.state import PICK_MANY, PICK_ONE
from domain.formatting import law_label
from domain.roles import PermissionDenied, can
from store.markdown import escape_text
from store.notes import (
    CHANGE_LABELS,
    LAWS,
    LINK_KINDS,
    STATUS_LABELS,
    Link,
    Note,
    NoteConflict,
    NoteContent,
    NoteError,
    NoteStore,
    format_when,
    parse_period_spec,
    period_label,
)

ALL_OF_LAW = "__law__"
FLASH = "notes_flash"
# The tab and the open note live in the URL (?duiding-tab=duidingen&notes-chosen=<id>), so F5 and a shared
# link keep them. The id is safe there: the page needs a writing role, and the store checks the role on
# every read and write. The keys are also the widgets' keys.
TAB_KEY = "duiding-tab"
TABS = {"review": "Wacht op review", "duidingen": "Duidingen", "nieuw": "Nieuwe duiding",
        "uitwisselen": "Exporteren en importeren"}
OPEN = "notes-open"  # a note to open on the next run (set before its selectbox exists)
CHOSEN = "notes-chosen"


def area() -> tuple[str, list[tuple[str, str]]]:
    """The own municipality and its wijken from the warehouse, if one is loaded."""
    try:
        import settings
        from components.context import warehouse
        from queries import figures as q
        from warehouse.releases import current_release

        if current_release(settings.load().warehouse) is None:
            return "", []
        wh = warehouse()
        wijken = q.wijken(wh)
        return wh.gemeente, list(zip(wijken["region_code"].to_list(), wijken["name"].to_list(), strict=True))
    except Exception:
        return "", []


def indicator_label(indicators: dict, indicator_id: str | None) -> str:
    if indicator_id in (None, ALL_OF_LAW):
        return "Alle cijfers van deze wet (alleen voor een markering)"
    return indicators.get(indicator_id, {}).get("title", indicator_id)


def content_form(prefix: str, base: NoteContent | None, indicators: dict, gemeente: str,
                 wijken: list[tuple[str, str]]) -> NoteContent | None:
    """The fields of a note inside a form; returns the content when the form is submitted."""
    wijk_names = dict(wijken)

    def _indicator_label(indicator_id: str | None) -> str:
        return indicator_label(indicators, indicator_id)

    law = st.selectbox("Wet of domein", LAWS, index=LAWS.index(base.law) if base else 0,
                       format_func=law_label, key=f"{prefix}-law", disabled=base is not None, placeholder=PICK_ONE,
                       help="Na het aanmaken vast. Maak een nieuwe duiding voor een andere wet.")
    options = [ALL_OF_LAW] + sorted((i for i, e in indicators.items() if e["law"] == law),
                                    key=lambda i: indicators[i]["title"])
    current = (base.indicator_id or ALL_OF_LAW) if base else None
    if current and current not in options:
        options.append(current)
    indicator = st.selectbox("Cijfer", options, index=options.index(current) if current else 1 if len(options) > 1
                             else 0, format_func=_indicator_label, key=f"{prefix}-ind", disabled=base is not None,
                             placeholder=PICK_ONE)
    wijk_scope = bool(base and base.scope == "wijk")
    scope = st.radio("Voor welk gebied?", ["Hele gemeente", "Een of meer wijken"], index=int(wijk_scope),
                     horizontal=True, key=f"{prefix}-scope")
    chosen_wijken = st.multiselect("Wijken", [c for c, _ in wijken] + [c for c in (base.region_codes if base else ())
                                                                       if c.startswith("WK") and c not in wijk_names],
                                   default=[c for c in (base.region_codes if base else ()) if c.startswith("WK")],
                                   format_func=lambda c: wijk_names.get(c, c), key=f"{prefix}-wijken",
                                   placeholder=PICK_MANY, select_all=False,
                                   help="Alleen nodig als u 'Een of meer wijken' kiest.")
    gm = gemeente or next((c for c in (base.region_codes if base else ()) if c.startswith("GM")), "")
    gm = st.text_input("Gemeentecode", value=gm, key=f"{prefix}-gm", disabled=bool(gemeente),
                       help="Bijvoorbeeld GM0995. Wordt ingevuld als er cijfers geladen zijn.")
    period = st.text_input("Periode", value=period_label(base.period_from, base.period_to).replace(" t/m ", "-")
                           if base and (base.period_from or base.period_to) else "alle",
                           key=f"{prefix}-period", help="Een jaar (2024), een reeks jaren (2019-2022) of 'alle'.")
    title = st.text_input("Korte titel", value=base.title if base else "", key=f"{prefix}-title", max_chars=200)
    st.caption("U kunt Markdown gebruiken: **vet**, *schuin*, lijstjes en links die met https:// beginnen.")
    see = st.text_area("Wat zien we?", value=base.what_we_see if base else "", key=f"{prefix}-see",
                       help="Herkennen we deze cijfers in de praktijk? Beschrijf wat er in de cijfers te zien is.")
    why = st.text_area("Verklaring", value=base.explanation if base else "", key=f"{prefix}-why",
                       help="Hoe verklaren we de cijfers (doelgroep, problemen, context)? Feiten, geen politiek oordeel.")
    next_steps = st.text_area("Wat betekent dit / vervolg", value=base.next_steps if base else "",
                              key=f"{prefix}-next", help="Wat betekent dit voor de toekomst en voor de uitvoering?")
    st.markdown("**Links** (bijvoorbeeld een raadsbrief of rapport): een regel per link.")  # the editor has no label
    links = st.data_editor(
        pl.DataFrame([link.to_dict() for link in base.links] if base and base.links else [],
                     schema={"title": pl.String, "url": pl.String, "kind": pl.String}),
        num_rows="dynamic", key=f"{prefix}-links", width="stretch", placeholder="",  # not "None"
        column_config={"title": st.column_config.TextColumn("Titel"),
                       "url": st.column_config.TextColumn("Webadres (https://...)"),
                       "kind": st.column_config.SelectboxColumn("Soort", options=list(LINK_KINDS))})
    c1, c2 = st.columns(2)
    marker_period = c1.text_input("Markering in de grafiek: jaar", value=(base.marker_period or "")[:4] if base else "",
                                  key=f"{prefix}-mp", help="Leeg laten als dit geen gebeurtenis op de tijdlijn is.")
    marker_label = c2.text_input("Markering: kort label", value=base.marker_label or "" if base else "",
                                 key=f"{prefix}-ml", max_chars=60)
    if not st.form_submit_button("Opslaan", type="primary"):
        return None
    try:
        p_from, p_to = parse_period_spec(period)
    except NoteError as exc:
        st.error(escape_text(str(exc)))
        return None
    mp = marker_period.strip()
    rows = links.to_dicts() if isinstance(links, pl.DataFrame) else list(links.to_dict("records"))
    return NoteContent(
        law=law, indicator_id=None if indicator == ALL_OF_LAW else indicator,
        region_codes=tuple(chosen_wijken) if scope != "Hele gemeente" else ((gm,) if gm else ()),
        period_from=p_from, period_to=p_to, title=title, what_we_see=see, explanation=why, next_steps=next_steps,
        links=tuple(Link(r.get("title") or "", r.get("url") or "", r.get("kind") or "other") for r in rows
                    if any(r.values())),
        marker_period=f"{mp}JJ00" if mp.isdigit() and len(mp) == 4 else mp or None, marker_label=marker_label)


def do(action: Callable[..., Note], *args, role, user: str, success: str, scope: str | None = None) -> None:
    """Run one store step (the store checks role and member scope again); show its Dutch message when it
    refuses."""
    try:
        note = action(*args, role=role, user=user, scope=scope)
    except NoteConflict as exc:
        st.session_state[FLASH] = ("error", str(exc))
    except (NoteError, PermissionDenied) as exc:
        st.session_state[FLASH] = ("error", str(exc))
    else:
        st.session_state[f"base-{note.note_id}"] = note.head_revision
        st.session_state[FLASH] = ("success", success)
    st.rerun()


def open_for_review(note_id: str) -> None:
    """A callback (it runs before the tabs exist on the next run): open this note on the list tab."""
    st.session_state[OPEN] = note_id
    st.session_state[TAB_KEY] = TABS["duidingen"]


def note_panel(store: NoteStore, note: Note, *, role, user: str, indicators: dict, gemeente: str,
               wijken: list[tuple[str, str]], scope: str | None = None) -> None:
    """One open note: its version, status actions, editor and history (``scope``: the account's member)."""
    chosen = note.note_id
    # The revision this person started from: kept across reruns so a stale save is refused.
    base_rev = st.session_state.setdefault(f"base-{chosen}", note.head_revision)
    if base_rev != note.head_revision:
        st.warning(f"Er is een nieuwere versie ({note.head_revision}) opgeslagen door "
                   f"{escape_text(note.saved_by)} op "
                   f"{format_when(note.saved_at)}. U werkt nog met versie {base_rev}.")
        if st.button("Nieuwste versie laden"):
            st.session_state[f"base-{chosen}"] = note.head_revision
            st.rerun()
    st.markdown(f"{status_badge(note.head_status)} Versie {note.head_revision}")
    with st.container(border=True):
        render_note(note, show_status=False)
    s = note.head_status
    cols = st.columns(4)
    if s == "draft" and cols[0].button("Klaarzetten voor controle"):
        do(store.submit_for_review, chosen, base_rev, role=role, user=user, scope=scope, success="De duiding staat klaar voor controle.")
    if s == "review":
        if can(role, "publish_note") and not store.may_publish(note, user):
            cols[0].caption("U heeft deze versie geschreven. Een collega controleert en publiceert haar.")
        elif can(role, "publish_note") and cols[0].button("Publiceren", type="primary"):
            do(store.publish, chosen, base_rev, role=role, user=user, scope=scope, success="De duiding is gepubliceerd en voor iedereen zichtbaar.")
        if cols[1].button("Terug naar concept"):
            do(store.back_to_draft, chosen, base_rev, role=role, user=user, scope=scope, success="De duiding is weer een concept.")
    if s != "withdrawn" and can(role, "publish_note") and cols[3].button("Intrekken"):
        do(store.withdraw, chosen, base_rev, role=role, user=user, scope=scope, success="De duiding is ingetrokken. Niemand ziet haar nog bij de cijfers.")
    if s == "withdrawn" and cols[0].button("Heropenen als concept"):
        do(store.reopen, chosen, base_rev, role=role, user=user, scope=scope, success="De duiding is weer een concept.")
    if s != "withdrawn":
        with st.expander("Bewerken"):
            with st.form(f"edit-{chosen}-{base_rev}", enter_to_submit=False):
                edited = content_form(f"edit-{chosen}-{base_rev}", note.content, indicators, gemeente, wijken)
            if edited is not None:
                do(store.update, chosen, base_rev, edited, role=role, user=user, scope=scope, success="Opgeslagen als nieuwe versie.")
    with st.expander("Geschiedenis"):
        history = store.history(chosen, role=role, scope=scope)
        st.dataframe(pl.DataFrame([{"Versie": h.revision, "Wat": CHANGE_LABELS.get(h.change, h.change),
                                    "Door": h.saved_by, "Wanneer": format_when(h.saved_at),
                                    "Status": STATUS_LABELS[h.status]} for h in history]),
                     hide_index=True, width="stretch")
        revs = {h.revision: h for h in history}
        pick = st.selectbox("Bekijk versie", list(revs), key=f"hist-{chosen}", placeholder=PICK_ONE)
        render_note(revs[pick])

