"""Example content for the demo: notes that explain its figures, two markers, a published dossier.

Without it every panel of a fresh demo says "Er is nog geen duiding geschreven" and a visitor cannot see
what the monitor is for. Seeded once into the user store when a demo release is first opened
(:func:`ensure`); never in a real setup. The texts are about the demo's made-up municipality.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging

import streamlit as st

from components import dossier_document, dossier_store
from domain.roles import Role
from queries import Warehouse
from queries import figures as q
from store.dossiers import DossierStore
from store.notes import NoteContent, NoteStore

log = logging.getLogger(__name__)

WRITER, REVIEWER, GRIFFIER = "demo-ambtenaar", "demo-beheerder", "demo-griffie"
DOSSIER_TEMPLATE = "ouderen-zelfstandig-thuis"
_SEEDED = "_msd_demo_content_seeded"  # session key: the release whose demo content was looked at
STATIONSKWARTIER = "WK999009"


def _notes(gm: str, last: int) -> list[tuple[NoteContent, bool]]:
    """(content, publish?) pairs. Drafts stay drafts, so the work list has something to do."""
    y = f"{last}JJ00"
    return [
        (NoteContent(
            law="jeugd", indicator_id="youth_care_pct", region_codes=(STATIONSKWARTIER,), period_from=y, period_to=y,
            title="Veel jeugdhulp in Stationskwartier",
            what_we_see="In Stationskwartier krijgt bijna een op de vijf jongeren jeugdhulp: meer dan in elke "
                        "vergelijkbare gemeente. Het wijkteam herkent dit: er wonen veel jonge gezinnen met weinig "
                        "geld en krappe woningen.",
            explanation="Een groot deel is lichte hulp via het wijkteam. De huisartsen in de wijk verwijzen ook vaker "
                        "naar jeugd-ggz dan elders in de gemeente.",
            next_steps="Het college zet in 2026 een praktijkondersteuner jeugd in bij de huisartsen van de wijk. In het "
                       "najaar komt een evaluatie naar de raad."), True),
        (NoteContent(
            law="jeugd", indicator_id="jeugd_reg_clients", region_codes=(STATIONSKWARTIER,), period_from=y, period_to=y,
            title="Meer jeugdhulp dan de leeftijd van de inwoners doet verwachten",
            what_we_see="Ook als we rekening houden met het aantal kinderen in de wijk, krijgen meer jongeren hulp "
                        "dan verwacht.",
            explanation="Leeftijd verklaart niet alles: het inkomen en de woonsituatie in de wijk tellen ook mee. Die "
                        "zitten niet in de verwachting.",
            next_steps="Zie de duiding bij 'Jongeren met jeugdhulp': de aanpak met de huisartsen."), True),
        (NoteContent(
            law="wmo", indicator_id="wmo_reg_requests", region_codes=(gm,), period_from=y, period_to=y,
            title="Minder meldingen in het laatste kwartaal",
            what_we_see="In het vierde kwartaal lijkt het aantal meldingen voor Wmo-hulp te halveren.",
            explanation="Meldingen van december worden vaak pas in januari ingevoerd. Het kwartaal is dus nog niet "
                        "compleet; dat is geen echte daling.",
            next_steps="Bij de volgende levering van de registratie kijken we opnieuw. Het team Wmo voert meldingen "
                       "voortaan binnen een week in."), True),
        # The notes of the published dossier "Ouderen zelfstandig thuis": every question answered.
        (NoteContent(
            law="wmo", indicator_id="wmo_clients_per_1000", region_codes=(gm,), period_from=y, period_to=y,
            title="Meer Wmo-maatwerk, maar minder dan elders",
            what_we_see="Elk jaar krijgen meer inwoners Wmo-maatwerk. Toch zijn het er minder per 1.000 inwoners "
                        "dan in Nederland en in vergelijkbare gemeenten.",
            explanation="Lindewaard heeft veel algemene voorzieningen, zoals de wijkbus en de was- en strijkservice. "
                        "Wie daar hulp krijgt, heeft geen maatwerk nodig. De groei komt vooral door meer inwoners "
                        "boven de 75 jaar.",
            next_steps="Het college breidt de algemene voorzieningen uit naar de buitenwijken. De raad krijgt in het "
                       "najaar een overzicht van wat dat kost en oplevert."), True),
        (NoteContent(
            law="context", indicator_id="pct_65plus", region_codes=(gm,), period_from=y, period_to=y,
            title="Ouderen wonen vooral in Beekdal en Bosrand",
            what_we_see="In Beekdal en Bosrand is twee op de vijf inwoners 65 jaar of ouder. In de hele gemeente is "
                        "dat een op de vier.",
            explanation="Deze wijken zijn in de jaren zeventig gebouwd. Veel eerste bewoners wonen er nog.",
            next_steps="Het wijkteam en de woningcorporatie kijken samen welke woningen geschikt te maken zijn "
                       "voor ouderen."), True),
        (NoteContent(
            law="wmo", indicator_id="wmo_reg_wait_median", region_codes=(gm,), period_from=y, period_to=y,
            title="Korter wachten op een besluit",
            what_we_see="Inwoners wachten korter op een besluit over hun Wmo-aanvraag dan een paar jaar geleden.",
            explanation="Sinds 2022 doet één consulent het gesprek en het besluit. Eenvoudige aanvragen, zoals een "
                        "scootmobiel, gaan via een snelle route.",
            next_steps="Het doel is dat bijna niemand langer wacht dan de wettelijke termijn. De raad hoort elk "
                       "half jaar hoe het gaat."), True),
        (NoteContent(
            law="wmo", indicator_id="mantelzorgers_pct", region_codes=(gm,), period_from=y, period_to=y,
            title="Iets minder mantelzorgers dan in Nederland",
            what_we_see="Bijna een op de vijf inwoners geeft mantelzorg. Dat is iets minder dan in Nederland.",
            explanation="De gezondheidsmonitor vraagt dit eens in de vier jaar. Het verschil met Nederland is klein "
                        "en kan toeval zijn.",
            next_steps="Het steunpunt mantelzorg vraagt dit jaar zelf aan mantelzorgers wat zij nodig hebben. De "
                       "uitkomst komt in de volgende themabijeenkomst."), True),
        (NoteContent(
            law="participatie", indicator_id="bijstand_reg_outflow", region_codes=(gm,), period_from=y, period_to=y,
            title="Uitstroom uit de bijstand blijft achter",
            what_we_see="Minder mensen stromen uit de bijstand naar werk dan het doel vraagt.",
            explanation="Nog in te vullen door het team Werk en Inkomen."), False),
        (NoteContent(
            law="wmo", indicator_id=None, region_codes=(gm,), title="Abonnementstarief Wmo",
            explanation="Sinds 2019 betaalt iedereen met Wmo-hulp dezelfde lage eigen bijdrage per maand. Daarna "
                        "vroegen meer mensen hulp bij het huishouden aan.",
            marker_period="2019JJ00", marker_label="2019 abonnementstarief"), True),
        (NoteContent(
            law="jeugd", indicator_id=None, region_codes=(gm,), period_from="2022JJ00", period_to="2022JJ00",
            title="Nieuw woonplaatsbeginsel", what_we_see="Vanaf 2022 telt een jongere mee bij de gemeente waar hij "
                                                            "of zij woont, ook bij verblijf elders.",
            explanation="Daardoor zijn de jeugdcijfers van voor en na 2022 niet helemaal te vergelijken.",
            marker_period="2022JJ00", marker_label="2022 woonplaatsbeginsel"), True),
    ]


def _already_seeded(notes: NoteStore) -> bool:
    return any(n.created_by == WRITER for n in notes.list_notes(role=Role.BEHEERDER))


def seed(wh: Warehouse, notes: NoteStore, dossiers: DossierStore) -> int:
    """Write the demo's notes and dossier into an empty store; returns how many notes were written."""
    if _already_seeded(notes):
        return 0
    last = q.latest_year(wh, q.headline_ids(wh), [wh.gemeente]) or dt.date.today().year
    written = 0
    for content, publish in _notes(wh.gemeente, last):
        note = notes.create(content, role=Role.AMBTENAAR, user=WRITER)
        written += 1
        if publish:  # written by one person, published by another (four eyes)
            note = notes.submit_for_review(note.note_id, note.head_revision, role=Role.AMBTENAAR, user=WRITER)
            notes.publish(note.note_id, note.head_revision, role=Role.BEHEERDER, user=REVIEWER)
    template = next(t for t in dossier_document.load_templates() if t["id"] == DOSSIER_TEMPLATE)
    content = dossier_document.from_template(template, gemeente=wh.gemeente, wijken=q.wijken(wh)["region_code"].to_list(),
                                         latest_year=last, session_date=f"{last + 1}-03-12")
    dossier = dossiers.create(content, role=Role.GRIFFIE, user=GRIFFIER)
    dossier_store.publish(dossiers, notes, wh, dossier, role=Role.GRIFFIE, user=GRIFFIER)
    return written


def ensure(wh: Warehouse) -> None:
    """Seed the demo content once (demo releases only); a failure is logged, never shown to a visitor.
    Looked at once per browser session and release."""
    if not wh.is_demo or st.session_state.get(_SEEDED) == wh.release.id:
        return
    st.session_state[_SEEDED] = wh.release.id
    from components.notes import get_store as note_store

    try:
        lock_path = wh.release.path.parent.parent / ".demo-content.lock"
        with open(lock_path, "w") as lock:  # two first visitors at once must not seed twice
            fcntl.flock(lock, fcntl.LOCK_EX)
            seed(wh, note_store(), dossier_store.get_store())
    except Exception:
        log.exception("demo content could not be written")
