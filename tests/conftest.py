"""Shared fixtures. Tests over the built book need `scripts/build` (scripts/test runs it first);
if the build is missing they fail, they are never skipped."""
import re
from pathlib import Path

import pytest
import yaml

from cwreport import ROOT, __version__

HTML = ROOT / "_build" / "html"
PDF_DIR = ROOT / "_build" / "pdf"


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]


def chapter_notebooks():
    """Notebooks that check a section of the article (named <chapter id>_<slug>, e.g. sk1_night)."""
    return [ROOT / f"{f}.ipynb" for f in toc_files()
            if (ROOT / f"{f}.ipynb").exists() and re.match(r"[a-z]+\d_", Path(f).name)]


def chapter_titles():
    import json

    titles = {}
    for nb in chapter_notebooks():
        first = json.loads(nb.read_text())["cells"][0]["source"]
        text = "".join(first) if isinstance(first, list) else first
        titles[nb.stem] = re.search(r"^# (.+)$", text, re.M).group(1).strip()
    return titles


@pytest.fixture(scope="session")
def html_dir():
    assert (HTML / "index.html").exists(), "no built HTML in _build/html: run scripts/build first"
    return HTML


@pytest.fixture(scope="session")
def pdf_path():
    pdfs = sorted(PDF_DIR.glob("*.pdf"))
    assert pdfs, "no PDF in _build/pdf: run scripts/build first"
    assert len(pdfs) == 1, f"expected exactly one PDF, found {pdfs}"
    assert __version__ in pdfs[0].name, "the PDF's file name must carry the version"
    return pdfs[0]
