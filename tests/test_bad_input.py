"""Bad input fails validation with the file, the line and the column (or the claim id) named."""
import csv
import shutil

import pytest

from cwreport import ARTICLE, DATA
from cwreport.validate import problems


@pytest.fixture
def pkg(tmp_path):
    """A copy of the real data package to break one thing at a time."""
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data"


def edit(path, line, column, value):
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0].keys())
    rows[line - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def messages(pkg):
    return [str(p) for p in problems(pkg / "datapackage.json", ARTICLE)]


def test_real_package_has_no_problems(pkg):
    assert messages(pkg) == []


def test_wrong_type(pkg):
    edit(pkg / "sk_assembly_seats_2024.csv", 3, "total_seats", "one hundred")
    assert any("data/sk_assembly_seats_2024.csv, line 3, column 'total_seats'" in m and "Type Error" in m
               for m in messages(pkg)), messages(pkg)


def test_malformed_date(pkg):
    edit(pkg / "sk_yoon_approval_gallup.csv", 4, "field_end", "2024-13-45")
    assert any("sk_yoon_approval_gallup.csv, line 4, column 'field_end'" in m for m in messages(pkg))


def test_out_of_range(pkg):
    edit(pkg / "sk_yoon_approval_gallup.csv", 2, "approve_pct", "140")
    assert any("line 2, column 'approve_pct'" in m and "maximum" in m for m in messages(pkg))


def test_empty_source(pkg):
    edit(pkg / "sk_assembly_votes.csv", 2, "source_ids", "")
    assert any("sk_assembly_votes.csv, line 2, column 'source_ids'" in m for m in messages(pkg))


def test_unknown_source_id(pkg):
    edit(pkg / "sk_martial_law_night.csv", 5, "source_ids", "no-such-source")
    assert any("sk_martial_law_night.csv, line 5, column 'source_ids': unknown source id 'no-such-source'" in m
               for m in messages(pkg)), messages(pkg)


def test_duplicate_key(pkg):
    edit(pkg / "sk_martial_law_night.csv", 3, "event_id", "declaration")
    assert any("sk_martial_law_night.csv, line" in m and "event_id" in m and ("Unique Error" in m or "PrimaryKey Error" in m)
               for m in messages(pkg)), messages(pkg)


def test_quote_not_in_article_names_the_claim(pkg):
    with (pkg / "claims.csv").open(encoding="utf-8", newline="") as fh:
        first_id = next(csv.DictReader(fh))["id"]
    edit(pkg / "claims.csv", 2, "quote", "Yoon declared martial law on a Sunday")
    assert any(f"claims.csv, line 2, column 'quote': claim {first_id}: quote is not verbatim" in m for m in messages(pkg))


def test_verdict_off_scale(pkg):
    edit(pkg / "claims.csv", 3, "verdict", "pants on fire")
    assert any("claims.csv, line 3, column 'verdict'" in m and "enum" in m for m in messages(pkg))


def test_missing_column(pkg):
    path = pkg / "sk_assembly_votes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = [",".join(l.split(",")[:3]) for l in lines]
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    assert any("sk_assembly_votes.csv" in m and ("Missing Label" in m or "Missing Cell" in m) for m in messages(pkg))


def test_wrong_encoding(pkg):
    path = pkg / "sk_assembly_seats_2024.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Party", "Partý").encode("latin-1"))
    assert any("sk_assembly_seats_2024.csv" in m for m in messages(pkg)), messages(pkg)


def test_validate_cli_exits_nonzero_with_message(pkg, capsys):
    from cwreport.validate import main

    edit(pkg / "sk_assembly_seats_2024.csv", 2, "total_seats", "x")
    assert main([str(pkg / "datapackage.json")]) == 1
    err = capsys.readouterr().err
    assert "line 2, column 'total_seats'" in err and "nothing was built" in err


def test_truncated_file(pkg):
    path = pkg / "sk_martial_law_night.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut mid-row
    assert any("sk_martial_law_night.csv, line" in m for m in messages(pkg)), messages(pkg)


def test_extra_column(pkg):
    path = pkg / "sk_assembly_votes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",surprise"] + [l + ",x" for l in lines[1:]]) + "\n", encoding="utf-8")
    assert any("sk_assembly_votes.csv" in m and "surprise" in m for m in messages(pkg)), messages(pkg)


def test_messages_are_not_tracebacks(pkg):
    import subprocess
    import sys

    edit(pkg / "claims.csv", 4, "source_ids", "")
    res = subprocess.run([sys.executable, "-m", "cwreport.validate", str(pkg / "datapackage.json")],
                         capture_output=True, text=True)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "claims.csv, line 4, column 'source_ids'" in res.stderr


def test_missing_required_field(pkg):
    edit(pkg / "claims.csv", 5, "finding", "")
    assert any("claims.csv, line 5, column 'finding'" in m and "Constraint Error" in m for m in messages(pkg)), messages(pkg)
