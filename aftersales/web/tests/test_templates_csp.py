"""The pages' Content Security Policy forbids inline styles and scripts: no template may carry them
(PDF templates are rendered by WeasyPrint, not a browser, and may)."""

from __future__ import annotations

import re
from pathlib import Path

import aftersales

TEMPLATES = Path(aftersales.__file__).parent / "templates"
INLINE = re.compile(r"""\sstyle=["']|<script(?![^>]*\bsrc=)[^>]*>\s*\S|\son[a-z]+=["']""", re.IGNORECASE)


def test_no_page_template_has_inline_styles_scripts_or_handlers() -> None:
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "pdf" or path.name.endswith("_pdf.html"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()[:100]}")
    assert offenders == []
