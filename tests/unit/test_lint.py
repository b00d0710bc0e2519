"""The tree stays clean: ruff (lint and format) and mypy, configured in pyproject.toml, run with the tests."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TREES = ["src", "tests", "benchmarks", "scripts"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    result = run("ruff", "check", *TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_is_formatted():
    result = run("ruff", "format", "--check", *TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    # [tool.mypy]: the whole package, strict on client/ and model/ (the layers without Textual)
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
