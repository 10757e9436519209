"""Every MSD_* setting is declared once in settings.py, with a default and a help text, read only through it,
and named in the README or docs/ (so an operator can find what a variable does)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import settings

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"\bMSD_[A-Z0-9_]*[A-Z0-9]\b")
ENV_READ = re.compile(r"(os\.environ(\.get)?\s*[\[(]|os\.getenv\()\s*[\"']MSD_")


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / f for f in out.stdout.split() if (ROOT / f).exists()]


def test_every_variable_has_a_default_and_a_help_text():
    for name, var in settings.VARIABLES.items():
        assert name.startswith("MSD_"), name
        assert var.help.strip() and var.group, name
        assert isinstance(var.default, str), name


def test_every_msd_name_in_the_code_is_declared():
    used = {}
    for path in tracked("*.py", "*.sh", "*.in"):
        if path == Path(__file__).resolve():
            continue  # names an undeclared variable on purpose
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            used.setdefault(name, path.relative_to(ROOT))
    def family(n):
        return any(v.startswith(n) for v in settings.VARIABLES)  # a prefix, e.g. "MSD_OIDC" in startswith()
    undeclared = {n: str(p) for n, p in used.items() if n not in settings.VARIABLES and not family(n)}
    assert not undeclared


def test_only_settings_reads_msd_variables_from_the_environment():
    readers = [str(p.relative_to(ROOT)) for p in tracked("*.py")
               if p.name != "settings.py" and not p.is_relative_to(ROOT / "tests")
               and not p.is_relative_to(ROOT / "benchmarks") and ENV_READ.search(p.read_text(encoding="utf-8"))]
    assert readers == []


def test_the_readme_or_docs_name_every_variable():
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    missing = [name for name in settings.VARIABLES if not re.search(rf"\b{name}\b", text)]
    assert missing == []


def test_defaults_load_and_match_the_documented_behaviour(monkeypatch):
    for name in settings.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    s = settings.load()
    assert (s.min_count, s.min_count_strict, s.min_denominator) == (5, 10, 50)
    assert s.warehouse == (ROOT / "data" / "warehouse").resolve()
    assert s.store_url == f"sqlite:///{s.warehouse.parent / 'store' / 'monitor.sqlite'}"
    assert s.four_eyes is None and s.auth.public_read and s.auth.oidc_role_claims == ("roles", "groups")
    assert s.signals.fdr == 0.05 and s.signals.min_peers == 5
    assert settings.integer("MSD_MAX_EXTRACT_ROWS") == 2_000_000
    assert settings.text("MSD_CBS_BASE_URL") == "https://opendata.cbs.nl"


def test_an_empty_value_means_the_default_and_a_value_wins(monkeypatch):
    monkeypatch.setenv("MSD_MIN_COUNT", " ")
    assert settings.load().min_count == 5
    monkeypatch.setenv("MSD_MIN_COUNT", "7")
    monkeypatch.setenv("MSD_SIGNAL_FDR", "0,1")  # a Dutch decimal comma
    monkeypatch.setenv("MSD_FOUR_EYES", "0")
    s = settings.load()
    assert (s.min_count, s.signals.fdr, s.four_eyes) == (7, 0.1, False)


@pytest.mark.parametrize("name, value, words", [
    ("MSD_MIN_COUNT", "vijf", "whole number"),
    ("MSD_SIGNAL_FDR", "veel", "must be a number"),
    ("MSD_PUBLIC", "misschien", "1 or 0"),
    ("MSD_OIDC_DEFAULT_ROLE", "wethouder", "unknown role"),
])
def test_a_bad_value_stops_with_the_variable_named(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exc:
        settings.load()
    assert name in str(exc.value) and words in str(exc.value)


def test_undeclared_names_are_refused():
    with pytest.raises(KeyError):
        settings.text("MSD_NOT_A_SETTING")


def test_python_settings_lists_every_variable():
    out = subprocess.run([sys.executable, "settings.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert all(name in out for name in settings.VARIABLES)
