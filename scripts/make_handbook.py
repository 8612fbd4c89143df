"""Render the Tidewell Makerspace member handbook (original text) to data/tidewell/handbook.pdf.

Tidewell Makerspace is fictional: its facts exist only in this course, so no language model can
know them and a grounded answer is visible as such. The PDF is typeset like a real one, quirks
included: a running header and a page number on every page, words hyphenated across line breaks,
one page in two columns, and tables. The output is reproducible (fixed creation date).

Usage: ``python scripts/make_handbook.py [OUTPUT.pdf]``
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).resolve().parent.parent / "data" / "tidewell" / "handbook.pdf"
HEADER = "TIDEWELL MAKERSPACE - MEMBER HANDBOOK 2026"
FIXED_DATE = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=dt.UTC)

# (kind, content): "h1" chapter title (new page), "h2" section, "p" paragraph,
# "table" (header row, rows, column widths in mm), "cols" two-column paragraphs, "page" new page.
CONTENT: list[tuple[str, object]] = [
    ("title", "Tidewell Makerspace\nMember Handbook\nEdition 2026"),
    ("p", "Tidewell Makerspace is a member-run community workshop at 14 Ropewalk Lane, in the "
          "Harbour Quarter of Port Tidewell. It was founded in 2011 in a former sail loft and is "
          "run as a cooperative: every member holds one share and one vote at the annual general "
          "meeting, which takes place on the last Saturday of February."),
    ("p", "This handbook is the reference for members. It replaces all earlier editions. Where a "
          "notice on the Tideboard (the members' online board) contradicts it, the notice wins "
          "until the next edition is printed."),
    ("h1", "1 People and places"),
    ("h2", "1.1 Who runs Tidewell"),
    ("p", "The cooperative elects a board of five members for two-year terms. The board chair "
          "is Marisol Quenby. Day-to-day operations are led by the facility manager, Idris "
          "Fenwick-Calloway, who is the first contact for keys, invoices and maintenance requests. "
          "The safety officer, Dr. Annika Voss, approves every new machine and investigates every "
          "incident report."),
    ("p", "Each workshop area has a volunteer lead: Tobiah Marsh for the woodshop, Hyun-woo Park "
          "for the textile studio, and Priya Raghunathan for the electronics bench. Area leads run "
          "the inductions for their area and decide when a machine is taken out of service."),
    ("h2", "1.2 The rooms"),
    ("table", (["Room", "Floor", "What happens there"],
               [["The Loft", "second", "woodshop: table saw, bandsaw, lathes, CNC router"],
                ["Brine Room", "ground", "metalwork and welding; eye-wash station"],
                ["The Spool", "first", "textile studio: sewing and embroidery machines"],
                ["Lantern Lab", "first", "electronics bench, 3D printers, laser cutters"],
                ["Quay Classroom", "ground", "classes and meetings, up to 16 people"]],
               [38, 22, 110])),
    ("h2", "1.3 Machines with names"),
    ("p", "Members name the larger machines, and bookings on the Tideboard use those names. The "
          "60-watt CO2 laser cutter is called Gannet; its bed takes sheets of at most 600 by 400 "
          "millimetres. The smaller 40-watt laser is called Puffin. The CNC router in the Loft is "
          "Old Barnacle, and the embroidery machine in the Spool is Selkie. The six 3D printers in "
          "Lantern Lab are known together as the Gulls."),
    ("h1", "2 Membership"),
    ("h2", "2.1 Tiers and prices"),
    ("p", "Prices are in euros and include access to every room that your certification level "
          "allows. Booking hours are the hours per calendar month for which you may reserve a "
          "named machine; unused hours do not carry over to the next month."),
    ("table", (["Tier", "Price", "Booking hours", "Includes"],
               [["Day Pass", "EUR 15 per day", "none", "Green-level tools only"],
                ["Hobbyist", "EUR 38 per month", "20", "all inductions"],
                ["Maker", "EUR 390 per year", "60", "a storage bin"],
                ["Keyholder", "EUR 540 per year", "80", "24/7 access, a storage bin"]],
               [30, 40, 30, 70])),
    ("p", "Students, apprentices and members over 65 receive a 40 percent concession on the "
          "Hobbyist and Maker tiers; bring proof of status to the front desk once a year. The "
          "Keyholder tier is open only to members who have held the Maker tier for at least six "
          "months and who volunteer two shifts per quarter."),
    ("h2", "2.2 Joining, pausing and leaving"),
    ("p", "New members join at the front desk during staffed hours and must attend the general "
          "orientation, a free 45-minute tour held every Tuesday and Saturday at 11:00. A "
          "membership can be paused once per year for up to three months, for example for travel "
          "or illness; a paused membership keeps its storage bin. To leave, give notice on the "
          "Tideboard at least 30 days before the next payment date."),
    ("h2", "2.3 Opening hours"),
    ("table", (["Day", "Staffed hours", "Notes"],
               [["Monday", "closed", "maintenance day, no bookings"],
                ["Tuesday to Friday", "10:00 - 22:00", "last machine booking starts 20:30"],
                ["Saturday", "09:00 - 20:00", "Family Workshop 10:00 - 13:00"],
                ["Sunday", "12:00 - 18:00", "quiet day: no Red-level machines"]],
               [45, 40, 85])),
    ("p", "Keyholders may enter at any time, except on Mondays between 06:00 and 12:00, when the "
          "building is cleaned and the dust extraction system is serviced."),
    ("h1", "3 Tools and certification"),
    ("h2", "3.1 The three levels"),
    ("p", "Every tool carries a coloured tag. Green-level tools (hand tools, sewing machines, "
          "soldering irons) need no certification. Amber-level tools (drills, sanders, the bandsaw, "
          "the 3D printers) require a 90-minute induction that costs EUR 20. Red-level machines "
          "(both laser cutters, the CNC router, the table saw and the welders) require a three-hour "
          "certification course costing EUR 45, followed by two supervised sessions."),
    ("p", "Red-level certifications expire after 24 months. To renew, book a 30-minute check-out "
          "with the area lead before the expiry date; an expired certification means starting the "
          "full course again. Certifications from other makerspaces are not recognised, but the "
          "area lead may shorten the course for experienced members."),
    ("h2", "3.2 Booking rules"),
    ("p", "Named machines are booked on the Tideboard. A single booking of a Red-level machine "
          "may last at most three hours, and a member may hold at most two future bookings at any "
          "time. A booking cancelled less than four hours before it starts counts as used. Two "
          "no-shows in one calendar month suspend the member's booking rights for 14 days."),
    ("h2", "3.3 Laser cutter rules"),
    ("p", "Never leave a running laser cutter unattended, not even for a minute. After each job, "
          "keep the lid closed and let the fume extraction run for ten minutes before opening it. "
          "Acrylic, plywood, card and leather are allowed. PVC and vinyl are forbidden in all "
          "circumstances, because cutting them releases chlorine gas that harms people and "
          "corrodes the machine. Materials not on the approved list in Lantern Lab need the "
          "written approval of the safety officer."),
    ("page", ""),
    ("h2", "Members ask: questions from the front desk"),
    ("cols", [
        "Can I sell things I make at Tidewell? Yes. Members may sell their work; the makerspace "
        "takes no commission. Commercial batch production that blocks a machine for more than "
        "twelve hours in a month needs the facility manager's agreement.",
        "Can I leave a project on a bench overnight? Only with a yellow 'work in progress' tag "
        "showing your name and the date. Anything left on a bench for more than 48 hours is moved "
        "to the Tide Pool, the shelf beside the front desk.",
        "What happens to lost property? Lost property is kept at the front desk for 30 days. "
        "After that it is donated to the Harbour Quarter charity shop on Net Street.",
        "How big is a storage bin? A storage bin measures 40 by 30 by 25 centimetres. Maker and "
        "Keyholder members get one each; a second bin can be rented for EUR 4 per month.",
        "Is there parking? There is no member parking. The nearest public car park is at the Fish "
        "Market, a five-minute walk; bicycle racks stand in the courtyard.",
        "Can I bring my own tools? Yes, but power tools must pass an electrical check by the "
        "electronics bench lead before their first use in the building.",
        "Can I get a refund for an unused day pass? Day passes are refunded only when the "
        "makerspace itself closes unexpectedly on that day.",
        "Who repairs broken machines? Report the fault on the Tideboard and hang a red 'out of "
        "service' tag on the machine. Only the area lead may remove that tag.",
    ]),
    ("h1", "4 Safety"),
    ("h2", "4.1 Working alone"),
    ("p", "The buddy rule applies to every Red-level machine: another adult member must be in the "
          "same room while the machine runs. Green- and Amber-level tools may be used alone. "
          "Keyholders working at night must sign in and out on the paper log by the front door."),
    ("h2", "4.2 Incidents and first aid"),
    ("p", "Every room has a first-aid kit by its door, and the Brine Room has an eye-wash "
          "station. Any injury, near miss or damaged machine must be reported within 24 hours on "
          "incident form IR-7, which goes to the safety officer. Reports are blameless: their "
          "purpose is to change procedures, not to punish members."),
    ("h2", "4.3 Fire"),
    ("p", "On hearing the fire alarm, stop your machine if it is safe to do so and leave by the "
          "nearest exit. The assembly point is the row of bollards at Slipway 3, across Ropewalk "
          "Lane. Do not go back inside until the fire warden in the orange vest says so."),
    ("h1", "5 Guests, children and conduct"),
    ("h2", "5.1 Guests"),
    ("p", "A member may bring one guest per visit. Guests sign the liability waiver at the front "
          "desk, may use Green-level tools only, and may visit at most four times per year before "
          "they are asked to join. The member is responsible for the guest at all times."),
    ("h2", "5.2 Children"),
    ("p", "Children under 16 are welcome only at the Saturday Family Workshop, from 10:00 to "
          "13:00, and must be accompanied by an adult at all times. The Family Workshop costs EUR 5 "
          "per child, materials included; members' children attend for free."),
    ("h2", "5.3 Conduct and disputes"),
    ("p", "Members treat each other with respect, clean their workspace before leaving and put "
          "tools back where they belong. Complaints about conduct go to a mediation panel of three "
          "members drawn by lot from the volunteers. Only the board can suspend or end a "
          "membership, after hearing the member concerned."),
    ("h1", "6 Volunteering"),
    ("p", "Tidewell runs on volunteers. A volunteer shift lasts three hours, for example staffing "
          "the front desk or tidying the Loft, and earns five extra booking hours in the same "
          "month. Members who volunteer more than 100 hours in a year receive a free year of "
          "Hobbyist membership, awarded at the annual general meeting."),
]


class Handbook(FPDF):
    """An FPDF document with the handbook's running header and page-number footer."""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, HEADER, align="C")
        self.ln(10)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 8, str(self.page_no()), align="C")


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Return ``text`` broken into lines of at most ``width`` mm, hyphenating long words."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        if len(word) >= 8 and word.isalpha():
            # Hyphenate like a typesetter: keep as much of the word as fits (at least 3 letters).
            for cut in range(len(word) - 3, 2, -1):
                head = f"{line} {word[:cut]}-".strip()
                if pdf.get_string_width(head) <= width:
                    lines.append(head)
                    line = word[cut:]
                    break
            else:
                lines.append(line)
                line = word
            continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def paragraph(pdf: FPDF, text: str, width: float, x: float | None = None) -> None:
    """Write a paragraph line by line (so hyphenation is ours) and leave a small gap."""
    for line in wrap(pdf, text, width):
        if x is not None:
            pdf.set_x(x)
        pdf.cell(width, 5.2, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2.5)


