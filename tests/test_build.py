"""Build bookkeeping: each notebook's inputs are tracked, so a data change re-executes exactly
the notebooks that read it and a package change re-executes all of them."""
import shutil
import subprocess
import sys

from cwreport import ROOT
from cwreport.build import notebook_inputs

from conftest import chapter_notebooks


def test_inputs_of_chapter_one():
    names = {p.name for p in notebook_inputs(ROOT / "book" / "sk1_night.ipynb")}
    assert {"sk_assembly_seats_2024.csv", "sk_yoon_approval_gallup.csv", "sk_martial_law_night.csv",
            "sk_assembly_votes.csv", "claims.csv", "sources.csv", "datapackage.json"} <= names


def _hashes(root):
    code = ("import json,sys; from pathlib import Path; from cwreport.build import dependency_hash;"
            "print(json.dumps({p.name: dependency_hash(p) for p in sorted(Path('book').glob('*.ipynb'))}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, check=True)
    import json
    return json.loads(out.stdout)


def test_data_change_touches_only_its_readers_package_change_touches_all(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__"))
    before = _hashes(copy)
    assert set(before) >= {p.name for p in chapter_notebooks()}
    # a CSV that only chapter one reads
    night = copy / "data" / "sk_martial_law_night.csv"
    night.write_text(night.read_text(encoding="utf-8").replace("Martial law declared", "Martial law declared!"), encoding="utf-8")
    after = _hashes(copy)
    changed = {k for k in before if before[k] != after[k]}
    readers = {p.name for p in (copy / "book").glob("*.ipynb")
               if "sk_martial_law_night" in p.read_text(encoding="utf-8")}
    assert changed == readers and "sk1_night.ipynb" in changed
    # the shared package: every notebook
    (copy / "cwreport" / "charts.py").write_text((copy / "cwreport" / "charts.py").read_text() + "\n# edit\n")
    again = _hashes(copy)
    assert all(again[k] != after[k] for k in after)
