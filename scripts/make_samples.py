"""Make the small bad files of data/samples/, used to show the course's one-line errors.

Usage: ``python scripts/make_samples.py`` (after scripts/make_handbook.py). Deterministic.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

DATA = Path(__file__).resolve().parent.parent / "data"
OUT = DATA / "samples"
FIXED_DATE = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=dt.UTC)


def scanned_pdf() -> bytes:
    """Return a one-page PDF holding only a picture of text (like a scan): no text layer."""
    image = Image.new("L", (1200, 400), color=255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(["Tidewell Makerspace", "This page was scanned.", "No text layer."]):
        draw.text((60, 60 + 100 * i), line, fill=0, font_size=60)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.image(buffer, x=15, y=20, w=180)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    """Return the handbook's first page encrypted with the user password 'tidewell'."""
    reader = PdfReader(DATA / "tidewell" / "handbook.pdf")
    writer = PdfWriter()
    writer.add_page(reader.pages[0])
    writer.encrypt(user_password="tidewell", owner_password="tidewell-owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def main() -> None:
    """Write every sample file."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "empty.txt").write_bytes(b"")
    notice = (DATA / "tidewell" / "notice.ko.txt").read_text(encoding="utf-8")
    (OUT / "notice.cp949.txt").write_bytes(notice.encode("cp949"))
    (OUT / "corrupt.pdf").write_bytes((DATA / "tidewell" / "handbook.pdf").read_bytes()[:3000])
    (OUT / "encrypted.pdf").write_bytes(encrypted_pdf())
    (OUT / "scanned.pdf").write_bytes(scanned_pdf())
    print("wrote", ", ".join(sorted(p.name for p in OUT.iterdir())))


if __name__ == "__main__":
    main()
