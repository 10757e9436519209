"""A demo dossier's handout and what a reader checks on paper, shared by the tests and the look at the PNGs."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from components import dossier_document, handout
from queries import Warehouse
from queries import figures as q
from store.dossiers import DossierContent, NoteCopy, Section

NOTE = NoteCopy(
    note_id="n1", revision=1, title="Meer ouderen vragen hulp", region_label="Hele gemeente", period_label="2024",
    what_we_see="Het aantal inwoners met Wmo-maatwerk stijgt al drie jaar. " * 6,
    explanation="Sinds 2019 betalen inwoners een vaste eigen bijdrage (het abonnementstarief). Daardoor vragen "
                "meer mensen met een hoger inkomen hulp bij het huishouden. " * 4,
    next_steps="We kijken of een algemene voorziening voor schoonmaakhulp de vraag kan opvangen. " * 3,
    published_by="Anna de Vries", published_at="2026-02-01T10:00:00+00:00")


def demo_dossier(wh: Warehouse) -> tuple[DossierContent, list[list[NoteCopy]]]:
    """The first and the last template's parts in one dossier (figures, wijken, a breakdown) plus jeugdhulp
    by age group, with long notes after the parts."""
    templates = dossier_document.load_templates()
    wijken = q.wijken(wh)["region_code"].to_list()
    year = q.latest_year(wh, ["wmo_clients_per_1000"], [wh.gemeente])
    contents = [dossier_document.from_template(t, gemeente=wh.gemeente, wijken=wijken, latest_year=year, session_date="2026-03-12")
                for t in (templates[0], templates[-1])]
    by_age = Section(indicator_ids=("jeugd_reg_clients",), region_codes=(wh.gemeente,), breakdown="age_group",
                     title="Jeugdhulp naar leeftijd", year_from=year - 3, year_to=year)
    sections = (*contents[0].sections, by_age, *contents[1].sections[:3])
    content = DossierContent(title=contents[0].title, session_date="2026-03-12", theme=contents[0].theme,
                             introduction=contents[0].introduction, questions=contents[0].questions,
                             sections=sections)
    notes = [[NOTE] if i % 2 == 0 else [NOTE, NOTE] for i in range(len(sections))]
    return content, notes


def build(wh: Warehouse) -> bytes:
    content, notes = demo_dossier(wh)
    return handout.build_handout(wh, content, notes, printed=date(2026, 3, 1))


def page_texts(data: bytes) -> list[str]:
    """The text of every page, non-breaking spaces read as spaces."""
    return [p.extract_text().replace("\u00a0", " ") for p in PdfReader(io.BytesIO(data)).pages]


def table_lines(data: bytes, size: float) -> list[list[tuple[float, bool]]]:
    """Per page: the lines set at the tables' font size, as (height on the page in pt, bold)."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        lines: dict[float, bool] = {}

        def visit(text, cm, tm, font_dict, font_size, lines=lines):
            if text.strip() and abs(font_size - size) < 0.01 and cm[0] == 1 and cm[3] == 1:
                bold = "Bold" in str((font_dict or {}).get("/BaseFont", ""))
                y = round(tm[5], 1)
                lines[y] = lines.get(y, False) or bold

        page.extract_text(visitor_text=visit)
        out.append(sorted(lines.items(), reverse=True))
    return out


def lowest_text(data: bytes, footer_pt: float) -> list[float | None]:
    """Per page: the height (pt from the bottom) of the lowest text above the footer; None for no text."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        ys: list[float] = []

        def visit(text, cm, tm, font_dict, font_size, ys=ys):
            if text.strip() and cm[0] == 1 and cm[3] == 1 and tm[5] > footer_pt:
                ys.append(tm[5])

        page.extract_text(visitor_text=visit)
        out.append(min(ys) if ys else None)
    return out
