"""Measure the build and the book on this machine, in one run. Not a test.

Usage: python benchmarks/run.py [--skip-tests]   (from the repository root, in the project env:
`source scripts/env.sh` first). Works on a copy of the tracked files in a temporary folder, so the
working tree is never touched. Prints a Markdown table and writes it to benchmarks/results.md.
"""
from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def copy_repo(dest: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from cwreport.build import copy_tracked

    return copy_tracked(dest)


def run(root: Path, *args) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(root))
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "cwreport.build", *args], cwd=root, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"build failed: {res.stderr[-2000:]}")
    return dt, res.stdout + res.stderr


def executed(log: str) -> int:
    return len(re.findall(r"Executing notebook using", log))


def floor(root: Path) -> float:
    """Kernel start plus the setup cell (imports) of every chapter, back to back."""
    from nbclient import NotebookClient

    total = 0.0
    for nb_path in sorted((root / "book").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        setup = [c for c in nb.cells if c.cell_type == "code"][:1]
        nb.cells = setup
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(nb_path.parent)}}).execute()
        total += time.perf_counter() - t0
    return total


def page_weight(html_dir: Path, page: Path) -> tuple[int, int]:
    """Bytes of the page plus every local asset it references: raw, and gzip-compressed."""
    import gzip

    html = page.read_bytes()
    raw, gz = len(html), len(gzip.compress(html))
    for ref in set(re.findall(r'(?:src|href)="([^"#?]+)', html.decode("utf-8"))):
        p = (page.parent / ref).resolve()
        if p.is_file() and p.suffix in (".js", ".css", ".woff2", ".woff", ".png", ".svg", ".ico"):
            data = p.read_bytes()
            raw += len(data)
            gz += len(gzip.compress(data))
    return raw, gz


