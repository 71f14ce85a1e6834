"""The layering contracts of pyproject.toml catch a wrong import (issue 14 point 4).

Each case copies the packages into a temporary directory, writes one deliberately wrong import
into the copy, and runs ``lint-imports`` there; the real tree is checked contract by contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("homeroom", "graph", "jobs", "domain", "channels", "models")
CONTRACTS = ("layers", "areas", "acyclic-areas")


def lint_imports(tree: Path, *contracts: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script) if script.exists() else shutil.which("lint-imports") or "lint-imports",
               "--no-cache", "--no-logo"]
    for contract in contracts:
        command += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the copy, not the installed tree
    return subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{statement}  # deliberately wrong (test_layering)\n")


@pytest.mark.parametrize("contract", CONTRACTS)
def test_the_real_tree_keeps_each_contract(contract):
    result = lint_imports(ROOT, contract)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_domain_module_importing_graph_breaks_the_layers(tree):
    add_import(tree, "domain.support.errors", "import graph.schema")
    result = lint_imports(tree, "layers")
    assert result.returncode != 0
    assert "domain.support.errors -> graph.schema" in result.stdout


def test_graph_importing_jobs_breaks_the_layers(tree):
    add_import(tree, "graph.pagination", "import jobs.broker")
    result = lint_imports(tree, "layers")
    assert result.returncode != 0
    assert "graph.pagination -> jobs.broker" in result.stdout


def test_an_area_importing_another_areas_private_module_breaks_the_areas_contract(tree):
    add_import(tree, "domain.messages.recall", "import domain.delivery.sending.envelopes")
    result = lint_imports(tree, "areas")
    assert result.returncode != 0
    assert "domain.messages.recall -> domain.delivery.sending.envelopes" in result.stdout


def test_a_public_module_may_be_imported_by_another_area(tree):
    add_import(tree, "domain.messages.recall", "import domain.directory.contact_details")
    assert lint_imports(tree, "areas").returncode == 0


def test_an_import_that_closes_a_circle_between_areas_breaks_the_acyclic_contract(tree):
    # domain.messages.send (public) imports domain.content; content importing it back is a circle.
    add_import(tree, "domain.content.text", "import domain.messages.send")
    result = lint_imports(tree, "acyclic-areas")
    assert result.returncode != 0
    assert ".content -> .messages" in result.stdout or ".messages -> .content" in result.stdout
