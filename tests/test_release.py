"""The release command: refuses what it must, writes a complete release, and is reproducible."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from cwreport import __version__

from test_reliability import EPOCH, repo_copy

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "2026-11-29T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-11-29T00:00:00Z"}


def git_repo(tmp: Path) -> Path:
    root = repo_copy(tmp)
    env = dict(os.environ, **GIT_ENV)
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "fixture"]):
        subprocess.run(cmd, cwd=root, env=env, check=True)
    return root


def release(root: Path):
    env = dict(os.environ, PYTHONPATH=str(root), SOURCE_DATE_EPOCH=EPOCH)
    return subprocess.run([sys.executable, "-m", "cwreport.release"], cwd=root, env=env, capture_output=True, text=True, timeout=900)


def test_refuses_uncommitted_changes(tmp_path):
    root = git_repo(tmp_path)
    (root / "data" / "claims.csv").write_text((root / "data" / "claims.csv").read_text() + "\n", encoding="utf-8")
    res = release(root)
    assert res.returncode == 1 and "uncommitted changes" in res.stderr
    assert not (root / "_build").exists(), "nothing may be built over uncommitted changes"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = git_repo(tmp_path_factory.mktemp("rel"))
    res = release(root)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return root


def test_release_folder_contents(released):
    folder = released / "_build" / "release" / f"cold-war-2-part-2-fact-check-{__version__}"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version"] == __version__ and len(manifest["git_commit"]) == 40 and manifest["build_date"]
    paths = {f["path"] for f in manifest["files"]}
    assert f"cold-war-2-part-2-fact-check-{__version__}.pdf" in paths
    assert f"cold-war-2-part-2-fact-check-{__version__}-html.zip" in paths
    assert {"data/datapackage.json", "data/claims.csv", "data/sources.csv"} <= paths
    assert any(p.startswith("notebooks/") for p in paths)
    nb = json.loads((folder / "notebooks" / "sk1_night.ipynb").read_text())
    assert nb["metadata"]["cwreport"]["edition"] == __version__
    assert manifest["print_environment"]["chromium"] and "fonts-noto-cjk" in manifest["print_environment"]["font_packages"]
    for f in manifest["files"]:  # every checksum is right
        import hashlib
        assert hashlib.sha256((folder / f["path"]).read_bytes()).hexdigest() == f["sha256"], f["path"]


def test_refuses_an_existing_version(released):
    res = release(released)
    assert res.returncode == 1 and "already has a release" in res.stderr


def test_two_releases_of_one_commit_agree(released):
    name = f"cold-war-2-part-2-fact-check-{__version__}"
    first = released / "_build" / "release" / name
    aside = released.parent / "first-release"
    shutil.move(str(first), str(aside))
    res = release(released)
    assert res.returncode == 0, res.stderr[-2000:]
    m1 = {f["path"]: f["sha256"] for f in json.loads((aside / "manifest.json").read_text())["files"]}
    m2 = {f["path"]: f["sha256"] for f in json.loads((first / "manifest.json").read_text())["files"]}
    same = [p for p in m1 if p.startswith(("data/", "notebooks/"))]
    assert same and all(m1[p] == m2.get(p) for p in same)
    text = lambda d: [p.extract_text() for p in PdfReader(str(d / f"{name}.pdf")).pages]
    assert text(aside) == text(first)
