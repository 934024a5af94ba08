"""Failure is loud, outputs are never half-written, the build needs no network, it is deterministic, a no-change
rebuild does no work, and a release is complete and reproducible.

Each test works on a copy of the repository's tracked files, built with this environment's Python. Cold builds are
the expensive part, so the module makes two and shares them: the first release of a committed copy is built with
the network cut (it is also the offline build), the second release of the same commit is a second cold build (two
releases agree, and two builds give the same pages and notebook outputs), and the rebuild tests then work on that
copy incrementally. (Refusals and failures, each on a copy of its own, are in test_failures.py: another worker
runs them meanwhile.)"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cwreport import __version__
from cwreport.build import PDF_NAME, copy_tracked

EPOCH = "1764374400"  # a fixed SOURCE_DATE_EPOCH for reproducible build dates
NAME = f"cold-war-2-part-2-fact-check-{__version__}"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "2026-11-29T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-11-29T00:00:00Z"}


def repo_copy(dest: Path) -> Path:
    return copy_tracked(dest)


def git_repo(tmp: Path) -> Path:
    root = repo_copy(tmp)
    env = dict(os.environ, **GIT_ENV)
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "fixture"]):
        subprocess.run(cmd, cwd=root, env=env, check=True)
    return root


def _run(root: Path, module: str, *args, offline=False):
    env = dict(os.environ, PYTHONPATH=str(root), SOURCE_DATE_EPOCH=EPOCH)
    cmd = [sys.executable, "-m", module, *args]
    if offline:
        if shutil.which("unshare") is None or shutil.which("ip") is None:
            pytest.fail("unshare and ip (util-linux, iproute2) are needed to cut the network; scripts/env.sh installs them")
        cmd = ["unshare", "-n", "sh", "-c", "ip link set lo up && exec " + " ".join(cmd)]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=900)


def build(root: Path, *args, offline=False):
    return _run(root, "cwreport.build", *args, offline=offline)


def release(root: Path, offline=False):
    return _run(root, "cwreport.release", offline=offline)


def _texts(root: Path) -> dict:
    html = {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in (root / "_build" / "html").rglob("*.html")}
    nbs = {}
    for p in (root / "_build" / "staging" / "_build" / "jupyter_execute").rglob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        nbs[p.name] = [c.get("outputs") for c in nb.cells if c.cell_type == "code"]
    return {"html": html, "notebooks": nbs}


# -- one committed copy: two cold releases with the network cut, then rebuilds ------------------------------------

@pytest.fixture(scope="module")
def first_release(tmp_path_factory):
    """A release of a committed copy, built from nothing with the network cut (unshare -n: loopback only)."""
    root = git_repo(tmp_path_factory.mktemp("rel"))
    res = release(root, offline=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return {"root": root, "texts": _texts(root), "log": res.stdout + res.stderr}


@pytest.fixture(scope="module")
def second_release(first_release):
    """The same commit released again from a clean state (the release empties _build but for earlier releases),
    after the first release was moved aside."""
    root = first_release["root"]
    aside = root.parent / "first-release"
    shutil.move(str(root / "_build" / "release" / NAME), str(aside))
    res = release(root, offline=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return {"root": root, "first": aside, "second": root / "_build" / "release" / NAME, "texts": _texts(root),
            "log": res.stdout + res.stderr}


def test_build_succeeds_with_the_network_cut(first_release):
    root = first_release["root"]
    assert (root / "_build" / "html" / "book" / "sk1_night.html").exists()
    assert list((root / "_build" / "pdf").glob("*.pdf"))
    assert len(re.findall(r"Executing notebook using", first_release["log"])) == len(list((root / "book").glob("*.ipynb")))


def test_release_folder_contents(first_release):
    folder = first_release["root"] / "_build" / "release" / NAME
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version"] == __version__ and len(manifest["git_commit"]) == 40 and manifest["build_date"]
    paths = {f["path"] for f in manifest["files"]}
    assert f"{NAME}.pdf" in paths
    assert f"{NAME}-html.zip" in paths
    assert {"data/datapackage.json", "data/claims.csv", "data/sources.csv"} <= paths
    assert any(p.startswith("notebooks/") for p in paths)
    nb = json.loads((folder / "notebooks" / "sk1_night.ipynb").read_text())
    assert nb["metadata"]["cwreport"]["edition"] == __version__
    assert manifest["print_environment"]["chromium"] and "fonts-noto-cjk" in manifest["print_environment"]["font_packages"]
    for f in manifest["files"]:  # every checksum is right
        assert hashlib.sha256((folder / f["path"]).read_bytes()).hexdigest() == f["sha256"], f["path"]


def test_release_refuses_an_existing_version(first_release):
    res = release(first_release["root"])
    assert res.returncode == 1 and "already has a release" in res.stderr


def test_two_releases_of_one_commit_agree(second_release):
    first, again = second_release["first"], second_release["second"]
    m1 = {f["path"]: f["sha256"] for f in json.loads((first / "manifest.json").read_text())["files"]}
    m2 = {f["path"]: f["sha256"] for f in json.loads((again / "manifest.json").read_text())["files"]}
    same = [p for p in m1 if p.startswith(("data/", "notebooks/"))]
    assert same and all(m1[p] == m2.get(p) for p in same)
    text = lambda d: subprocess.run(["pdftotext", "-enc", "UTF-8", str(d / f"{NAME}.pdf"), "-"],
                                    capture_output=True, check=True).stdout.decode("utf-8").split("\f")
    assert len(text(first)) > 8 and text(first) == text(again)  # every page's text


def test_two_builds_give_identical_html_and_outputs(first_release, second_release):
    first, second = first_release["texts"], second_release["texts"]
    assert len(re.findall(r"Executing notebook using", second_release["log"])) == len(first["notebooks"])  # cold again
    assert first["notebooks"] and first["notebooks"] == second["notebooks"]
    assert set(first["html"]) == set(second["html"])
    diff = [k for k in first["html"] if first["html"][k] != second["html"][k]]
    assert diff == [], f"pages differ between two builds: {diff}"


def test_a_rebuild_with_no_change_does_no_work(second_release):
    root = second_release["root"]
    pdf = root / "_build" / "pdf" / PDF_NAME
    before = {p: p.read_bytes() for p in [pdf, root / "_build" / "html" / "book" / "sk1_night.html"]}
    res = build(root)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "nothing changed since the last build" in res.stdout, res.stdout[-2000:]
    assert "jupyter-book" not in res.stdout and "Executing notebook" not in res.stdout + res.stderr
    assert all(p.read_bytes() == b for p, b in before.items()), "a no-change rebuild rewrote its outputs"
    # a file saved again with the same bytes is no change, and an HTML-only build asks for less than there is;
    # a new build date is a change
    (root / "data" / "claims.csv").touch()
    for args in ([], ["--html-only"]):
        res = build(root, *args)
        assert res.returncode == 0 and "nothing changed since the last build" in res.stdout, (args, res.stdout[-500:])
    code = "from cwreport.build import inputs_digest; print(inputs_digest())"
    digest = lambda epoch: subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                                          env=dict(os.environ, PYTHONPATH=str(root), SOURCE_DATE_EPOCH=epoch)).stdout
    assert digest(EPOCH) == digest(EPOCH) != digest(str(int(EPOCH) + 86400))


def test_csv_edit_reexecutes_exactly_its_readers_and_updates_the_page(second_release):
    root = second_release["root"]
    csv = root / "data" / "sk_martial_law_night.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Martial law declared", "Martial law proclaimed"), encoding="utf-8")
    res = build(root, "--html-only")
    assert res.returncode == 0, res.stderr[-2000:]
    log = res.stdout + res.stderr
    ran = sorted(set(re.findall(r"book/(\w+)\.ipynb: Executing notebook", log)))
    readers = sorted(p.stem for p in (root / "book").glob("*.ipynb")
                     if "sk_martial_law_night" in p.read_text(encoding="utf-8"))
    assert ran == readers and "sk1_night" in ran, f"re-executed {ran}, readers {readers}"
    page = (root / "_build" / "html" / "book" / "sk1_night.html").read_text(encoding="utf-8")
    assert "Martial law proclaimed" in page, "the page still shows the old data"


def test_package_edit_reexecutes_every_notebook(second_release):
    root = second_release["root"]
    mod = root / "cwreport" / "prose.py"
    mod.write_text(mod.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    res = build(root, "--html-only")
    assert res.returncode == 0, res.stderr[-2000:]
    ran = set(re.findall(r"book/(\w+)\.ipynb: Executing notebook", res.stdout + res.stderr))
    assert ran == {p.stem for p in (root / "book").glob("*.ipynb")}
