"""The command line: every command has help with an example; outputs and exit codes."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from onrecord.cli import app
from tests.conftest import cli_path

COMMANDS = ["ingest", "ls", "show", "export", "stats", "analyze", "actors", "eval", "network", "predictions", "resolve", "timeline", "shifts", "report", "import", "serve"]
runner = CliRunner()


@pytest.mark.parametrize("command", COMMANDS + [None])
def test_every_command_has_help_with_an_example(command):
    args = [command, "--help"] if command else ["--help"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example: onrecord" in result.output
    if command:
        assert f"onrecord {command}" in result.output or f"onrecord --db corpus.db {command}" in result.output


def test_registered_commands_are_the_documented_ones():
    names = sorted(c.name or c.callback.__name__ for c in app.registered_commands)
    assert names == sorted(COMMANDS)


def _run(*args, db):
    return subprocess.run([cli_path(), "--db", str(db), *args], capture_output=True, text=True, timeout=120)


def test_demo_flow_end_to_end(tmp_path, samples):
    db = tmp_path / "cli.db"
    r = _run("ingest", str(samples), "--speaker", "Alexander Dugin", db=db)
    assert r.returncode == 0, r.stderr
    assert "2 new, 0 new versions, 0 unchanged from 2 files" in r.stdout
    r = _run("ls", "--json", db=db)
    rows = json.loads(r.stdout)
    assert [(x["date"], x["outlet"], x["programme"], x["speakers"]) for x in rows] == [
        ("2025-06-08", None, None, ["Alexander Dugin"]),
        ("2025-12-04", "Radio Sputnik", "Escalation", ["Host", "Alexander Dugin"]),
    ]
    ids = _run("ls", "--ids", db=db).stdout.split()
    assert ids == [str(x["id"]) for x in rows]
    show = _run("show", ids[1], db=db)
    assert show.returncode == 0
    assert "outlet: Radio Sputnik" in show.stdout and "programme: Escalation" in show.stdout
    assert show.stdout.index("Host  [") < show.stdout.index("Alexander Dugin  [")
    spans = _run("show", ids[1], "--layer", "header", "--json", db=db)
    record = json.loads(spans.stdout)
    assert {a["label"] for a in record["annotations"]} == {"date", "outlet", "programme"}
    stats = json.loads(_run("stats", "--json", db=db).stdout)
    assert stats["documents"] == 2
    out = tmp_path / "e.jsonl"
    r = _run("export", str(out), db=db)
    assert r.returncode == 0 and "wrote 2 records" in r.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    again = _run("ingest", str(samples), "--json", db=db)
    report = json.loads(again.stdout)
    assert again.returncode == 0 and report["added"] == [] and len(report["unchanged"]) == 2


def test_errors_exit_codes_and_lines(tmp_path, write):
    db = tmp_path / "e.db"
    good = write("good.txt", "Fine text.")
    empty = write("empty.txt", b"")
    r = _run("ingest", str(good), str(empty), str(tmp_path / "missing.txt"), "--quiet", db=db)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"error: {tmp_path / 'missing.txt'}: no such file or directory",
        f"error: {empty}: empty file (0 bytes)",
    ]
    r = _run("show", "12345", db=db)
    assert r.returncode == 2 and "no document '12345'" in r.stderr
    r = _run("ls", "--search", "AND AND", db=db)
    assert r.returncode == 2 and "bad search query" in r.stderr
    r = _run("ingest", str(good), "--max-file-size", "lots", db=db)
    assert r.returncode == 2 and "not a size" in r.stderr
    r = _run("ingest", str(good), "--column", "oops", db=db)
    assert r.returncode == 2 and "--column wants FIELD=NAME" in r.stderr


def test_env_db_and_labels_file(tmp_path, write):
    labels = write("labels.yaml", "roles: [Moderatorin]\noutlets: [My Radio]\n")
    doc = write("t.txt", " date 2025-05-05 My Radio Moderatorin: Guten Tag.\n\nHans Meier: Hallo.")
    import os

    env = {**os.environ, "ONRECORD_DB": str(tmp_path / "env.db")}
    r = subprocess.run([cli_path(), "ingest", str(doc), "--labels-file", str(labels), "--json"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    rows = json.loads(subprocess.run([cli_path(), "ls", "--json"], capture_output=True, text=True, env=env).stdout)
    assert rows[0]["outlet"] == "My Radio" and rows[0]["speakers"] == ["Moderatorin", "Hans Meier"]


def test_hostile_text_is_printed_literally(tmp_path, write):
    db = tmp_path / "h.db"
    write("h.txt", "Host: [bold red]not markup[/] \x1b[31m and [link=file:///etc/passwd]x[/link]")
    _run("ingest", str(tmp_path / "in"), db=db)
    show = _run("show", "1", db=db)
    assert "[bold red]not markup[/]" in show.stdout and "[link=file:///etc/passwd]x[/link]" in show.stdout
