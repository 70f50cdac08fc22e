"""What a team adopting msatheory relies on: the licence, the distribution's metadata and the
pre-commit hook this repository offers (.pre-commit-hooks.yaml)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

import msatheory

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "msatheory" / "check" / "examples" / "shop.yaml"
PYTHON = "Programming Language :: Python :: "
#: The fields pre-commit requires of every hook in a hook repository's manifest.
REQUIRED_HOOK_FIELDS = ("id", "name", "entry", "language")


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def hooks() -> list[dict]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and hooks, "the manifest must be a non-empty list of hooks"
    return hooks


def test_licence_is_the_mit_text_naming_the_books_authors() -> None:
    book = yaml.safe_load((ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert f"Copyright (c) {book['copyright']} {book['author']}\n" in text
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_licence_is_an_spdx_expression_with_its_file(project: dict) -> None:
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert not [c for c in project["classifiers"] if c.startswith("License ::")], (
        "PEP 639 forbids a licence classifier beside an SPDX expression")


def test_classifiers_name_the_pythons_requires_python_allows(project: dict) -> None:
    allowed = SpecifierSet(project["requires-python"])
    minors = sorted(int(match[1]) for c in project["classifiers"]
                    if (match := re.fullmatch(re.escape(PYTHON) + r"3\.(\d+)", c)))
    assert minors, "no Python 3.x classifier"
    assert all(f"3.{minor}" in allowed for minor in minors)
    floor = re.fullmatch(r">=\s*3\.(\d+)", project["requires-python"])
    assert floor, "requires-python is expected to be a plain floor, >=3.x"
    assert minors == list(range(int(floor[1]), minors[-1] + 1)), (
        "the classifiers must name every Python from the floor up, without a gap")
    assert PYTHON + "3 :: Only" in project["classifiers"]


def test_version_has_one_source_read_without_importing(project: dict) -> None:
    assert "version" not in project and "version" in project["dynamic"]
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert setuptools["setuptools"]["dynamic"]["version"] == {"attr": "msatheory.__version__"}
    # setuptools reads the attribute without importing the package only when it is assigned a
    # literal at the top level of the module.
    module = ast.parse((ROOT / "msatheory" / "__init__.py").read_text(encoding="utf-8"))
    literals = [node.value.value for node in module.body if isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
                and isinstance(node.value, ast.Constant)]
    assert literals == [msatheory.__version__]


def test_installed_metadata_reports_the_version_and_the_licence() -> None:
    metadata = importlib.metadata.metadata("msatheory")
    assert metadata["Version"] == msatheory.__version__, (
        "the installed metadata is stale: reinstall the package (make env)")
    assert metadata["License-Expression"] == "MIT"
    assert "License" not in metadata


def test_hooks_have_the_fields_pre_commit_requires(hooks: list[dict], project: dict) -> None:
    for hook in hooks:
        missing = [f for f in REQUIRED_HOOK_FIELDS if not isinstance(hook.get(f), str)]
        assert not missing, f"hook {hook.get('id')!r} lacks {missing}"
        assert hook["entry"].split()[0] in project["scripts"], (
            f"{hook['id']}: a python hook's entry must be a console script the package installs")


def _run_entry(entry: str, args: list[str], scripts: dict[str, str], cwd: Path) -> int:
    """Run a hook's entry as pre-commit does, with ``args`` and no file names: the console
    script's target function, given the entry's own arguments and then ``args``."""
    script, *arguments = entry.split()
    module, _, function = scripts[script].partition(":")
    code = f"import sys; from {module} import {function}; sys.exit({function}())"
    return subprocess.run([sys.executable, "-c", code, *arguments, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120).returncode


def test_the_check_hook_runs_the_args_its_description_documents(
    hooks: list[dict], project: dict, tmp_path: Path
) -> None:
    (hook,) = [h for h in hooks if h["id"] == "msatheory-check"]
    assert hook["pass_filenames"] is False, "files given together form one system"
    documented = re.findall(r"args: \[([^\]]+)\]", hook["description"])
    assert documented, "the description must show how to name the files in args"
    for example in documented:
        args = [arg.strip() for arg in example.split(",")]
        for arg in args:  # a passing architecture file under each documented name
            target = tmp_path / arg / SHOP.name if arg.endswith("/") else tmp_path / arg
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SHOP, target)
        assert _run_entry(hook["entry"], args, project["scripts"], tmp_path) == 0, example


def test_the_check_hook_runs_when_a_yaml_or_json_file_changes(hooks: list[dict]) -> None:
    (hook,) = [h for h in hooks if h["id"] == "msatheory-check"]
    files = re.compile(hook["files"])  # pre-commit matches it with re.search
    assert all(files.search(p) for p in ("architecture.yaml", "deploy/app.yml", "x.json"))
    assert not any(files.search(p) for p in ("README.md", "yaml", "notes.yaml.txt"))
