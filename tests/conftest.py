"""Shared fixtures. Tests over the built book need `scripts/build` (scripts/test runs it first);
if the build is missing they fail, they are never skipped."""
import pytest
import yaml

from cwreport import ROOT, __version__
from cwreport.ledger import chapter_notebooks, chapter_titles  # noqa: F401  (defined once, in the package)

HTML = ROOT / "_build" / "html"
PDF_DIR = ROOT / "_build" / "pdf"


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]


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
