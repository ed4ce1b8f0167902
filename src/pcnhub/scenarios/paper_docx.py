"""The board paper as a Word document (python-docx): the same title block, sections, tables and recommendation box as
the HTML paper (:mod:`pcnhub.scenarios.paper`), on A4 in Arial. The map is left out (a drawing of points would need a
plotting library): its section says where to find it, and keeps the list of practices that cannot be placed and the
spread of each network. Table header rows repeat on every page and no row is split across pages.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from pcnhub.scenarios import paper as p

FONT = "Arial"
INK = RGBColor(0x21, 0x2B, 0x32)
SECONDARY = RGBColor(0x4C, 0x62, 0x72)
BOX = "\u2610"  # a ballot box to tick


def _flag(row, name: str) -> None:
    """Set a row property (``w:tblHeader``: repeat on each page; ``w:cantSplit``: keep the row on one page)."""
    props = row._tr.get_or_add_trPr()
    element = OxmlElement(f"w:{name}")
    element.set(qn("w:val"), "true")
    props.append(element)


def _shade(cell, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


def _write(paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
           colour: RGBColor | None = None) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    if size:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour


def _fill(cell, c: p.Cell, *, head: bool = False) -> None:
    first = cell.paragraphs[0]
    if c.lines:
        for i, (code, name, size, mark) in enumerate(c.lines):
            para = first if i == 0 else cell.add_paragraph()
            _write(para, " ".join(filter(None, [code, name, size])), bold=mark == "total", size=9.5)
            if mark and mark != "total":
                _write(para, f" ({mark})", italic=True, size=9.5, colour=SECONDARY)
        return
    _write(first, "" if c.hidden else c.text, bold=head or c.strong, size=9.5)
    if c.numeric:
        first.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc, table: p.Table) -> None:
    caption = doc.add_paragraph()
    _write(caption, table.caption, bold=True, size=10.5)
    caption.paragraph_format.keep_with_next = True
    rows = [*([table.head] if table.head else []), *table.rows, *table.foot]
    columns = max(len(row) for row in rows)
    out = doc.add_table(rows=len(rows), cols=columns)
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    taken: set[tuple[int, int]] = set()
    for r, cells in enumerate(rows):
        column = 0
        for c in cells:
            while (r, column) in taken:
                column += 1
            cell = out.cell(r, column)
            _fill(cell, c, head=r == 0 and bool(table.head))
            if c.rowspan > 1:
                for k in range(1, c.rowspan):
                    taken.add((r + k, column))
                cell.merge(out.cell(r + c.rowspan - 1, column))
            column += 1
        _flag(out.rows[r], "cantSplit")
    if table.head:
        _flag(out.rows[0], "tblHeader")
        for cell in out.rows[0].cells:
            _shade(cell, "E8EDEE")
    doc.add_paragraph()


def _risks(doc, block: p.RiskBlock) -> None:
    table = p.Table("risks", "Risks read from the comparison", [p.Cell("Risk"), p.Cell("Network"), p.Cell("What")],
                    [[[p.Cell(r.label, header=True), p.Cell(r.network), p.Cell(r.text)]] for r in block.risks])
    _table(doc, table)


def _recommendation(doc, block: p.RecommendationBlock) -> None:
    box = doc.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell = box.cell(0, 0)
    _write(cell.paragraphs[0], "The board is asked to:", bold=True, size=12)
    choices = cell.add_paragraph()
    _write(choices, "     ".join(f"{BOX} {d.lower()}" for d in block.decisions), size=12)
    _write(cell.add_paragraph(), "Conditions or notes:", bold=True)
    for _ in range(6):
        _write(cell.add_paragraph(), "")
    signature = cell.add_paragraph()
    _write(signature, "Signed: ______________________   Name: ______________________   Date: ____________")
    _flag(box.rows[0], "cantSplit")


def _page_number(paragraph) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def render(paper: p.Paper, html_url: str) -> bytes:
    """The paper as the bytes of a .docx file; ``html_url`` is where the HTML paper (with its map) is."""
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(18)
        section.top_margin = section.bottom_margin = Mm(18)
        footer = section.footer.paragraphs[0]
        _write(footer, f"{paper.title}: board paper, page ", size=9, colour=SECONDARY)
        _page_number(footer)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.font.color.rgb = INK
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].font.name = FONT
        doc.styles[name].font.color.rgb = INK
    doc.core_properties.title = paper.title
    doc.core_properties.subject = f"Board paper: {paper.icb}"
    doc.core_properties.author = paper.prepared_by

    intro = doc.add_paragraph()
    _write(intro, f"{paper.icb}: paper for the board", bold=True, colour=SECONDARY)
    doc.add_heading(paper.title, level=0)
    about = [("Date", p.day(paper.prepared)), ("Changes take effect", p.day(paper.effective)),
             ("Status", paper.status), ("Prepared by", paper.prepared_by)]
    if paper.area:
        about.insert(0, ("Area", paper.area))
    _table(doc, p.Table("about", "About this paper", [],
                        [[[p.Cell(k, header=True, strong=True), p.Cell(v)]] for k, v in about + paper.summary]))
    for section in paper.sections:
        heading = doc.add_heading(f"{section.number}. {section.title}" if section.number.isdigit() else section.title,
                                  level=1)
        heading.paragraph_format.page_break_before = section.new_page
        for block in section.blocks:
            if block.kind == "paragraph":
                _write(doc.add_paragraph(), block.text, size=9 if block.small else None)
            elif block.kind == "bullets":
                for item in block.items:
                    doc.add_paragraph(item, style="List Bullet")
            elif block.kind == "heading":
                doc.add_heading(block.text, level=2)
            elif block.kind == "table":
                _table(doc, block)
            elif block.kind == "map":
                _write(doc.add_paragraph(), f"The map is in the HTML paper ({html_url}): {len(block.map.located)} "
                                            "practices placed by their recorded locations.", italic=True)
            elif block.kind == "risks":
                _risks(doc, block)
            elif block.kind == "recommendation":
                _recommendation(doc, block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
