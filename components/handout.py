"""The printed handout of a dossier: an A4 PDF with cover, contents, charts as vector graphics, tables,
notes, source lines, page numbers and date.

Engine: fpdf2 (pure Python) with charts drawn by vl-convert-python (Vega in Rust, no browser). The chart
is the very same Altair chart the web page shows (:func:`components.dossier_view.chart_for`), turned
into SVG by vl-convert and drawn by fpdf2's SVG renderer as PDF paths, with its labels kept as real text
(searchable, sharp in print). The font is Source Sans Pro from the ``font-source-sans-pro`` wheel, the
font of the web charts; it covers €, é, ë and the other characters of Dutch text.

Readable in black and white: text is black, tables carry every number of a chart, provisional figures
are marked with an asterisk in the table and with open points and a dashed line in the chart.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date

from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

from components import charts, dossier_document, signals_view
from components.handout_charts import CHART_HEIGHT_PX, CHART_WIDTH_PX, chart_svg
from components.notes import SECTIONS as NOTE_SECTIONS
from domain import formatting as fmt
from domain.formatting import date_label
from queries import Warehouse
from store.dossiers import DossierContent, NoteCopy
from store.markdown import to_safe_html

FONT = "SourceSans"
PAGE_MARGIN = 18  # mm
TABLE_FONT_PT = 8.5
MIN_PRINT_PT = 8
TOC_LINE_MM, TOC_TITLE_MM = 6.2, 12
CODE_STYLES = {"code": FontFace(family=FONT, fill_color=(235, 235, 235)),
               "pre": TextStyle(font_family=FONT, t_margin=2, b_margin=2)}
class Handout(FPDF):
    def __init__(self, title: str, printed: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.printed = printed
        self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.set_auto_page_break(True, margin=PAGE_MARGIN + 4)
        d = charts.font_dir()
        for family in (FONT, "Source Sans Pro", "sans-serif"):  # the last two for chart text
            self.add_font(family, "", str(d / "SourceSansPro-Regular.ttf"))
            self.add_font(family, "B", str(d / "SourceSansPro-Bold.ttf"))
            self.add_font(family, "I", str(d / "SourceSansPro-It.ttf"))
            self.add_font(family, "BI", str(d / "SourceSansPro-BoldIt.ttf"))
        self.set_font(FONT, size=10.5)
        self.set_text_color(0)
        self.set_draw_color(0)
        self.set_title(title)
        self.set_creator("Monitor Sociaal Domein")
        self.set_lang("nl-NL")
        self._ruler: Handout | None = None

    def ruler(self) -> Handout:
        """A page of the same size and fonts that never breaks, to measure a block on (see keep_together)."""
        if self._ruler is None:
            self._ruler = _Ruler(self.doc_title, self.printed)
            self._ruler.set_auto_page_break(False)
            self._ruler.add_page()
        return self._ruler

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-PAGE_MARGIN + 4)
        self.set_font(FONT, "", 9)  # not the tables' size, so a test can tell table lines apart
        self.set_text_color(60)
        self.cell(0, 5, f"{self.doc_title} · {self.printed}", align="L")
        self.set_x(PAGE_MARGIN)
        self.cell(0, 5, f"Pagina {self.page_no()} van {{nb}}", align="R")
        self.set_text_color(0)

    # -- text helpers ---------------------------------------------------------------------------

    def heading(self, text: str, size: float = 16, *, level: int | None = 0) -> None:
        if level is not None:
            self.start_section(text, level=level)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font(FONT, "", 10.5)

    def para(self, text: str, *, size: float = 10.5, style: str = "", height: float = 5.2) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 10.5)

    def markdown(self, text: str) -> None:
        """User Markdown through the same sanitiser as the screen, as simple HTML. Code is set in the
        body font on a light grey ground: fpdf2's default Courier is a Latin-1 core font, so a € or a
        curly quote in `code` stopped the whole handout."""
        html = to_safe_html(text)
        if html:
            self.write_html(html, font_family=FONT, warn_on_tags_not_matching=False, li_prefix_color=(0, 0, 0),
                            tag_styles=CODE_STYLES)
            self.set_font(FONT, "", 10.5)


def value_table(fig: dossier_document.IndicatorFigures) -> tuple[list[str], list[list[str]], bool]:
    """Areas in rows, periods in columns; a '*' marks a provisional figure. A unit that would repeat in
    every cell ("53,1 per 1.000", broken over two lines) is said once, in the first column's heading."""
    df = fig.df
    unit = fig.indicator["unit"]
    in_header = fmt.UNIT_WORDS.get(unit)
    periods = sorted(df["period"].unique().to_list())
    areas = fmt.category_order(df["region_name"].unique(maintain_order=True).to_list())
    cells = {(r["region_name"], r["period"]): r for r in df.iter_rows(named=True)}
    provisional = False
    rows = []
    for area in areas:
        row = [area]
        for p in periods:
            r = cells.get((area, p))
            if r is None:
                row.append(fmt.MISSING_TEXT)
                continue
            text = fmt.table_value(r["value"], unit, r["status"])
            if r["status"] == "provisional":
                text += "*"
                provisional = True
            row.append(text)
        rows.append(row)
    first = fig.breakdown_label.capitalize() if fig.breakdown_label else "Gebied"
    first += f" ({in_header})" if in_header else ""
    return [first, *[fmt.period_label(p) for p in periods]], rows, provisional


