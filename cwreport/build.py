"""Build the book: validate data, HTML (-n -W --keep-going), single-page HTML, PDF.

Usage: ``python -m cwreport.build [--html-only]``. Work happens in _build/staging;
_build/html and _build/pdf are replaced only when every step has succeeded, so a
failed build leaves the previous outputs intact.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import ROOT, __version__
from .validate import problems

BUILD = ROOT / "_build"
STAGING = BUILD / "staging"
CACHE = BUILD / ".jupyter_cache"
STAMP = BUILD / ".inputs-hash"
PDF_NAME = f"cold-war-2-part-2-fact-check-{__version__}.pdf"


def inputs_hash() -> str:
    """Hash of what notebooks read besides their own code: data/ and the package."""
    h = hashlib.sha256()
    for folder in ("data", "cwreport", "seeds"):
        for p in sorted((ROOT / folder).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _jb(builder: str) -> None:
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "--path-output", str(STAGING),
           "--builder", builder, "-n", "-W", "--keep-going"]
    print("== jupyter-book", " ".join(cmd[1:]), flush=True)
    res = subprocess.run(cmd, cwd=ROOT)
    if res.returncode != 0 or not (STAGING / "_build" / builder / "index.html").exists() and builder == "html":
        raise SystemExit(f"error: the {builder} build failed (see the messages above); "
                         "previous outputs in _build/ were left as they were.")


def _replace_dir(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    old = dst.with_name(dst.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dst.exists():
        dst.rename(old)
    tmp.rename(dst)
    shutil.rmtree(old, ignore_errors=True)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    t0 = time.time()
    found = problems()
    if found:
        for p in found:
            print(p, file=sys.stderr)
        print(f"error: {len(found)} problem(s) in data/; nothing was built.", file=sys.stderr)
        return 1
    BUILD.mkdir(exist_ok=True)
    digest = inputs_hash()
    if CACHE.exists() and (not STAMP.exists() or STAMP.read_text() != digest):
        print("== data or package changed since the last build: clearing the execution cache", flush=True)
        shutil.rmtree(CACHE)
    _jb("html")
    STAMP.write_text(digest)
    if "--html-only" in argv:
        _replace_dir(STAGING / "_build" / "html", BUILD / "html")
        print(f"== HTML in _build/html ({time.time() - t0:.0f} s)")
        return 0
    _jb("singlehtml")
    from .pdf import make_pdf

    pdf_tmp = STAGING / PDF_NAME
    make_pdf(STAGING / "_build" / "singlehtml", pdf_tmp)
    _replace_dir(STAGING / "_build" / "html", BUILD / "html")
    out = BUILD / "pdf"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.pdf"):
        old.unlink()
    shutil.copy2(pdf_tmp, out / PDF_NAME)
    print(f"== HTML in _build/html, PDF in _build/pdf/{PDF_NAME} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
