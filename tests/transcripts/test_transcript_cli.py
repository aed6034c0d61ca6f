"""End to end: ``cdpdesk transcript import`` as a user runs it, text and PDF."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT

DATA = Path(__file__).parent / "data"


def cdpdesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpdesk", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_import_writes_the_case_and_prints_the_review(tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    res = cdpdesk("transcript", "import", *map(str, sorted(DATA.glob("quinn-*.txt"))), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "Taxpayer XXX-XX-6789: 3 periods, 25 transactions, 22 mapped, 8 events." in res.stdout
    assert "Review (14)" in res.stdout
    assert "[check] taxpayer.tin: the transcripts show only the last four digits" in res.stdout
    assert "quinn-1040-2019.txt:27: [unmapped] TC 806" in res.stdout
    case = json.loads(out.read_text())
    assert [p["id"] for p in case["periods"]] == ["1040-2019", "1040-2020", "1040-2021"]
    analysed = cdpdesk("analyze", str(out))
    assert analysed.returncode == 0, analysed.stderr


def test_full_tin_is_masked_in_the_output_and_kept_in_the_file(tmp_path: Path) -> None:
    src = tmp_path / "t.txt"
    src.write_text((DATA / "quinn-1040-2019.txt").read_text().replace("XXX-XX-6789", "123-45-6789"))
    out = tmp_path / "c.json"
    res = cdpdesk("transcript", "import", str(src), "--out", str(out), "--name", "Avery Quinn", "--json")
    assert res.returncode == 0, res.stderr
    assert "123-45-6789" not in res.stdout + res.stderr
    assert json.loads(res.stdout)["tin"] == "XXX-XX-6789"
    assert json.loads(out.read_text())["taxpayer"]["tin"] == "123-45-6789"


def test_garbled_file_exits_2_naming_the_line(tmp_path: Path) -> None:
    src = tmp_path / "g.txt"
    src.write_text("FORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nTRANSACTIONS\n150 Tax return fil\n")
    out = tmp_path / "c.json"
    res = cdpdesk("transcript", "import", str(src), "--out", str(out))
    assert res.returncode == 2
    assert f"{src}, line 4: a transaction line without" in res.stderr
    assert not out.exists()


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (scripts/system-deps) not installed"
)
def test_pdf_round_trip(tmp_path: Path) -> None:
    from weasyprint import HTML

    text = (DATA / "quinn-1040-2019.txt").read_text()
    pdf = tmp_path / "t.pdf"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    HTML(string=f"<pre style='font: 8pt monospace'>{escaped}</pre>").write_pdf(pdf)
    out = tmp_path / "c.json"
    res = cdpdesk("transcript", "import", str(pdf), "--out", str(out), "--json")
    assert res.returncode == 0, res.stderr
    from_pdf = json.loads(out.read_text())
    txt = tmp_path / "t.txt"
    txt.write_text(text)
    out2 = tmp_path / "c2.json"
    assert cdpdesk("transcript", "import", str(txt), "--out", str(out2)).returncode == 0
    assert from_pdf == json.loads(out2.read_text())
    assert len(json.loads(res.stdout)["review"]) == 8


def test_store_puts_the_case_and_its_review_list_in_the_desk(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDPDESK_")} | {"CDPDESK_USER": "clerk.a"}
    files = [str(p) for p in sorted(DATA.glob("quinn-*.txt"))]

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cdpdesk", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            input=stdin,
        )

    # The transcripts print XXX-XX-6789 only: storing needs the full TIN, and says so.
    refused = run("transcript", "import", *files, "--store")
    assert refused.returncode == 2
    assert "--tin: taxpayer.tin is needed to store the case" in refused.stderr
    wrong = run("transcript", "import", *files, "--store", "--name", "Avery Quinn", "--tin", "123-45-1111")
    assert wrong.returncode == 2 and "--tin: the TIN given ends in 1111" in wrong.stderr
    assert "123-45-1111" not in wrong.stderr + wrong.stdout
    no_name = run("transcript", "import", *files, "--store", "--tin", "123-45-6789")
    assert no_name.returncode == 2 and "--name: the taxpayer's name is needed" in no_name.stderr

    res = run(
        "transcript",
        "import",
        *files,
        "--store",
        "--json",
        "--name",
        "Avery Quinn",
        "--tin",
        "-",
        stdin="123-45-6789\n",
    )
    assert res.returncode == 0, res.stderr
    assert "123-45-6789" not in res.stdout + res.stderr
    summary = json.loads(res.stdout)
    case_id = summary["stored"]
    assert not any(r["reason"].startswith("taxpayer.tin") for r in summary["review"])
    exported = run("case", "export", str(case_id))
    assert exported.returncode == 0, exported.stderr
    doc = json.loads(exported.stdout)
    assert (doc["taxpayer"]["name"], doc["taxpayer"]["tin"]) == ("Avery Quinn", "123-45-6789")
    assert [p["id"] for p in doc["periods"]] == ["1040-2019", "1040-2020", "1040-2021"]
    assert [e["type"] for e in doc["events"]][:2] == ["levy_notice", "hearing_request"]

    # The review list is stored with the case, item for item, each with the line it came from.
    listed = run("transcript", "review", str(case_id), "--json")
    assert listed.returncode == 0, listed.stderr
    stored = json.loads(listed.stdout)
    assert [(r["source"], r["line"], r["kind"]) for r in stored] == [
        (r["source"], r["line"], r["kind"]) for r in summary["review"]
    ]
    assert {r["status"] for r in stored} == {"open"}
    assert stored[0]["history"][0]["action"] == "listed" and stored[0]["history"][0]["by"] == "clerk.a"

    done = run(
        "transcript", "review", str(case_id), "--resolve", "1", "--note", "recorded by hand", "--by", "rep.b"
    )
    assert done.returncode == 0, done.stderr
    assert "1. [resolved]" in done.stdout and "resolved by rep.b" in done.stdout
    assert f"Case {case_id}: {len(stored)} review items, {len(stored) - 1} open." in done.stdout
    again_done = run("transcript", "review", str(case_id), "--confirm", "1")
    assert again_done.returncode == 2 and "already resolved" in again_done.stderr
    missing = run("transcript", "review", str(case_id), "--confirm", str(len(stored) + 1))
    assert missing.returncode == 2 and f"has no review item {len(stored) + 1}" in missing.stderr

    # `case show` lists the review list beside the event log, with what people did.
    shown = run("case", "show", str(case_id))
    assert shown.returncode == 0, shown.stderr
    assert f"Review list from the transcripts ({len(stored)} items, {len(stored) - 1} open):" in shown.stdout
    first = stored[0]
    assert f"[resolved] {first['source']} line {first['line']}" in shown.stdout
    assert "resolved by rep.b" in shown.stdout and ": recorded by hand" in shown.stdout
    shown_json = json.loads(run("case", "show", str(case_id), "--json").stdout)
    assert [r["status"] for r in shown_json["review"]] == ["resolved"] + ["open"] * (len(stored) - 1)

    again = run("transcript", "import", *files, "--store", "--name", "Avery Quinn", "--tin", "123-45-6789")
    assert again.returncode == 2 and "already stored" in again.stderr
