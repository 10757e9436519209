"""Dossier maken: the griffie builds a themed-session dossier, previews it and publishes it.

Thin on purpose: the rules (roles, versions, conflicts, validation) live in store/dossiers.py, the
figures and the view in components/dossier_view.py, the PDF in components/handout.py. Every change is
saved at once as a new version, naming the version it was made on, so two people never overwrite each
other without a message.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import dossier_document, dossier_store, handout
from components import dossier_view as dv
from components.context import warehouse
from components.notes import get_store as get_note_store
from components.session import current_role, current_user
from components.state import PICK_MANY, PICK_ONE
from domain.formatting import date_label
from domain.roles import can
from queries import figures as q
from store.dossiers import (
    COMPARISONS,
    SECTION_KINDS,
    STATUS_LABELS,
    Dossier,
    DossierContent,
    DossierError,
    Section,
    move_section,
    remove_section,
    replace_section,
    with_sections,
)
from store.markdown import escape_text

NEW = "__nieuw__"
EMPTY_TEMPLATE = "__leeg__"
CURRENT = "_dossier_current"
SEEN = "_dossier_seen"  # dossier id -> the version this person last saw on screen

role = current_role()
user = current_user()
st.title("Dossier maken")
if not can(role, "edit_dossier"):
    st.error("Alleen de griffie en beheerders kunnen dossiers maken. Gepubliceerde dossiers staan bij Dossiers.")
    st.stop()

wh = warehouse()
store = dossier_store.get_store()
st.markdown("Maak een dossier voor een themabijeenkomst: kies de cijfers, de wijken en de jaren, schrijf een "
            "inleiding en vragen voor de raad. Bekijk het voorbeeld en publiceer het. Raadsleden zien alleen de "
            "gepubliceerde versie, met de cijfers van het moment van publiceren.")

cat = q.catalogue(wh)
titles = dict(zip(cat["id"].to_list(), cat["title"].to_list(), strict=True))
wijken = q.wijken(wh)
area_names = {wh.gemeente: q.region_name(wh, wh.gemeente),
              **dict(zip(wijken["region_code"].to_list(), wijken["name"].to_list(), strict=True))}
latest = q.latest_year(wh, q.headline_ids(wh), [wh.gemeente])
templates = {t["id"]: t for t in dossier_document.load_templates()}


def _show_error(exc: Exception) -> None:
    st.error(escape_text(str(exc)))  # a conflict message names who saved: their name is not Markdown


def _save(dossier: Dossier, content: DossierContent, done: str) -> None:
    try:
        saved = store.update(dossier.dossier_id, seen_revision, content, role=role, user=user)
    except DossierError as exc:
        _show_error(exc)
        return
    st.session_state[CURRENT] = saved.dossier_id
    st.toast(done)
    st.rerun()


def section_form(prefix: str, base: Section | None) -> Section | None:
    """The fields of one part (inside a form), empty for a new part or filled from ``base`` to edit it;
    returns the part when the form is submitted. Adding and editing share it, so a new kind of part
    (store.dossiers.SECTION_KINDS) needs no second form."""
    ids = st.multiselect("Cijfers (één of een groep)", list(dict.fromkeys([*cat["id"].to_list(),
                                                                          *(base.indicator_ids if base else ())])),
                         default=list(base.indicator_ids) if base else None, key=f"{prefix}_cijfers",
                         format_func=lambda i: titles.get(i, i), max_selections=6, placeholder=PICK_MANY,
                         select_all=False)
    area_options = list(dict.fromkeys([*area_names, *(base.region_codes if base else ())]))
    areas = st.multiselect("Gebieden", area_options, default=list(base.region_codes) if base else [wh.gemeente],
                           key=f"{prefix}_gebieden", format_func=lambda a: area_names.get(a, a), max_selections=6,
                           placeholder=PICK_MANY, select_all=False)
    comparisons = list(COMPARISONS)
    comparison = st.radio("Vergelijken met", comparisons, key=f"{prefix}_vergelijking", horizontal=True,
                          index=comparisons.index(base.comparison) if base else 0, format_func=lambda k: COMPARISONS[k])
    options = sorted({*years, *(y for y in ((base.year_from, base.year_to) if base else ()) if y is not None)})
    if len(options) > 1:
        default = ((base.year_from or options[0]), (base.year_to or options[-1])) if base else \
            (options[max(0, len(options) - 6)], options[-1])
        y_from, y_to = st.select_slider("Jaren", options=options, key=f"{prefix}_jaren", value=default)
    else:
        y_from = y_to = options[0] if options else None
    kinds = list(SECTION_KINDS)
    kind = st.radio("Soort onderdeel", kinds, key=f"{prefix}_soort", format_func=lambda k: SECTION_KINDS[k],
                    index=kinds.index(base.kind) if base and base.kind in kinds else 0)
    sec_title = st.text_input("Kop (leeg: de naam van het cijfer)", value=base.title if base else "",
                              key=f"{prefix}_kop", max_chars=200)
    sec_text = st.text_area("Toelichting van de griffie (mag leeg blijven)", value=base.text if base else "",
                            key=f"{prefix}_tekst", height=90)
    if not st.form_submit_button("Onderdeel opslaan" if base else "Onderdeel toevoegen"):
        return None
    return Section(indicator_ids=tuple(ids), region_codes=tuple(areas), year_from=y_from, year_to=y_to,
                   comparison=comparison, title=sec_title, text=sec_text, kind=kind,
                   breakdown=base.breakdown if base else "")


# -- choose or start a dossier ------------------------------------------------------------------

existing = store.list_dossiers(role=role)
labels = {NEW: "Nieuw dossier"} | {
    d.dossier_id: f"{d.title} ({date_label(d.content.session_date)}, {STATUS_LABELS[d.head_status].lower()})"
    for d in existing}
options = list(labels)
if st.session_state.get(CURRENT) in labels:
    st.session_state["dossier_kies"] = st.session_state.pop(CURRENT)
chosen = st.selectbox("Dossier", options, key="dossier_kies", format_func=lambda k: labels[k], placeholder=PICK_ONE)

if chosen == NEW:
    with st.form("dossier_nieuw", enter_to_submit=False):  # no English "Press Enter to submit form"
        template_id = st.selectbox("Begin met", [EMPTY_TEMPLATE, *templates], key="sjabloon", placeholder=PICK_ONE,
                                   format_func=lambda t: "Een leeg dossier" if t == EMPTY_TEMPLATE
                                   else f"Sjabloon: {templates[t]['title']}")
        session_date = st.date_input("Datum van de bijeenkomst", value=dt.date.today() + dt.timedelta(days=21),
                                     key="nieuw_datum", format="DD-MM-YYYY")
        if st.form_submit_button("Dossier aanmaken", type="primary"):
            if template_id == EMPTY_TEMPLATE:
                content = DossierContent(title="Nieuw dossier", session_date=session_date.isoformat())
            else:
                content = dossier_document.from_template(templates[template_id], gemeente=wh.gemeente,
                                           wijken=wijken["region_code"].to_list(), latest_year=latest,
                                           session_date=session_date.isoformat())
            try:
                created = store.create(content, role=role, user=user)
            except DossierError as exc:
                _show_error(exc)
            else:
                st.session_state[CURRENT] = created.dossier_id
                st.rerun()
    st.stop()

dossier = store.get(chosen, role=role)
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

tab_edit, tab_preview, tab_publish = st.tabs(["Bewerken", "Voorbeeld", "Publiceren"])
years = q.years(wh, cat["id"].to_list(), [wh.gemeente]) or ([latest] if latest else [])

with tab_edit:
    with st.form("dossier_gegevens", enter_to_submit=False):
        title = st.text_input("Titel", value=c.title, max_chars=200, key="d_titel")
        session_date = st.date_input("Datum van de bijeenkomst", value=dt.date.fromisoformat(c.session_date),
                                     key="d_datum", format="DD-MM-YYYY")
        theme = st.text_input("Thema", value=c.theme, max_chars=200, key="d_thema")
        intro = st.text_area("Inleiding", value=c.introduction, height=160, key="d_inleiding",
                             help="U kunt **vet**, *schuin*, lijstjes en links gebruiken (Markdown).")
        questions = st.text_area("Vragen voor de raad (één vraag per regel)", value="\n".join(c.questions),
                                 height=140, key="d_vragen")
        if st.form_submit_button("Gegevens opslaan", type="primary"):
            _save(dossier, DossierContent(title=title, session_date=session_date.isoformat(), theme=theme,
                                          introduction=intro, questions=tuple(questions.splitlines()),
                                          sections=c.sections), "De gegevens zijn opgeslagen.")

    st.subheader("Onderdelen")
    if not c.sections:
        st.info("Dit dossier heeft nog geen onderdelen. Voeg hieronder een onderdeel toe.")
    for i, section in enumerate(c.sections):
        with st.container(border=True):
            head, up, down, remove = st.columns([8, 1, 1, 1], vertical_alignment="center")
            head.markdown(f"**{i + 1}. {escape_text(dossier_document.section_heading(wh, section))}**  \n"
                          f"{escape_text(dossier_document._areas_label(wh, section))} · {dossier_document.years_label(section)}"
                          + (" · alleen duiding" if section.kind == "notes" else ""))
            if up.button("", key=f"sec-op-{i}", icon=":material/arrow_upward:", help="Naar boven",
                         disabled=i == 0):
                _save(dossier, with_sections(c, move_section(c.sections, i, -1)), "Het onderdeel is verplaatst.")
            if down.button("", key=f"sec-neer-{i}", icon=":material/arrow_downward:", help="Naar beneden",
                           disabled=i == len(c.sections) - 1):
                _save(dossier, with_sections(c, move_section(c.sections, i, 1)), "Het onderdeel is verplaatst.")
            if remove.button("", key=f"sec-weg-{i}", icon=":material/delete:", help="Verwijderen"):
                _save(dossier, with_sections(c, remove_section(c.sections, i)), "Het onderdeel is verwijderd.")
            with st.expander("Onderdeel bewerken"):
                # Keyed by version: after any save the form shows the saved values, not stale typing.
                with st.form(f"onderdeel-{i}-v{dossier.head_revision}", enter_to_submit=False):
                    edited = section_form(f"e{i}_v{dossier.head_revision}", section)
                if edited is not None:
                    _save(dossier, with_sections(c, replace_section(c.sections, i, edited)),
                          "Het onderdeel is opgeslagen.")

    st.subheader("Onderdeel toevoegen")
    with st.form("onderdeel_nieuw", clear_on_submit=True, enter_to_submit=False):
        new = section_form("o", None)
    if new is not None:
        _save(dossier, with_sections(c, (*c.sections, new)), "Het onderdeel is toegevoegd.")

with tab_preview:
    st.caption("Zo ziet een raadslid het dossier, met de cijfers en de gepubliceerde duiding van nu.")
    st.title(escape_text(c.title))
    notes_now = dossier_document.published_notes(wh, get_note_store(), c)
    dv.render_dossier(wh, c, notes_now, key="voorbeeld")

with tab_publish:
    st.markdown(f"Bij publiceren legt de monitor de cijfers vast van datarelease **{dossier_document.release_label(wh)}**, "
                "met de gepubliceerde duiding van dit moment. Raadsleden zien die versie tot u opnieuw publiceert.")
    if can(role, "publish_dossier"):
        if st.button("Publiceren", type="primary", key="publiceren", icon=":material/publish:",
                     disabled=not c.sections):
            try:
                published = dossier_store.publish(store, get_note_store(), wh, dossier, role=role, user=user,
                                       expected_revision=seen_revision)
            except (DossierError, RuntimeError) as exc:
                _show_error(exc)
            else:
                st.session_state[CURRENT] = published.dossier_id
                st.rerun()
        if dossier.published_revision and st.button("Intrekken", key="intrekken", icon=":material/unpublished:"):
            try:
                store.withdraw(dossier.dossier_id, seen_revision, role=role, user=user)
            except DossierError as exc:
                _show_error(exc)
            else:
                st.session_state[CURRENT] = dossier.dossier_id
                st.rerun()
    if dossier.published_revision:
        st.success(f"Gepubliceerd (versie {dossier.published_revision}). Vaste link voor de raad:")
        st.page_link("app_pages/dossiers.py", label=f"Dossiers › {escape_text(c.title)}", icon=":material/link:",
                     query_params={"dossier": dossier.link_key})
        st.code(f"?dossier={dossier.link_key}", language=None)
    st.download_button("Voorbeeld als PDF", key="voorbeeld-pdf", on_click="ignore", mime="application/pdf",
                       icon=":material/picture_as_pdf:", file_name=handout.handout_filename(c),
                       data=lambda: handout.build_handout(wh, c, dossier_document.published_notes(wh, get_note_store(), c)))
