"""Dossier maken: the griffie builds a themed-session dossier, previews it and publishes it.

Thin on purpose: the rules (roles, versions, conflicts, validation) live in store/dossiers.py, the
figures and the view in components/dossier_view.py, the PDF in components/handout.py. Every change is
saved at once as a new version, naming the version it was made on, so two people never overwrite each
other without a message.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import dossier_document, dossier_store, state
from components import dossier_editor as ed
from components import dossier_view as dv
from components.context import warehouse
from components.notes import get_store as get_note_store
from components.session import member_scope, page_for
from components.state import PICK_ONE
from domain.formatting import date_label
from domain.roles import PermissionDenied
from queries import figures as q
from store.dossiers import STATUS_LABELS, DossierContent, DossierError
from store.markdown import escape_text

NEW = "__nieuw__"
EMPTY_TEMPLATE = "__leeg__"
SEEN = "_dossier_seen"  # dossier id -> the version this person last saw on screen

role, user = page_for("edit_dossier", "Dossier maken",
                      "Alleen de griffie en beheerders kunnen dossiers maken. Gepubliceerde dossiers staan bij Dossiers.")

wh = warehouse()
store = dossier_store.get_store()
scope = member_scope()  # in a region: the account's member, whose council's dossiers it builds (checked in the store)
REGION = "__regio__"
st.markdown("Maak een dossier voor een themabijeenkomst: kies de cijfers, de wijken en de jaren, schrijf een "
            "inleiding en vragen voor de raad. Bekijk het voorbeeld en publiceer het. Raadsleden zien alleen de "
            "gepubliceerde versie, met de cijfers van het moment van publiceren.")

cat = q.catalogue(wh)
titles = dict(zip(cat["id"].to_list(), cat["title"].to_list(), strict=True))


def _areas(wh) -> tuple:
    """The member's wijken and the names of its areas (the municipality and its wijken)."""
    found = q.wijken(wh)
    return found, {wh.gemeente: q.region_name(wh, wh.gemeente),
                   **dict(zip(found["region_code"].to_list(), found["name"].to_list(), strict=True))}


wijken, area_names = _areas(wh)
latest = q.latest_year(wh, q.headline_ids(wh), [wh.gemeente])
templates = {t["id"]: t for t in dossier_document.load_templates()}


# -- choose or start a dossier ------------------------------------------------------------------

existing = store.list_dossiers(role=role, scope=scope)
labels = {NEW: "Nieuw dossier"} | {
    d.dossier_id: f"{d.title} ({date_label(d.content.session_date)}, {STATUS_LABELS[d.head_status].lower()})"
    for d in existing}
options = list(labels)
if st.session_state.get(ed.CURRENT) in labels:  # just created or saved: open it (set before the widget exists)
    st.session_state["dossier_kies"] = st.query_params["dossier_kies"] = st.session_state.pop(ed.CURRENT)
chosen = state.url_select("Dossier", options, "dossier_kies", format_func=lambda k: labels[k])

if chosen == NEW:
    with st.form("dossier_nieuw", enter_to_submit=False):  # no English "Press Enter to submit form"
        template_id = st.selectbox("Begin met", [EMPTY_TEMPLATE, *templates], key="sjabloon", placeholder=PICK_ONE,
                                   format_func=lambda t: "Een leeg dossier" if t == EMPTY_TEMPLATE
                                   else f"Sjabloon: {templates[t]['title']}")
        session_date = st.date_input("Datum van de bijeenkomst", value=dt.date.today() + dt.timedelta(days=21),
                                     key="nieuw_datum", format="DD-MM-YYYY")
        # A region: for which council (a whole-installation account may also make one for the region).
        council = scope or (st.selectbox("Voor de raad van", [wh.gemeente, REGION], key="nieuw_raad",
                                         placeholder=PICK_ONE,
                                         format_func=lambda g: "De hele regio" if g == REGION else wh.member_name(g))
                            if wh.is_region else None)
        if st.form_submit_button("Dossier aanmaken", type="primary"):
            if template_id == EMPTY_TEMPLATE:
                content = DossierContent(title="Nieuw dossier", session_date=session_date.isoformat())
            else:
                content = dossier_document.from_template(templates[template_id], gemeente=wh.gemeente,
                                           wijken=wijken["region_code"].to_list(), latest_year=latest,
                                           session_date=session_date.isoformat())
            try:
                created = store.create(content, role=role, user=user, scope=scope,
                                       gemeente=None if council == REGION else council)
            except (DossierError, PermissionDenied) as exc:
                ed.show_error(exc)
            else:
                st.session_state[ed.CURRENT] = created.dossier_id
                st.rerun()
    st.stop()

dossier = store.get(chosen, role=role, scope=scope)
if (member_wh := dossier_store.dossier_warehouse(wh, dossier)) is not wh:  # the figures of the member it is for
    wh = member_wh
    wijken, area_names = _areas(wh)
c = dossier.content
# A change names the version that was on screen when the person clicked, not the newest one: when a
# colleague saved in between, the store refuses with a message instead of silently overwriting.
seen = st.session_state.setdefault(SEEN, {})
seen_revision = seen.get(dossier.dossier_id, dossier.head_revision)
seen[dossier.dossier_id] = dossier.head_revision
status = STATUS_LABELS[dossier.head_status]
st.caption(f"Versie {dossier.head_revision} · {status} · laatst opgeslagen door {escape_text(dossier.saved_by)} "
           f"op {date_label(dossier.saved_at)}"
           + (f" · gepubliceerd: versie {dossier.published_revision}" if dossier.published_revision else ""))

# The tab lives in the URL (?dossier-tab=voorbeeld), as does the open dossier (?dossier_kies=<id>): the
# page needs an editing role and the store checks the role on every read and write.
tab_edit, tab_preview, tab_publish = state.url_tabs(
    {"bewerken": "Bewerken", "voorbeeld": "Voorbeeld", "publiceren": "Publiceren"}, "dossier-tab")
years = q.years(wh, cat["id"].to_list(), [wh.gemeente]) or ([latest] if latest else [])
editor = ed.Editor(wh, store, role, user, dossier, seen_revision, cat["id"].to_list(), titles, area_names, years,
                   scope)

with tab_edit:
    editor.details_form()
    editor.parts()

with tab_preview:
    st.caption("Zo ziet een raadslid het dossier, met de cijfers en de gepubliceerde duiding van nu.")
    st.title(escape_text(c.title))
    notes_now = dossier_document.published_notes(wh, get_note_store(), c)
    dv.render_dossier(wh, c, notes_now, key="voorbeeld")

with tab_publish:
    editor.publish_panel()
