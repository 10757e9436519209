"""The dossier editor of *Dossier maken*: the details form, the parts (move, remove, edit, add) and the
publish panel of one dossier. Every rule (roles, conflicts, validation) lives in store/dossiers.py and
components/dossier_store.py, which check the role again on every write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from components import dossier_document, dossier_store, handout
from components.dossier_view import dossier_link
from components.notes import get_store as get_note_store
from components.state import PICK_MANY
from domain.roles import PermissionDenied, can
from queries import Warehouse
from store.dossiers import (
    COMPARISONS,
    SECTION_KINDS,
    Dossier,
    DossierContent,
    DossierError,
    DossierStore,
    Section,
    move_section,
    remove_section,
    replace_section,
    with_sections,
)
from store.markdown import escape_text

CURRENT = "_dossier_current"  # a dossier to open on the next run (set before its selectbox exists)


def show_error(exc: Exception) -> None:
    st.error(escape_text(str(exc)))  # a conflict message names who saved: their name is not Markdown


@dataclass
class Editor:
    """One open dossier and what its forms offer. A change names ``seen_revision``, the version that was
    on screen when the person clicked: when a colleague saved in between, the store refuses it."""

    wh: Warehouse
    store: DossierStore
    role: object
    user: str
    dossier: Dossier
    seen_revision: int
    indicator_ids: list[str]
    titles: dict[str, str]
    area_names: dict[str, str]
    years: list[int]
    scope: str | None = None  # the account's member municipality (the store checks it on every write)

    @property
    def c(self) -> DossierContent:
        return self.dossier.content

    def save(self, content: DossierContent, done: str) -> None:
        try:
            saved = self.store.update(self.dossier.dossier_id, self.seen_revision, content, role=self.role,
                                      user=self.user, scope=self.scope)
        except (DossierError, PermissionDenied) as exc:
            show_error(exc)
            return
        st.session_state[CURRENT] = saved.dossier_id
        st.toast(done)
        st.rerun()

    def section_form(self, prefix: str, base: Section | None) -> Section | None:
        """The fields of one part (inside a form), empty for a new part or filled from ``base`` to edit it;
        returns the part when the form is submitted. Adding and editing share it, so a new kind of part
        (store.dossiers.SECTION_KINDS) needs no second form."""
        ids = st.multiselect("Cijfers (één of een groep)", list(dict.fromkeys([*self.indicator_ids,
                                                                              *(base.indicator_ids if base else ())])),
                             default=list(base.indicator_ids) if base else None, key=f"{prefix}_cijfers",
                             format_func=lambda i: self.titles.get(i, i), max_selections=6, placeholder=PICK_MANY,
                             select_all=False)
        area_options = list(dict.fromkeys([*self.area_names, *(base.region_codes if base else ())]))
        areas = st.multiselect("Gebieden", area_options, default=list(base.region_codes) if base else [self.wh.gemeente],
                               key=f"{prefix}_gebieden", format_func=lambda a: self.area_names.get(a, a), max_selections=6,
                               placeholder=PICK_MANY, select_all=False)
        comparisons = list(COMPARISONS)
        comparison = st.radio("Vergelijken met", comparisons, key=f"{prefix}_vergelijking", horizontal=True,
                              index=comparisons.index(base.comparison) if base else 0, format_func=lambda k: COMPARISONS[k])
        options = sorted({*self.years, *(y for y in ((base.year_from, base.year_to) if base else ()) if y is not None)})
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

    def details_form(self) -> None:
        with st.form("dossier_gegevens", enter_to_submit=False):
            title = st.text_input("Titel", value=self.c.title, max_chars=200, key="d_titel")
            session_date = st.date_input("Datum van de bijeenkomst", value=dt.date.fromisoformat(self.c.session_date),
                                         key="d_datum", format="DD-MM-YYYY")
            theme = st.text_input("Thema", value=self.c.theme, max_chars=200, key="d_thema")
            intro = st.text_area("Inleiding", value=self.c.introduction, height=160, key="d_inleiding",
                                 help="U kunt **vet**, *schuin*, lijstjes en links gebruiken (Markdown).")
            questions = st.text_area("Vragen voor de raad (één vraag per regel)", value="\n".join(self.c.questions),
                                     height=140, key="d_vragen")
            if st.form_submit_button("Gegevens opslaan", type="primary"):
                self.save(DossierContent(title=title, session_date=session_date.isoformat(), theme=theme,
                                              introduction=intro, questions=tuple(questions.splitlines()),
                                              sections=self.c.sections), "De gegevens zijn opgeslagen.")

    def parts(self) -> None:
        st.subheader("Onderdelen")
        if not self.c.sections:
            st.info("Dit dossier heeft nog geen onderdelen. Voeg hieronder een onderdeel toe.")
        for i, section in enumerate(self.c.sections):
            with st.container(border=True):
                head, up, down, remove = st.columns([8, 1, 1, 1], vertical_alignment="center")
                head.markdown(f"**{i + 1}. {escape_text(dossier_document.section_heading(self.wh, section))}**  \n"
                              f"{escape_text(dossier_document._areas_label(self.wh, section))} · {dossier_document.years_label(section)}"
                              + (" · alleen duiding" if section.kind == "notes" else ""))
                if up.button("", key=f"sec-op-{i}", icon=":material/arrow_upward:", help="Naar boven",
                             disabled=i == 0):
                    self.save(with_sections(self.c, move_section(self.c.sections, i, -1)), "Het onderdeel is verplaatst.")
                if down.button("", key=f"sec-neer-{i}", icon=":material/arrow_downward:", help="Naar beneden",
                               disabled=i == len(self.c.sections) - 1):
                    self.save(with_sections(self.c, move_section(self.c.sections, i, 1)), "Het onderdeel is verplaatst.")
                if remove.button("", key=f"sec-weg-{i}", icon=":material/delete:", help="Verwijderen"):
                    self.save(with_sections(self.c, remove_section(self.c.sections, i)), "Het onderdeel is verwijderd.")
                with st.expander("Onderdeel bewerken"):
                    # Keyed by version: after any save the form shows the saved values, not stale typing.
                    with st.form(f"onderdeel-{i}-v{self.dossier.head_revision}", enter_to_submit=False):
                        edited = self.section_form(f"e{i}_v{self.dossier.head_revision}", section)
                    if edited is not None:
                        self.save(with_sections(self.c, replace_section(self.c.sections, i, edited)),
                              "Het onderdeel is opgeslagen.")

        st.subheader("Onderdeel toevoegen")
        with st.form("onderdeel_nieuw", clear_on_submit=True, enter_to_submit=False):
            new = self.section_form("o", None)
        if new is not None:
            self.save(with_sections(self.c, (*self.c.sections, new)), "Het onderdeel is toegevoegd.")

    def publish_panel(self) -> None:
        st.markdown(f"Bij publiceren legt de monitor de cijfers vast van datarelease **{dossier_document.release_label(self.wh)}**, "
                    "met de gepubliceerde duiding van dit moment. Raadsleden zien die versie tot u opnieuw publiceert.")
        if can(self.role, "publish_dossier"):
            if st.button("Publiceren", type="primary", key="publiceren", icon=":material/publish:",
                         disabled=not self.c.sections):
                try:
                    published = dossier_store.publish(self.store, get_note_store(), self.wh, self.dossier, role=self.role, user=self.user,
                                           expected_revision=self.seen_revision, scope=self.scope)
                except (DossierError, RuntimeError, PermissionDenied) as exc:
                    show_error(exc)
                else:
                    st.session_state[CURRENT] = published.dossier_id
                    st.rerun()
            if self.dossier.published_revision and st.button("Intrekken", key="intrekken", icon=":material/unpublished:"):
                try:
                    self.store.withdraw(self.dossier.dossier_id, self.seen_revision, role=self.role, user=self.user,
                                        scope=self.scope)
                except (DossierError, PermissionDenied) as exc:
                    show_error(exc)
                else:
                    st.session_state[CURRENT] = self.dossier.dossier_id
                    st.rerun()
        if self.dossier.published_revision:
            st.success(f"Gepubliceerd (versie {self.dossier.published_revision}). Vaste link voor de raad:")
            st.page_link("app_pages/dossiers.py", label=f"Dossiers › {escape_text(self.c.title)}", icon=":material/link:",
                         query_params={"dossier": self.dossier.link_key})
            st.code(dossier_link(self.dossier.link_key), language=None)
        st.download_button("Voorbeeld als PDF", key="voorbeeld-pdf", on_click="ignore", mime="application/pdf",
                           icon=":material/picture_as_pdf:", file_name=handout.handout_filename(self.c),
                           data=lambda: handout.build_handout(self.wh, self.c, dossier_document.published_notes(self.wh, get_note_store(), self.c)))
