"""Duiding schrijven: civil servants write, review, publish and withdraw interpretation notes.

Thin on purpose: every rule (roles, workflow, conflicts, validation) lives in store/notes.py; this page
only collects input and shows the store's Dutch messages; the form and the open note are in components/note_editor.py.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from components import note_editor as ed
from components import pickers, state
from components.notes import get_store
from components.session import member_scope, page_for
from components.signals_view import scoped_content
from components.state import PICK_ONE
from domain.formatting import law_label
from domain.roles import PermissionDenied
from store.markdown import escape_text
from store.notes import LAWS, STATUS_LABELS, NoteError, format_when
from warehouse import catalogue

role, user = page_for("write_note", "Duiding schrijven",
                      "Alleen ambtenaren en beheerders kunnen duiding schrijven. U kunt de duiding lezen bij de cijfers.")

store = get_store()
scope = member_scope()  # in a region: the account's member (its notes only); the store checks it again
indicators = {e["id"]: e for e in catalogue.load().entries}
gemeente, wijken = ed.area()


def _indicator_label(indicator_id: str | None) -> str:
    return ed.indicator_label(indicators, indicator_id)


flash = st.session_state.pop(ed.FLASH, None)
if flash:
    # The store's messages are plain text; a conflict names who saved, and a name is not Markdown.
    (st.success if flash[0] == "success" else st.error)(escape_text(flash[1]))

waiting = store.pending_review(role=role, scope=scope)
# A link from a signal (?nieuw=<indicator>&gebied=..&periode=..) opens a new note scoped to it.
scoped = scoped_content(st.query_params, indicators)
tab_review, tab_list, tab_new, tab_io = state.url_tabs(ed.TABS, ed.TAB_KEY, default="nieuw" if scoped else None)

with tab_review:
    if not waiting:
        st.info("Er wachten geen duidingen op review.")
    else:
        st.markdown(f"**{len(waiting)}** {'duiding staat' if len(waiting) == 1 else 'duidingen staan'} klaar voor "
                    "controle. Open er een om haar te lezen en te publiceren"
                    + (" of terug te zetten. U kunt geen duiding publiceren die u zelf heeft geschreven."
                       if store.four_eyes else " of terug te zetten."))
    for n in waiting:
        with st.container(border=True):
            text, action = st.columns([5, 1], vertical_alignment="center")
            text.markdown(f"**{escape_text(n.content.title or '(zonder titel)')}** · "
                          f"{escape_text(_indicator_label(n.content.indicator_id))} · "
                          f"{escape_text(n.period_label)}  \n"
                          f"Klaargezet door {escape_text(n.saved_by)} op {format_when(n.saved_at)} · "
                          f"geschreven door {escape_text(n.written_by)}")
            # A callback runs before the tabs exist on the next run, so it may choose the tab and the note.
            action.button("Openen", key=f"review-open-{n.note_id}", on_click=ed.open_for_review, args=(n.note_id,))

with tab_list:
    f1, f2, f3 = st.columns(3)
    law_filter = f1.selectbox("Wet", [None, *LAWS], format_func=lambda v: "Alle" if v is None else law_label(v),
                              placeholder=PICK_ONE)
    status_filter = f2.selectbox("Status", [None, *STATUS_LABELS], placeholder=PICK_ONE,
                                 format_func=lambda v: "Alle" if v is None else STATUS_LABELS[v])
    ind_options = [None] + sorted((i for i, e in indicators.items() if law_filter in (None, e["law"])),
                                  key=lambda i: indicators[i]["title"])
    ind_filter = f3.selectbox("Cijfer", ind_options, placeholder=PICK_ONE,
                              format_func=lambda v: "Alle" if v is None else _indicator_label(v))
    notes = store.list_notes(role=role, law=law_filter, indicator_id=ind_filter, status=status_filter, scope=scope)
    if not notes:
        st.info("Er zijn geen duidingen die aan deze keuze voldoen.")
    else:
        st.dataframe(pl.DataFrame([{
            "Titel": n.content.title or "(zonder titel)", "Cijfer": _indicator_label(n.content.indicator_id),
            "Periode": n.period_label, "Status": STATUS_LABELS[n.head_status], "Versie": n.head_revision,
            "Laatst opgeslagen": f"{n.saved_by}, {format_when(n.saved_at)}"} for n in notes]),
            hide_index=True, width="stretch",  # fixed widths: every column fits, long titles end in "..."
            column_config={"Titel": st.column_config.TextColumn(width="medium"),
                           "Cijfer": st.column_config.TextColumn(width="medium")})
        by_id = {n.note_id: n for n in notes}
        opened = st.session_state.pop(ed.OPEN, None)
        if opened in by_id:  # a note just created or opened for review (set before the widget exists)
            st.session_state[ed.CHOSEN] = opened
            st.query_params[ed.CHOSEN] = opened
        chosen = state.url_select("Open een duiding", list(by_id), ed.CHOSEN,
                                  format_func=lambda i: f"{by_id[i].content.title or '(zonder titel)'} · "
                                                        f"{_indicator_label(by_id[i].content.indicator_id)} · "
                                                        f"{STATUS_LABELS[by_id[i].head_status]}",
                                  default_in_url=False)
        ed.note_panel(store, by_id[chosen], role=role, user=user, indicators=indicators, gemeente=gemeente,
                      wijken=wijken, scope=scope)

with tab_new:
    # A fresh key after every save: the browser keeps a form's typed values for as long as its widgets
    # keep their keys, and then the next note would start with (and silently keep) this note's text.
    generation = st.session_state.setdefault("notes-new-generation", 0)
    with st.form(f"new-note-{generation}", enter_to_submit=False):
        new = ed.content_form(f"new-{generation}", scoped, indicators, gemeente, wijken)
    if new is not None:
        try:
            created = store.create(new, role=role, user=user, scope=scope)
        except (NoteError, PermissionDenied) as exc:
            st.error(escape_text(str(exc)))
        else:
            st.session_state[ed.FLASH] = ("success", "De duiding is opgeslagen als concept.")
            st.session_state[ed.OPEN] = created.note_id
            st.session_state["notes-new-generation"] = generation + 1
            st.rerun()

with tab_io:
    if scope:  # an export holds every member's drafts
        st.info("Exporteren en importeren kan alleen een account van de hele installatie: een export bevat de "
                "duidingen van alle gemeenten.")
        st.stop()
    st.markdown("Een export bevat alle duidingen met alle versies, ook concepten en ingetrokken duidingen. "
                "Gebruik hem als reservekopie of om de duiding mee te nemen naar een nieuw jaar. Bij inlezen "
                "komt u als schrijver en publiceerder bij de versies te staan die het bestand toevoegt: de namen "
                "in een bestand kan de monitor niet controleren.")
    st.download_button("Alle duidingen downloaden (JSON)", data=store.export_json(role=role, user=user, scope=scope),
                       file_name=f"duidingen-{dt.date.today():%Y-%m-%d}.json", mime="application/json")
    upload = st.file_uploader("Export inlezen", type=["json"],
                              help=pickers.upload_help("Versies die er al zijn worden overgeslagen. Een fout bestand "
                                                       "wordt geweigerd."))
    if upload is not None and st.button("Inlezen"):
        try:
            report = store.import_json(upload.getvalue(), role=role, user=user, scope=scope)
        except NoteError as exc:
            st.error(escape_text(str(exc)))
        else:
            st.success("Ingelezen: " + report.summary())
