"""Documented = tested: the README names every command, setting and format, and the two commands."""

from __future__ import annotations

from onrecord.export import EXPORT_FORMATS
from onrecord.ingest.formats import EXTENSIONS
from onrecord.settings import SETTINGS
from tests.cli.test_cli import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_the_two_commands():
    assert "make demo" in README and "make test" in README


def test_every_cli_command_has_an_example_in_the_readme():
    for command in COMMANDS:
        assert f"onrecord {command}" in README or f"onrecord --db demo.db {command}" in README, command


def test_every_setting_is_documented():
    for setting in SETTINGS:
        assert setting.env_var in README, setting.env_var


def test_every_format_is_documented():
    for ext in EXTENSIONS:
        assert f"`{ext}`" in README, ext
    for name in EXPORT_FORMATS:
        assert name in README


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
