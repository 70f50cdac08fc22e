"""environment.yml (Binder, repo2docker) must install what pyproject.toml declares.

repo2docker ignores pyproject.toml when environment.yml exists, so a drift between the two
files gives Binder users an environment the tests never saw.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]

# What a reader of the notebooks needs; each must be installed by the pip line.
REQUIRED = ["jupyterlab", "sympy", "hypothesis", "networkx", "ipywidgets", "nbval", "matplotlib"]


def normalise(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot read a package name in {requirement!r}"
    return normalise(match.group(1))


def python_floor(specifier: str) -> tuple[int, ...]:
    match = re.search(r">=\s*(\d+(?:\.\d+)*)", specifier)
    assert match, f"no lower bound (>=) on python in {specifier!r}"
    return tuple(int(part) for part in match.group(1).split("."))


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def conda_dependencies(environment: dict) -> list:
    dependencies = environment.get("dependencies")
    assert isinstance(dependencies, list), "environment.yml has no dependencies list"
    return dependencies


@pytest.fixture(scope="module")
def pip_lines(conda_dependencies: list) -> list[str]:
    blocks = [d["pip"] for d in conda_dependencies if isinstance(d, dict) and "pip" in d]
    assert len(blocks) == 1, "environment.yml needs exactly one `pip:` block"
    return [str(line) for line in blocks[0]]


@pytest.fixture(scope="module")
def installed_extras(pip_lines: list[str]) -> set[str]:
    """The extras of the line that installs this repository (``.`` or ``-e .``)."""
    local = [
        line for line in pip_lines if re.fullmatch(r"(-e\s+|--editable\s+)?\.(\[[^\]]*\])?", line)
    ]
    assert len(local) == 1, f"no pip line installs the repository itself: {pip_lines}"
    match = re.search(r"\[([^\]]*)\]", local[0])
    return {normalise(extra) for extra in match.group(1).split(",")} if match else set()


def test_name_and_channels(environment: dict, pyproject: dict) -> None:
    assert environment.get("name") == pyproject["project"]["name"]
    assert environment.get("channels") == ["conda-forge"]


def test_python_floor_matches_requires_python(conda_dependencies: list, pyproject: dict) -> None:
    pythons = [
        d for d in conda_dependencies if isinstance(d, str) and requirement_name(d) == "python"
    ]
    assert len(pythons) == 1, f"environment.yml pins python {len(pythons)} times"
    assert python_floor(pythons[0]) == python_floor(pyproject["project"]["requires-python"])


def test_pip_is_a_conda_dependency(conda_dependencies: list) -> None:
    names = [requirement_name(d) for d in conda_dependencies if isinstance(d, str)]
    assert "pip" in names, "a `pip:` block needs pip itself among the conda dependencies"


def test_pip_line_installs_the_package_with_existing_extras(
    installed_extras: set[str], pyproject: dict
) -> None:
    declared = {normalise(e) for e in pyproject["project"].get("optional-dependencies", {})}
    assert installed_extras, "the package is installed without extras"
    unknown = installed_extras - declared
    assert not unknown, f"environment.yml asks for extras pyproject.toml lacks: {unknown}"
    for needed in ("lab", "book", "test"):
        assert needed in installed_extras, f"environment.yml does not install the {needed!r} extra"


def test_required_packages_are_reachable(installed_extras: set[str], pyproject: dict) -> None:
    project = pyproject["project"]
    reachable = {requirement_name(r) for r in project.get("dependencies", [])}
    for extra, requirements in project.get("optional-dependencies", {}).items():
        if normalise(extra) in installed_extras:
            reachable |= {requirement_name(r) for r in requirements}
    missing = [name for name in REQUIRED if normalise(name) not in reachable]
    assert not missing, (
        f"environment.yml installs the package with extras {sorted(installed_extras)}, "
        f"which do not bring {missing}"
    )


def test_conda_packages_do_not_shadow_pip(conda_dependencies: list, pyproject: dict) -> None:
    """Besides python and pip, conda packages would be a second, unchecked pin."""
    extra = [
        d
        for d in conda_dependencies
        if isinstance(d, str) and requirement_name(d) not in {"python", "pip"}
    ]
    assert not extra, f"declare these in pyproject.toml instead: {extra}"
