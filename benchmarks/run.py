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


def browse(html_dir: Path) -> dict[str, tuple[int, int, float]]:
    """Each page in a fresh browser context, served from 127.0.0.1 with other hosts blocked: its weight (bytes of
    the page and of everything it loaded, as the browser decoded them; and the same files gzip-compressed) and the
    time from the start of navigation until its last chart was drawn (the page's own clock; pages without charts:
    None)."""
    import gzip
    from urllib.parse import unquote, urlparse

    sys.path.insert(0, str(ROOT))
    from cwreport.pdf import PAGE_RESOURCES, WAIT_CHARTS, browser, open_offline, serve

    out = {}
    with serve(html_dir) as base, browser() as b:
        open_offline(b, f"{base}/book/index.html")[0].context.close()  # warm up the browser once
        for page in sorted((html_dir / "book").glob("*.html")):
            p, blocked, _ = open_offline(b, f"{base}/book/{page.name}", viewport={"width": 1400, "height": 900})
            p.wait_for_function(WAIT_CHARTS, timeout=30_000)
            # when the last chart was drawn, in the page's own clock (ms from the start of navigation); None: no chart
            last = p.evaluate("() => Math.max(...Array.from(document.querySelectorAll('.cw-vis')).map(e => +e.dataset.drawn))")
            drawn = last / 1000 if isinstance(last, (int, float)) and last > 0 else None
            p.evaluate("document.fonts.ready.then(() => true)")
            res = p.evaluate(PAGE_RESOURCES)
            p.context.close()
            assert not blocked, f"{page.name} asked another host: {blocked}"
            raw = sum(size for _, size in res)
            gz = 0
            for url, _ in res:
                f = html_dir / unquote(urlparse(url).path).lstrip("/")
                if f.is_file():
                    gz += len(gzip.compress(f.read_bytes()))
            out[page.stem] = (raw, gz, drawn)
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
        pages = browse(html_dir)
    tests = None
    if not skip_tests:  # the same command as scripts/test, after the build
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile",
                              "--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "tests", "book"],  # = scripts/test
                             cwd=ROOT, capture_output=True, text=True)
        tests = time.perf_counter() - t0
        tests_line = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else "?"
    # generated bad input: at least 500 examples over the validator (the tests run a bounded few)
    n_each = 70  # 8 properties: up to 560 examples
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
         f"{'nothing to do' if 'nothing changed' in log_first else 'PDF reused' if 'keeping it' in log_first else 'PDF printed again'}; target 10%)"),
        ("no-change rebuild (HTML + PDF)", f"{s(nochange)} ({executed(log_nc)} notebooks executed, "
         f"{'nothing to do' if 'nothing changed' in log_nc else 'PDF reused'})"),
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
    rows += [(f"page weight {k} (the page and all it loads)", f"{v[0] / 1e6:.2f} MB raw, {v[1] / 1e6:.2f} MB gzipped"
              + ("" if v[0] <= 1.5e6 else " (over the 1.5 MB target)")) for k, v in pages.items()]
    rows += [("heaviest page", "{} ({:.2f} MB; target 1.5 MB)".format(*max(((k, v[0] / 1e6) for k, v in pages.items()),
                                                                      key=lambda kv: kv[1])))]
    rows += [(f"charts drawn, {k}", f"{v[2]:.2f} s after the page was asked for") for k, v in pages.items() if v[2]]
    rows += [("slowest page to draw its charts", "{} ({:.2f} s; target 1 s)".format(*max(((k, v[2]) for k, v in pages.items()
                                                                                    if v[2]), key=lambda kv: kv[1])))]
    table = "| measure | value |\n| --- | --- |\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(table)
    (ROOT / "benchmarks" / "results.md").write_text(f"Measured {time.strftime('%Y-%m-%d')}:\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
