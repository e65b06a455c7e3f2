"""服表001 as PDF: A4, Chinese in an embedded font, only for those who may see the unit."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zlib

from aftersales.common.pdf import cjk_font_path, render_pdf
from aftersales.conftest import World
from aftersales.installed.models import Unit


def assert_fonts_embedded(pdf: bytes) -> None:
    if shutil.which("pdffonts"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            out = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows, out
        assert all(re.search(r"\byes\b\s+(yes|no)\s+(yes|no)\s+\d+", row) for row in rows), out
    else:  # no poppler: look inside the (compressed) object streams for the embedded font files
        assert b"/FontFile" in b"".join([pdf, *pdf_streams(pdf)])


def pdf_streams(pdf: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def test_the_cjk_font_is_found() -> None:
    assert cjk_font_path().is_file()


def test_service_record_pdf(world: World, sh_unit: Unit) -> None:
    response = world.client("sh_agent").get(f"/installed/units/{sh_unit.pk}/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert_fonts_embedded(pdf)
    assert re.search(rb"/MediaBox ?\[0 0 595", b"".join([pdf, *pdf_streams(pdf)]))  # A4


def test_render_pdf_embeds_the_font_for_chinese() -> None:
    pdf = render_pdf("pdf/service_record.html", {"unit": None, "events": []})
    assert pdf.startswith(b"%PDF-")
    assert_fonts_embedded(pdf)
    assert b"NotoSansSC" in b"".join([pdf, *pdf_streams(pdf)])


def test_the_pdf_refuses_outsiders(world: World, sh_unit: Unit) -> None:
    assert world.client("hz_agent").get(f"/installed/units/{sh_unit.pk}/record.pdf").status_code == 404
    assert world.client("customer").get(f"/installed/units/{sh_unit.pk}/record.pdf").status_code == 200