def chart_times(html_dir: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from cwreport.pdf import WAIT_CHARTS, browser, open_offline, serve

    out = {}
    with serve(html_dir) as base, browser() as b:
        for page in sorted((html_dir / "book").glob("*.html")):
            if page.name == "index.html":
                continue
            ctx = b.new_context()
            p = ctx.new_page()
            t0 = time.perf_counter()
            p.goto(f"{base}/book/{page.name}", wait_until="domcontentloaded")
            p.wait_for_function(WAIT_CHARTS, timeout=30_000)
            out[page.stem] = time.perf_counter() - t0
            ctx.close()
    return out


def main() -> int:
    skip_tests = "--skip-tests" in sys.argv
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo(Path(tmp) / "repo")
        cold_html, log = run(root, "--html-only")
        n_nb = executed(log)
        shutil.rmtree(root / "_build")
        cold_full, log_full = run(root)
        m = re.search(r"== PDF: headers, outline, metadata \(([\d.]+) s\)", log_full)
        pdf_step = float(m.group(1)) if m else float("nan")
        nochange_first, log_first = run(root)
        nochange, log_nc = run(root)
        # edit one chapter: a comment in its first code cell
        nb_path = root / "book" / "sk1_night.ipynb"
        nb = nbformat.read(nb_path, as_version=4)
        next(c for c in nb.cells if c.cell_type == "code").source += "\n# benchmark edit"
        nbformat.write(nb, nb_path)
        one_ch, log_ch = run(root)
        # edit one CSV that only some chapters read
        csv = root / "data" / "sk_martial_law_night.csv"
        csv.write_text(csv.read_text(encoding="utf-8").replace("Martial law declared", "Martial law declared."), encoding="utf-8")
        one_csv, log_csv = run(root)
        readers = [p.name for p in (root / "book").glob("*.ipynb") if "sk_martial_law_night" in p.read_text()]
        fl = floor(root)
        # naive: execute everything, no cache
        cfg = root / "_config.yml"
        cfg.write_text(cfg.read_text().replace("execute_notebooks: cache", "execute_notebooks: force"))
        shutil.rmtree(root / "_build")
        naive, _ = run(root, "--html-only")
        cfg.write_text(cfg.read_text().replace("execute_notebooks: force", "execute_notebooks: cache"))
        html_dir = root / "_build" / "html"
        weights = {p.stem: page_weight(html_dir, p) for p in sorted((html_dir / "book").glob("*.html"))}
        charts = chart_times(html_dir)
    tests = None
    if not skip_tests:  # the same command as scripts/test, after the build
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile",
                              "--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "tests", "book"],
                             cwd=ROOT, capture_output=True, text=True)
        tests = time.perf_counter() - t0
        tests_line = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else "?"
    # generated bad input: at least 500 examples over the validator (the tests run a bounded few)
    n_each = 63
    count_file = Path(tempfile.mkstemp(suffix=".txt")[1])
    t0 = time.perf_counter()
    gen = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                          "tests/test_generated_input.py"], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, CW_HYPOTHESIS_EXAMPLES=str(n_each), CW_HYPOTHESIS_COUNT=str(count_file)))
    kinds = count_file.read_text().split()
    refused, accepted = kinds.count("refused"), kinds.count("accepted")
    gen_time = time.perf_counter() - t0
    n_tests = len(re.findall(r"^def test_", (ROOT / "tests" / "test_generated_input.py").read_text(), re.M))
    gen_line = gen.stdout.strip().splitlines()[-1] if gen.stdout.strip() else "?"

    def s(x):
        return f"{x:.1f} s"

    rows += [
        ("machine", f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"),
        ("cold build, HTML only", f"{s(cold_html)} ({n_nb} notebooks executed)"),
        ("cold build, HTML + PDF", s(cold_full)),
        ("PDF step within the cold build", f"{s(pdf_step)} ({pdf_step / cold_full:.0%} of the cold build; target 30%)"),
        ("first rebuild after a cold build (HTML + PDF)", f"{s(nochange_first)} ({nochange_first / cold_full:.0%} of cold; "
         f"{'PDF reused' if 'keeping it' in log_first else 'PDF printed again'}; target 10%)"),
        ("no-change rebuild (HTML + PDF)", f"{s(nochange)} ({executed(log_nc)} notebooks executed, PDF reused)"),
        ("rebuild after editing one chapter", f"{s(one_ch)} ({executed(log_ch)} notebook executed)"),
        ("rebuild after editing one CSV", f"{s(one_csv)} ({executed(log_csv)} executed; readers: {', '.join(sorted(readers))})"),
        ("floor: kernel start + imports, all notebooks", s(fl)),
        ("naive HTML build (execute force, no cache)", s(naive)),
        ("test suite", f"{s(tests)} ({tests_line})" if tests is not None else "skipped (--skip-tests)"),
        ("ratio no-change / cold", f"{nochange / cold_full:.0%} (target 10%)"),
        ("generated bad input (hypothesis)", f"{refused + accepted} examples ({refused} damaged inputs refused with file, "
         f"line and column or claim named; {accepted} harmless edits accepted; {n_tests} properties, up to {n_each} each) "
         f"in {s(gen_time)}: {gen_line}"),
        ("ratio one-chapter / cold", f"{one_ch / cold_full:.0%}"),
        ("ratio cold HTML / naive HTML", f"{cold_html / naive:.2f}"),
        ("ratio cold HTML / floor", f"{cold_html / fl:.2f}"),
    ]
    rows += [(f"page weight {k} (HTML + local assets)", f"{v[0] / 1e6:.2f} MB raw, {v[1] / 1e6:.2f} MB gzipped"
              + ("" if v[0] <= 1.5e6 else " (over the 1.5 MB target)")) for k, v in weights.items()]
    rows += [(f"charts rendered, {k}", f"{v:.2f} s") for k, v in charts.items()]
    table = "| measure | value |\n| --- | --- |\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(table)
    (ROOT / "benchmarks" / "results.md").write_text(f"Measured {time.strftime('%Y-%m-%d')}:\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
