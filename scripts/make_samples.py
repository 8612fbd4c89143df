"""Make the small bad files of data/samples/, used to show the course's one-line errors.

Usage: ``python scripts/make_samples.py [OUTPUT_DIR]`` (after scripts/make_handbook.py).
Deterministic: every run writes the same bytes (tests/test_data.py checks it).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
from pathlib import Path
from unittest import mock

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
    # pypdf draws the file identifier and the AES salts from secrets.token_bytes: seed them, so
    # the sample is the same file every run. (For a sample only: never do this for real secrets.)
    seeded = random.Random(2026)
    with mock.patch("secrets.token_bytes", seeded.randbytes):
        writer.encrypt(
            user_password="tidewell", owner_password="tidewell-owner", algorithm="AES-128"
        )
        buffer = io.BytesIO()
        writer.write(buffer)
    return buffer.getvalue()


def main(out: Path = OUT) -> None:
    """Write every sample file into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "empty.txt").write_bytes(b"")
    notice = (DATA / "tidewell" / "notice.ko.txt").read_text(encoding="utf-8")
    (out / "notice.cp949.txt").write_bytes(notice.encode("cp949"))
    (out / "corrupt.pdf").write_bytes((DATA / "tidewell" / "handbook.pdf").read_bytes()[:3000])
    (out / "encrypted.pdf").write_bytes(encrypted_pdf())
    (out / "scanned.pdf").write_bytes(scanned_pdf())
    print("wrote", ", ".join(sorted(p.name for p in out.iterdir())))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