def table(pdf: FPDF, head: list[str], rows: list[list[str]], widths: list[float]) -> None:
    """Draw a simple ruled table."""
    pdf.set_font("Helvetica", "B", 10)
    for text, w in zip(head, widths, strict=True):
        pdf.cell(w, 7, text, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for row in rows:
        for text, w in zip(row, widths, strict=True):
            pdf.cell(w, 6.5, text, border=1)
        pdf.ln()
    pdf.ln(3)


def two_columns(pdf: FPDF, paragraphs: list[str]) -> None:
    """Write paragraphs in two columns: the left column top to bottom, then the right one."""
    gap = 8
    col_w = (pdf.epw - gap) / 2
    top = pdf.get_y()
    pdf.set_font("Helvetica", "", 9.5)
    x_left, x_right = pdf.l_margin, pdf.l_margin + col_w + gap
    half = (len(paragraphs) + 1) // 2
    for x, group in ((x_left, paragraphs[:half]), (x_right, paragraphs[half:])):
        pdf.set_y(top)
        for text in group:
            paragraph(pdf, text, col_w, x=x)
    pdf.set_font("Helvetica", "", 10.5)


def render(out: Path) -> None:
    """Typeset the handbook into ``out``."""
    pdf = Handbook(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Tidewell Makerspace - Member Handbook 2026")
    pdf.set_author("Tidewell Makerspace (fictional; RAG Course)")
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for kind, content in CONTENT:
        if kind == "title":
            pdf.set_font("Helvetica", "B", 26)
            pdf.ln(50)
            for line in str(content).split("\n"):
                pdf.cell(0, 14, line, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(20)
            pdf.set_font("Helvetica", "", 10.5)
        elif kind == "h1":
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 16)
            pdf.cell(0, 10, str(content), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            pdf.set_font("Helvetica", "", 10.5)
        elif kind == "h2":
            pdf.set_font("Helvetica", "B", 12)
            pdf.cell(0, 8, str(content), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10.5)
        elif kind == "p":
            paragraph(pdf, str(content), pdf.epw)
        elif kind == "table":
            head, rows, widths = content  # type: ignore[misc]
            table(pdf, head, rows, widths)
        elif kind == "cols":
            two_columns(pdf, content)  # type: ignore[arg-type]
        elif kind == "page":
            pdf.add_page()
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    render(target)
    print(f"wrote {target.name}")
