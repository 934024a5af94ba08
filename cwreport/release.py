"""Build a versioned release: ``scripts/release`` (or ``python -m cwreport.release``).

From a clean state it builds the HTML book and the PDF, then writes
``_build/release/cold-war-2-part-2-fact-check-<version>/`` with the PDF, a zip of the HTML site, the data
package (every CSV, the ledger and datapackage.json), the notebooks, and ``manifest.json`` listing every file
with its SHA-256, the version, the build date and the git commit. It refuses to run over uncommitted changes,
over a version that already has a release, or when CHANGELOG.md has no section for the version.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from . import ROOT, __version__

NAME = "cold-war-2-part-2-fact-check"
RELEASES = ROOT / "_build" / "release"


def _git(*args) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def refuse(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 1


def _sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _zip_dir(src: Path, dst: Path, epoch: int) -> None:
    """A reproducible zip: sorted entries, fixed timestamps and permissions."""
    import time

    stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip cannot store dates before 1980
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                info = zipfile.ZipInfo(str(Path(NAME + "-html") / p.relative_to(src)), date_time=stamp)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, p.read_bytes())


def main(argv=None) -> int:
    version = __version__
    target = RELEASES / f"{NAME}-{version}"
    if _git("status", "--porcelain"):
        return refuse("uncommitted changes in the working tree: commit or stash them, then release")
    if target.exists():
        return refuse(f"version {version} already has a release in {target.relative_to(ROOT)}: "
                      "bump __version__ in cwreport/__init__.py for a new release")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    if f"## Version {version}" not in changelog:
        return refuse(f"CHANGELOG.md has no '## Version {version}' section: run "
                      f"`python -m cwreport.changelog` and add it")
    commit = _git("rev-parse", "HEAD")
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or _git("log", "-1", "--format=%ct"))
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    # a clean state: everything under _build except earlier releases
    for p in (ROOT / "_build").glob("*") if (ROOT / "_build").exists() else []:
        if p.name != "release":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    from . import build
    from .sphinx_ext import build_date

    if build.main([]) != 0:
        return refuse("the build failed; no release was written")
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    (tmp / "notebooks").mkdir()
    shutil.copy2(ROOT / "_build" / "pdf" / build.PDF_NAME, tmp / build.PDF_NAME)
    _zip_dir(ROOT / "_build" / "html", tmp / f"{NAME}-{version}-html.zip", epoch)
    for p in sorted((ROOT / "data").iterdir()):
        if p.is_file():
            shutil.copy2(p, tmp / "data" / p.name)
    for p in sorted((ROOT / "book").glob("*.ipynb")):  # each notebook says which edition it belongs to
        nb = json.loads(p.read_text(encoding="utf-8"))
        nb.setdefault("metadata", {})["cwreport"] = {"edition": version, "git_commit": commit}
        (tmp / "notebooks" / p.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    files = [{"path": str(p.relative_to(tmp)), "bytes": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(tmp.rglob("*")) if p.is_file()]
    # What the PDF's reproducibility depends on besides the commit: the Chromium that printed it and its fonts.
    env_file = ROOT / "_build" / "pdf" / "print-environment.json"
    print_env = json.loads(env_file.read_text()) if env_file.exists() else {}
    manifest = {"name": NAME, "version": version, "build_date": build_date(), "git_commit": commit,
                "source_date_epoch": epoch, "print_environment": print_env, "files": files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.rename(target)
    total = sum(f["bytes"] for f in files)
    print(f"== release {version} in {target.relative_to(ROOT)}: {len(files)} files, {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