def table_chunks(pdf: FPDF, header: list[str], rows: list[list[str]]) -> list[tuple[list[float], list[int]]]:
    """The table split by columns so that no value has to wrap ("53,1 per / 1.000*"): per part the column
    widths and the column indices, the area column repeated in every part."""
    pad = 2 * pdf.c_margin + 1

    def widest(col: int) -> float:
        pdf.set_font(FONT, "B", TABLE_FONT_PT)
        w = pdf.get_string_width(header[col])
        pdf.set_font(FONT, "", TABLE_FONT_PT)
        return max([w, *(pdf.get_string_width(r[col]) for r in rows)]) + pad

    first = min(widest(0), pdf.epw * 0.4)
    value_w = max((widest(c) for c in range(1, len(header))), default=0)
    fits = max(1, int((pdf.epw - first) // value_w)) if value_w else 1
    cols = list(range(1, len(header)))
    per_part = math.ceil(len(cols) / math.ceil(len(cols) / fits)) if cols else 1  # 3 + 3 rather than 5 + 1
    parts = [cols[i:i + per_part] for i in range(0, len(cols), per_part)] or [[]]
    return [([first, *([value_w] * len(part))], [0, *part]) for part in parts]


def _draw_table(pdf: Handout, header: list[str], rows: list[list[str]]) -> None:
    for widths, cols in table_chunks(pdf, header, rows):
        pdf.set_font(FONT, "", TABLE_FONT_PT)
        with pdf.table(col_widths=widths, text_align=("LEFT", *(["RIGHT"] * (len(cols) - 1))),
                       borders_layout="HORIZONTAL_LINES", line_height=TABLE_FONT_PT * 0.5, align="LEFT",
                       headings_style=FontFace(emphasis="BOLD"), first_row_as_headings=True,
                       width=sum(widths)) as table:
            for values in [header, *rows]:
                row = table.row()
                for c in cols:
                    row.cell(keep_values(values[c]))
        pdf.ln(1.5)
    pdf.set_font(FONT, "", 10.5)


class _Ruler(Handout):
    """The measuring page: text is laid out as on paper; a chart is not drawn (its block sets the height)."""

    def image(self, *args, **kwargs):
        return None


def _height(pdf: Handout, draw) -> float:
    """How far ``draw`` would run down from where ``pdf`` stands, measured on the ruler (a page that never
    breaks). fpdf2's ``offset_rendering`` copies the whole document twice per block: a minute for 20 parts."""
    ruler = pdf.ruler()
    ruler.set_xy(pdf.x, pdf.y)
    ruler.set_font(pdf.font_family, pdf.font_style, pdf.font_size_pt)
    draw(ruler)
    return ruler.y - pdf.y


def keep_together(pdf: Handout, draw) -> None:
    """Draw on one page: if ``draw`` would run over the page's end, start it on a new page (unless it is
    longer than a page, or the page is still empty). So no table is split off from its last row and no
    note leaves a few lines on a page of their own."""
    height = _height(pdf, draw)
    if pdf.y + height > pdf.page_break_trigger and height <= pdf.eph and pdf.y > pdf.t_margin + 1:
        pdf.add_page()
    draw(pdf)


NEAR_EMPTY = 1 / 3  # a block that would leave more than this share of a page empty is split at its seam


def keep_block(pdf: Handout, chart, table) -> None:
    """A figure block: its chart part (heading, chart, sentence) and its table part (table, source). Kept on
    one page when it fits; when it does not and moving it would leave more than a third of this page
    empty, the chart stays here and the table follows, each part kept whole."""
    def whole(p):
        chart(p)
        table(p)

    height = _height(pdf, whole)
    free = pdf.page_break_trigger - pdf.y
    if height <= free or free <= NEAR_EMPTY * pdf.eph or _height(pdf, chart) > free:
        keep_together(pdf, whole)
        return
    chart(pdf)
    keep_together(pdf, table)


def _draw_note(pdf: Handout, note: NoteCopy) -> None:
    if note.title:
        pdf.para(note.title, style="B")
    pdf.para(f"{note.region_label} · {note.period_label}", size=9, style="I")
    for attr, label in NOTE_SECTIONS:
        text = getattr(note, attr)
        if text:
            pdf.para(label, size=10, style="B")
            pdf.markdown(text)
            pdf.ln(1.5)  # the HTML paragraph has space above, none below: the next label stuck to the text
    if note.published_at:
        pdf.para(f"Duiding gepubliceerd door {note.published_by} op {date_label(note.published_at)}", size=9,
                 style="I")
    pdf.ln(2)


def _render_toc(pdf: Handout, outline) -> None:
    pdf.set_x(pdf.l_margin)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, TOC_TITLE_MM - 2, "Inhoud", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 10.5)
    for entry in outline:
        if entry.level > 0:
            continue
        link = pdf.add_link(page=entry.page_number)
        label = entry.name if len(entry.name) <= 90 else entry.name[:89] + "…"
        pdf.cell(pdf.epw - 15, TOC_LINE_MM, label, link=link)
        pdf.cell(15, TOC_LINE_MM, str(entry.page_number), align="R", link=link, new_x="LMARGIN", new_y="NEXT")


def toc_pages(pdf: FPDF, entries: int) -> int:
    """How many pages the contents take: fpdf2 needs the number before the parts are written."""
    body = pdf.h - pdf.t_margin - pdf.b_margin
    first = int((body - TOC_TITLE_MM) // TOC_LINE_MM)
    return 1 + max(0, math.ceil((entries - first) / int(body // TOC_LINE_MM)))


def build_handout(wh: Warehouse, content: DossierContent, notes: Sequence[Sequence[NoteCopy]], *,
                  gemeente_name: str = "", published: str = "", newer_release: bool = False,
                  printed: date | None = None) -> bytes:
    """The dossier as PDF bytes, from the figures of ``wh`` (the dossier's release)."""
    printed_label = date_label((printed or date.today()).isoformat())
    pdf = Handout(content.title, f"gemaakt {printed_label}")
    gemeente_name = gemeente_name or wh.meta.get("gemeente_name") or wh.gemeente

    # Cover
    pdf.add_page()
    pdf.set_y(60)
    pdf.para("Themabijeenkomst gemeenteraad", size=13)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 26)
    pdf.multi_cell(0, 12, content.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    lines = [f"Bijeenkomst op {date_label(content.session_date)}"]
    if content.theme:
        lines.append(f"Thema: {content.theme}")
    if gemeente_name:
        lines.append(f"Gemeente: {gemeente_name}")
    for line in lines:
        pdf.para(line, size=13, height=7)
    pdf.set_y(220)
    small = [f"Cijfers uit de Monitor Sociaal Domein, datarelease {dossier_document.release_label(wh)}."]
    if published:
        small.append(published)
    if newer_release:
        small.append("Er zijn inmiddels nieuwere cijfers. Dit stuk toont de cijfers van het moment van publiceren.")
    if wh.is_demo:
        small.append("DEMODATA: alle cijfers zijn verzonnen om de monitor te laten zien.")
    small.append(f"Gemaakt op {printed_label}.")
    for line in small:
        pdf.para(line, size=9.5, height=5)

    # Contents (one line per part; the number of pages is fixed before the parts are written)
    entries = 1 + len(content.sections) + (1 if content.questions else 0)
    pdf.add_page()
    pdf.insert_toc_placeholder(_render_toc, pages=toc_pages(pdf, entries))

    # Introduction (the placeholder above ends on a fresh page)
    pdf.heading("Inleiding")
    if content.introduction:
        pdf.markdown(content.introduction)
    pdf.ln(3)
    pdf.para("Hoe leest u dit stuk? Elk onderdeel heeft een grafiek, een tabel met dezelfde cijfers, de bron en de "
             "duiding van de gemeente. Een * in een tabel, een open punt of een stippellijn in een grafiek betekent: "
             "voorlopig cijfer. 'te klein' betekent: niet getoond omdat er te weinig mensen achter zitten.",
             size=9.5, style="I", height=4.8)
    events = dossier_document.dossier_events(content, notes)  # markers: listed once here, never as a note in every part
    if events:
        pdf.ln(3)
        pdf.heading("Gebeurtenissen", 12.5, level=None)
        for event in events:
            pdf.para(f"- {dossier_document.event_line(event)}", height=5.5)

    if content.questions:  # before the parts: what the session is about (at the end they stood on a page alone)
        pdf.ln(3)
        pdf.heading("Vragen voor de raad", 12.5)
        for i, question in enumerate(content.questions, start=1):
            pdf.para(f"{i}. {question}", height=6)

    # Parts follow each other on the page (a part on a page of its own left pages nearly empty). Every
    # chart block (with the part's heading before the first one), every note and the questions are kept
    # on one page.
    for n, section in enumerate(content.sections, start=1):
        figs = dossier_document.section_figures(wh, section)
        svgs = [chart_svg(block) for block in figs.blocks]

        def part_head(p, n=n, figs=figs, section=section, svgs=svgs):
            p.ln(6)
            p.heading(f"{n}. {figs.heading}")
            p.para(f"{figs.areas_label} · {dossier_document.years_label(section)}", size=9.5, style="I")
            if section.text:
                p.markdown(section.text)
            p.ln(1)
            if figs.blocks:
                _draw_chart(p, figs.blocks[0], svgs[0])

        if figs.blocks:
            keep_block(pdf, part_head, lambda p, block=figs.blocks[0]: _draw_values(p, block))
        else:
            keep_together(pdf, part_head)
        if section.kind == "signalen":
            for line in signals_view.lines(figs.signals):
                pdf.para(f"- {line}", height=5.5)
        for block, svg in zip(figs.blocks[1:], svgs[1:], strict=True):
            keep_block(pdf, lambda p, block=block, svg=svg: _draw_chart(p, block, svg),
                       lambda p, block=block: _draw_values(p, block))
        section_notes = notes[n - 1] if n - 1 < len(notes) else []
        for i, note in enumerate(section_notes):
            def draw_note(p, note=note, first=i == 0):
                if first:  # the heading stays with the first note
                    p.heading("Duiding", 12.5, level=None)
                _draw_note(p, note)
            keep_together(pdf, draw_note)
        if not section_notes and section.kind == "notes":
            pdf.para("Er is nog geen gepubliceerde duiding bij deze cijfers.", style="I")

    return bytes(pdf.output())


def _draw_chart(pdf: Handout, block: dossier_document.IndicatorFigures, svg: str | None) -> None:
    """A block's heading, chart and describing sentence."""
    ind = block.indicator
    title = ind["title"] + (f" naar {block.breakdown_label}" if block.breakdown_label else "")
    pdf.heading(title, 12.5, level=1)
    if svg:
        w = pdf.epw
        root = ET.fromstring(svg)
        ratio = float(root.get("height", CHART_HEIGHT_PX)) / float(root.get("width", CHART_WIDTH_PX))
        pdf.image(svg.encode("utf-8"), x=pdf.l_margin, y=pdf.get_y(), w=w, h=w * ratio)
        pdf.set_y(pdf.get_y() + w * ratio + 1)
    pdf.para(keep_values(block.description), size=9, height=4.5)


def _draw_values(pdf: Handout, block: dossier_document.IndicatorFigures) -> None:
    """A block's table of the same figures, its breaks and its source line."""
    if block.df.height:
        header, rows, provisional = value_table(block)
        pdf.ln(1)
        _draw_table(pdf, header, rows)
        if provisional:
            pdf.para("* voorlopig cijfer", size=MIN_PRINT_PT)
    for b in block.indicator["series_breaks"]:
        pdf.para(fmt.break_sentence(b), size=9, style="I")
    pdf.para(_no_breaks(block.provenance), size=8, style="I", height=4)
    pdf.ln(3)


def _no_breaks(text: str) -> str:
    return re.sub(r"\s+", " ", text)


_VALUE_SPACES = re.compile(r"(?<=\d) (?=per |dagen|mln|procentpunt)|(?<=per) (?=1\.000|km²)|(?<=€) (?=\d)")


def keep_values(text: str) -> str:
    """Non-breaking spaces inside a value and its unit, so "62,9 per 1.000" never breaks over two lines."""
    return _VALUE_SPACES.sub("\u00a0", text)


def handout_filename(content: DossierContent) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", content.title.lower()).strip("-")[:60] or "dossier"
    return f"dossier-{slug}-{content.session_date}.pdf"
