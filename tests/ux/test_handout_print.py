"""The demo dossier's handout on paper: no orphan table rows, no near-empty pages, values that do not
break, and chart text of at least 8 pt."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from components import dossier_document, handout, handout_charts
from queries import Warehouse
from tests.ux import print_checks as pc

MM = 72 / 25.4


@pytest.fixture(scope="module")
def demo(demo_warehouse):
    wh = Warehouse.open(demo_warehouse)
    content, notes = pc.demo_dossier(wh)
    data = handout.build_handout(wh, content, notes)
    blocks = [b for s in content.sections for b in dossier_document.section_figures(wh, s).blocks]
    return wh, data, blocks


def test_no_table_is_split_over_two_pages(demo):
    wh, data, blocks = demo
    pdf = handout.Handout("x", "y")
    pdf.add_page()
    expected_parts = 0
    for b in blocks:
        if b.df.height:
            header, rows, _ = handout.value_table(b)
            expected_parts += len(handout.table_chunks(pdf, header, rows))
    pages = pc.table_lines(data, handout.TABLE_FONT_PT)
    headers = sum(bold for page in pages for _, bold in page)
    # fpdf2 repeats a table's header on the next page when the table is split: one header more per split.
    assert headers == expected_parts
    for n, page in enumerate(pages, start=1):
        if page:
            assert page[0][1], f"page {n} starts with table rows without their header"
        rows_after_header = [i for i, (_, bold) in enumerate(page) if bold]
        for i in rows_after_header:  # every header has at least one row below it on the same page
            assert i + 1 < len(page) and not page[i + 1][1], f"page {n}: a header without rows"


def test_no_page_is_nearly_empty(demo):
    _, data, _ = demo
    bottoms = pc.lowest_text(data, footer_pt=(handout.PAGE_MARGIN + 1) * MM)
    page_h = 297 * MM
    body_top, body_bottom = page_h - handout.PAGE_MARGIN * MM, (handout.PAGE_MARGIN + 4) * MM
    toc_pages = 1  # the contents of this dossier fit one page
    for n, lowest in enumerate(bottoms, start=1):
        if n <= 1 + toc_pages or n == len(bottoms):
            continue  # the cover and the contents are meant to be short; the last page holds what remains
        used = (body_top - lowest) / (body_top - body_bottom) if lowest is not None else 0
        assert used >= 0.25, f"page {n} is {used:.0%} full"


def test_values_with_a_unit_are_never_broken_over_two_lines(demo):
    _, data, _ = demo
    text = "\n".join(pc.page_texts(data))
    # The finding's value (Wmo-maatwerk in 2025, provisional): in the text with its unit, in the table
    # without it, since the table's heading gives it once.
    assert "55,0 per 1.000" in re.sub(r" +", " ", text) and "Gebied (per 1.000)" in text and "55,0*" in text
    assert "55,0 per 1.000*" not in text
    assert not re.search(r"\d per\s*\n\s*1\.000", text)
    assert not re.search(r"\d\s*\n\s*per 1\.000", text)


def test_chart_text_is_at_least_8_pt_on_paper(demo):
    _, _, blocks = demo
    pdf = handout.Handout("x", "y")
    checked = 0
    for b in blocks:
        svg = handout.chart_svg(b)
        if svg is None:
            continue
        scale = handout_charts.svg_print_scale(svg, pdf.epw)
        sizes = [float(el.get("font-size").rstrip("px")) for el in ET.fromstring(svg).iter()
                 if el.tag.endswith("text") and el.get("font-size")]
        assert sizes and min(sizes) * scale >= 8, (b.indicator["id"], min(sizes) * scale)
        checked += 1
    assert checked >= 10


def test_table_of_contents_reserves_the_pages_it_needs():
    pdf = handout.Handout("x", "y")
    assert handout.toc_pages(pdf, 10) == 1
    assert handout.toc_pages(pdf, 39) == 1
    assert handout.toc_pages(pdf, 40) == 2
    assert handout.toc_pages(pdf, 80) == 2
    assert handout.toc_pages(pdf, 81) == 3


def test_keep_values_joins_a_value_to_its_unit_only():
    assert handout.keep_values("van 57,3 per 1.000 in 2020, € 12 mln en 3 dagen") == \
        "van 57,3\u00a0per\u00a01.000 in 2020, €\u00a012\u00a0mln en 3\u00a0dagen"
    assert handout.keep_values("per week in 2020") == "per week in 2020"


def _block_parts(chart_mm: float, table_mm: float):
    """Draw functions of a figure block: a chart part and a table part of known heights (in mm), each
    marking the page it starts on."""
    started: dict[str, int] = {}

    def part(name: str, mm: float):
        def draw(p):
            if not isinstance(p, handout._Ruler):
                started[name] = p.page_no()
            p.cell(0, mm, name, new_x="LMARGIN", new_y="NEXT")
        return draw

    return part("chart", chart_mm), part("table", table_mm), started


def _page_at(y_mm: float) -> handout.Handout:
    pdf = handout.Handout("x", "y")
    pdf.add_page()
    pdf.set_y(y_mm)
    return pdf


def test_a_block_that_would_leave_half_a_page_empty_is_split_between_chart_and_table():
    pdf = _page_at(110)
    free = pdf.page_break_trigger - pdf.y
    chart, table, started = _block_parts(free * 0.6, free * 0.6)  # together too high, the chart fits
    handout.keep_block(pdf, chart, table)
    assert started == {"chart": 1, "table": 2}


def test_a_block_is_kept_whole_when_it_fits_or_little_of_the_page_is_left():
    pdf = _page_at(110)
    chart, table, started = _block_parts(40, 40)
    handout.keep_block(pdf, chart, table)
    assert started == {"chart": 1, "table": 1}
    pdf = _page_at(0)
    pdf.set_y(pdf.page_break_trigger - pdf.eph * handout.NEAR_EMPTY + 5)  # less than a third left
    chart, table, started = _block_parts(60, 60)
    handout.keep_block(pdf, chart, table)
    assert started == {"chart": 2, "table": 2}
