"""Failure is loud and outputs are never half-written: bad data, a failing notebook cell and an uncommitted tree are
refused with a message that names the problem, and what was built before stays as it was. Each test works on a copy
of the repository's tracked files (helpers in test_reliability.py)."""
import shutil
from pathlib import Path

import nbformat

from cwreport import ROOT

from test_reliability import build, git_repo, release, repo_copy


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


def test_release_refuses_uncommitted_changes(tmp_path):
    root = git_repo(tmp_path)
    (root / "data" / "claims.csv").write_text((root / "data" / "claims.csv").read_text() + "\n", encoding="utf-8")
    res = release(root)
    assert res.returncode == 1 and "uncommitted changes" in res.stderr
    assert not (root / "_build").exists(), "nothing may be built over uncommitted changes"
