"""HTML → PDF with WeasyPrint and an embedded CJK font, so Chinese prints on any machine.

The font is Noto Sans SC (OFL-1.1) from the ``pylopdf-fonts-zh-cn`` package; WeasyPrint embeds a
subset. If that package is missing, Debian's ``fonts-noto-cjk`` is used. ReportLab's built-in
``STSong-Light`` is never used: it is not embedded and shows empty boxes without local fonts.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

SYSTEM_FALLBACKS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


class FontMissing(RuntimeError):
    pass


@functools.cache
def cjk_font_path() -> Path:
    """The file of the embedded CJK font (raises :class:`FontMissing` when none is installed)."""
    try:
        candidate = resources.files("pylopdf_fonts_zh_cn") / "NotoSansSC-Regular.otf"
        with resources.as_file(candidate) as path:
            if path.is_file():
                return Path(path)
    except ModuleNotFoundError:
        pass
    for path in SYSTEM_FALLBACKS:
        if path.is_file():
            return path
    raise FontMissing("No CJK font: pip install pylopdf-fonts-zh-cn, or apt-get install fonts-noto-cjk")


def font_face_css() -> str:
    uri = cjk_font_path().as_uri()
    return f"@font-face {{ font-family: 'DocCJK'; src: url('{uri}'); }}\nhtml {{ font-family: 'DocCJK', sans-serif; }}\n"


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` (HTML) to PDF bytes; the template gets ``font_face_css``."""
    from weasyprint import HTML  # heavy import: only when printing

    html = render_to_string(
        template_name,
        {"font_face_css": font_face_css(), "company_name": settings.COMPANY_NAME, **context},
    )
    return bytes(HTML(string=html, base_url=str(settings.PACKAGE_DIR)).write_pdf())
