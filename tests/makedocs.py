"""Report files the tests make themselves: PDF (reportlab), Word (python-docx), HTML, in CQC's and councils'
real layouts, plus broken ones (encrypted, scanned, corrupt, zip bomb)."""

from __future__ import annotations

import io
import zipfile

CQC_PARAGRAPHS = [
    "People told us the hospital discharge team in Wessexshire met every morning to plan each discharge.",
    "Staff said the transitions panel reviewed every young person from the age of 15 with the children's team.",
    "Leaders described a winter surge plan with the hospital trust, including extra reablement capacity.",
]

PLAN_ROWS = [
    ("Actions Required by Local Authorities", "What is happening in Wessexshire"),
    ("Provide PPE to unpaid carers who need it when caring for someone with COVID-19",
     "Unpaid carers collect free PPE from the Wessexshire PPE Hub at Marlow Road, open every weekday."),
    ("Support providers to keep visiting safe in care homes during outbreaks",
     "Visiting pods were installed at 14 care homes and the council funds lateral flow testing for visitors."),
    ("Make sure carers know what support is available to them and who to contact",
     "Carers First runs the carers helpline for Wessexshire, answering calls seven days a week."),
]


def cqc_pdf(authority: str = "Wessexshire County Council", score: int = 3, pages: int = 2) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4)
    story = [Paragraph(f"{authority}: local authority assessment", styles["Title"]),
             Paragraph("Safe pathways, systems and transitions", styles["Heading1"]),
             Paragraph(f"Score: {score}", styles["Normal"]),
             Paragraph(f"{score} - Evidence shows a good standard" if score == 3 else
                       f"{score} - Evidence shows some shortfalls", styles["Normal"]),
             Paragraph("Key findings for this quality statement", styles["Heading2"])]
    for i in range(pages):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(CQC_PARAGRAPHS[i % len(CQC_PARAGRAPHS)], styles["Normal"]))
        story.append(Spacer(1, 12))
    doc.build(story)
    return buf.getvalue()


def plan_pdf(rows_per_page: int = 2) -> bytes:
    """A winter plan whose action table breaks across a page, header repeated, as real PDFs do."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4)
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def table(rows):
        cell = styles["Normal"]
        return Table([[Paragraph(a, cell), Paragraph(b, cell)] for a, b in rows], colWidths=[230, 230], style=style)

    header, body = PLAN_ROWS[0], PLAN_ROWS[1:]
    story = [Paragraph("Wessexshire County Council: Adult Social Care Winter Plan 2020-21", styles["Title"]),
             Paragraph("Theme 1: Preventing and controlling the spread of infection in care settings",
                       styles["Heading2"]),
             table([header, *body[:rows_per_page]]), PageBreak(), table([header, *body[rows_per_page:]])]
    doc.build(story)
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A PDF with no text layer: only drawn shapes, as a scan without OCR."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(20):
        c.rect(50 + i * 10, 500, 8, 40 + i * 5, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(cqc_pdf())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="letmein", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def plan_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Wessexshire County Council: Adult Social Care Winter Plan 2020-21", 0)
    d.add_heading("Theme 3: Supporting people who receive social care, the workforce, and carers", 1)
    t = d.add_table(rows=0, cols=2)
    for a, b in PLAN_ROWS:
        cells = t.add_row().cells
        cells[0].text, cells[1].text = a, b
    d.add_paragraph("The plan is reviewed every month by the Wessexshire winter resilience board.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def cqc_html(authority: str = "Wessexshire", hostile: bool = False) -> bytes:
    extra = "<script>alert('x')</script><img src=x onerror=alert(1)>" if hostile else ""
    return f"""<!doctype html><html><head><title>{authority}: local authority assessment - CQC</title>
<style>body{{color:red}}</style><script>var tracking = 1;</script></head><body>
<header><nav><a href="/">Home</a> <a href="/search">Search</a></nav></header>
<main>
<h1>{authority}: local authority assessment</h1>
<p>Published: 14 March 2025</p>
<h2>Safe pathways, systems and transitions</h2>
<p>Score 2</p>
<p>2 - Evidence shows some shortfalls</p>
<h3>The local authority commitment</h3>
<p>We work with people and our partners to establish and maintain <strong>safe systems</strong> of care.</p>
<h3>Key findings for this quality statement</h3>
<h4>Safety during transitions</h4>
<p>Hospital discharges in {authority} were delayed at weekends because the brokerage team did not work
 Saturdays.{extra}</p>
<p>Young people moving to adult services were supported by a transitions worker from age 16.</p>
</main>
<footer><p>© Care Quality Commission</p><a href="/cookies">Cookies</a></footer>
</body></html>""".encode()


def zip_bomb_docx(size: int = 200_000_000) -> bytes:
    """A .docx-named zip whose document part expands to `size` bytes of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * 1_000_000
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return buf.getvalue()


SUMMARY_TXT = """Northshire County Council: local authority assessment
Overall rating: Requires improvement
Published: 2 May 2024
Theme 1: Working with people
Assessing needs
Score: 2
2 - Evidence shows some shortfalls
Assessments in Northshire took up to 12 weeks.
Supporting people to lead healthier lives
Score: 3
3 - Evidence shows a good standard
Prevention services were well used.
Theme 3: How the local authority ensures safety within the system
Safe pathways, systems and transitions
Indicative score: 2
2 - Evidence shows some shortfalls
Discharges were often delayed.
"""

PILOT_TXT = """Eastshire County Council: local authority assessment
Safeguarding
Indicative score: 1
1 - Evidence shows significant shortfalls
Key findings for this quality statement
Safeguarding enquiries waited months for allocation in Eastshire.
"""

NO_COLON_TXT = """London Borough of Riverside: local authority assessment
Care provision, integration and continuity
Score 4
4 - Evidence shows an exceptional standard
The local authority commitment
We understand the diverse health and care needs of people and our local communities.
Key findings for this quality statement
Riverside commissioned home care by neighbourhood, with no waiting list.
"""


# A small CQC assessment the tests add to the corpus: distinctive words ("kestrel hub") to find it by.
EXAMPLESHIRE = ("Exampleshire County Council: local authority assessment\nSafeguarding\nScore: 2\n"
                "2 - Evidence shows some shortfalls\nKey findings for this quality statement\n"
                "Safeguarding referrals in Exampleshire waited for triage at the kestrel hub. Leaders said a new "
                "triage hub opened in May.\n")
