"""Failure is loud, outputs are never half-written, the build needs no network, and it is deterministic.

Each test works on a copy of the repository's tracked files, built with this environment's Python."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cwreport import ROOT
from cwreport.build import copy_tracked

EPOCH = "1764374400"  # a fixed SOURCE_DATE_EPOCH for reproducible build dates


def repo_copy(dest: Path) -> Path:
    return copy_tracked(dest)


def build(root: Path, *args, offline=False, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(root), SOURCE_DATE_EPOCH=EPOCH, **(env_extra or {}))
    cmd = [sys.executable, "-m", "cwreport.build", *args]
    if offline:
        cmd = ["unshare", "-n", "sh", "-c", "ip link set lo up && exec " + " ".join(cmd)]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_bad_data_refuses_to_build_and_keeps_previous_outputs(tmp_path):
    root = repo_copy(tmp_path)
    (root / "_build" / "html").mkdir(parents=True)
    (root / "_build" / "html" / "index.html").write_text("previous build")
    seats = root / "data" / "sk_assembly_seats_2024.csv"
    lines = seats.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",90,", ",ninety,")
    seats.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = build(root)
    assert res.returncode == 1
    assert "data/sk_assembly_seats_2024.csv, line 3, column 'constituency_seats'" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert (root / "_build" / "html" / "index.html").read_text() == "previous build"
    assert not (root / "_build" / "staging").exists(), "nothing may be built from bad data"


def seed_cache(root: Path) -> None:
    """Give a copy the main build's execution cache and input record, so that only what the test changes
    is executed again (the copy's notebooks are the same files)."""
    src = ROOT / "_build"
    assert (src / ".jupyter_cache").is_dir(), "run scripts/build first: the tests reuse its execution cache"
    (root / "_build").mkdir(exist_ok=True)
    shutil.copytree(src / ".jupyter_cache", root / "_build" / ".jupyter_cache")
    shutil.copy2(src / ".notebook-inputs.json", root / "_build" / ".notebook-inputs.json")


def test_notebook_error_fails_the_build_naming_notebook_and_cell(tmp_path):
    root = repo_copy(tmp_path)
    seed_cache(root)  # only the broken chapter executes
    nb_path = root / "book" / "sk1_night.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('deliberate failure')"))
    nbformat.write(nb, nb_path)
    for attempt in (1, 2):  # the failure must stick: a rebuild may not treat the page as up to date
        res = build(root, "--html-only")
        assert res.returncode != 0, f"attempt {attempt}: build passed despite a failing cell"
        assert "error: book/sk1_night.ipynb, cell 4 raised ValueError: deliberate failure" in res.stderr
    assert not (root / "_build" / "html").exists(), "a failed build must not publish HTML"


@pytest.fixture(scope="module")
def offline_build(tmp_path_factory):
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("unshare and ip (util-linux, iproute2) are needed to cut the network; scripts/env.sh installs them")
    root = repo_copy(tmp_path_factory.mktemp("offline"))
    res = build(root, offline=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return root


def test_build_succeeds_with_the_network_cut(offline_build):
    assert (offline_build / "_build" / "html" / "book" / "sk1_night.html").exists()
    assert list((offline_build / "_build" / "pdf").glob("*.pdf"))


def _texts(root: Path) -> dict:
    html = {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in (root / "_build" / "html").rglob("*.html")}
    nbs = {}
    for p in (root / "_build" / "staging" / "_build" / "jupyter_execute").rglob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        nbs[p.name] = [c.get("outputs") for c in nb.cells if c.cell_type == "code"]
    return {"html": html, "notebooks": nbs}


def test_two_builds_give_identical_html_and_outputs(offline_build):
    first = _texts(offline_build)
    shutil.rmtree(offline_build / "_build")  # cold again: re-execute every notebook
    res = build(offline_build, "--html-only")
    assert res.returncode == 0, res.stderr[-2000:]
    second = _texts(offline_build)
    assert first["notebooks"] and first["notebooks"] == second["notebooks"]
    assert set(first["html"]) == set(second["html"])
    diff = [k for k in first["html"] if first["html"][k] != second["html"][k]]
    assert diff == [], f"pages differ between two builds: {diff}"


def test_csv_edit_reexecutes_exactly_its_readers_and_updates_the_page(offline_build):
    csv = offline_build / "data" / "sk_martial_law_night.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Martial law declared", "Martial law proclaimed"), encoding="utf-8")
    res = build(offline_build, "--html-only")
    assert res.returncode == 0, res.stderr[-2000:]
    log = res.stdout + res.stderr
    ran = sorted(set(re.findall(r"book/(\w+)\.ipynb: Executing notebook", log)))
    readers = sorted(p.stem for p in (offline_build / "book").glob("*.ipynb")
                     if "sk_martial_law_night" in p.read_text(encoding="utf-8"))
    assert ran == readers and "sk1_night" in ran, f"re-executed {ran}, readers {readers}"
    page = (offline_build / "_build" / "html" / "book" / "sk1_night.html").read_text(encoding="utf-8")
    assert "Martial law proclaimed" in page, "the page still shows the old data"


def test_package_edit_reexecutes_every_notebook(offline_build):
    mod = offline_build / "cwreport" / "prose.py"
    mod.write_text(mod.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    res = build(offline_build, "--html-only")
    assert res.returncode == 0, res.stderr[-2000:]
    ran = set(re.findall(r"book/(\w+)\.ipynb: Executing notebook", res.stdout + res.stderr))
    assert ran == {p.stem for p in (offline_build / "book").glob("*.ipynb")}
