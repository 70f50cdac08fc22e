"""The chapter packages load their submodules lazily (msatheory._lazy): `msatheory check`
imports no heavy library, and every public name still resolves, lists and star-imports.

Each import is observed in a fresh interpreter: in this one, other tests have already
imported everything."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("msatheory.theory", "msatheory.basics", "msatheory.design",
            "msatheory.discovery", "msatheory.gateway", "msatheory.communication",
            "msatheory.data", "msatheory.deployment")
#: Libraries `msatheory check` of a valid file never needs (jsonschema: only for mistakes).
HEAVY = ("sympy", "hypothesis", "matplotlib", "ipywidgets", "simpy", "jsonschema", "numpy",
         "IPython", "scipy", "opentelemetry")


def fresh(code: str) -> object:
    """What ``code``, run in a new interpreter, prints (a Python literal)."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout)


def test_the_check_path_imports_no_heavy_library():
    loaded = fresh("import msatheory.check, msatheory.__main__; import sys; "
                   f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    assert loaded == [], f"the check path imports {loaded}"


@pytest.mark.parametrize("name", PACKAGES)
def test_dir_lists_every_public_name_before_its_first_use(name):
    assert fresh(f"import {name} as p; print(sorted(set(p.__all__) - set(dir(p))))") == []


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name):
    package = importlib.import_module(name)
    assert [n for n in package.__all__ if not hasattr(package, n)] == []
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    assert set(package.__all__) <= namespace.keys()


#: Run in a fresh interpreter in which matplotlib and ipywidgets cannot be imported, as on
#: an install without the ``interactive`` extra: import every model module, then check.
WITHOUT_FIGURES = """
import importlib, importlib.abc, pkgutil, sys
import msatheory

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("matplotlib", "ipywidgets"):
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, Absent())
model = sorted(m.name for m in pkgutil.walk_packages(msatheory.__path__, "msatheory.")
               if not m.name.startswith("msatheory.interactive"))
for name in model:
    importlib.import_module(name)
import contextlib, io
from msatheory.__main__ import main
from msatheory.check import EXAMPLES
with contextlib.redirect_stdout(io.StringIO()):
    status = main(["check", str(EXAMPLES / "shop.yaml")])
print([len(model), status, "hypothesis" in sys.modules])
"""


def test_the_model_and_check_work_without_matplotlib_and_ipywidgets():
    count, status, hypothesis = fresh(WITHOUT_FIGURES)
    assert count > 40 and status in (0, 1)
    assert hypothesis  # the errata and strategies modules were imported on purpose


def test_model_modules_import_no_plotting_widget_or_property_library():
    """hypothesis is for errata, strategies and exercises; figures and widgets are for
    msatheory.interactive."""
    loaded = fresh(
        "import importlib, pkgutil, sys, msatheory\n"
        "def walk(package):\n"
        "    for m in pkgutil.iter_modules(package.__path__, package.__name__ + '.'):\n"
        "        if m.name.startswith(('msatheory.interactive', 'msatheory.exercises')) \\\n"
        "                or m.name.rpartition('.')[2] in ('errata', 'strategies', 'erratum'):\n"
        "            continue\n"
        "        module = importlib.import_module(m.name)\n"
        "        if m.ispkg:\n"
        "            walk(module)\n"
        "walk(msatheory)\n"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'hypothesis') if m in sys.modules))"
    )
    assert loaded == []


def test_unknown_names_raise_attribute_error():
    from msatheory import basics

    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = basics.nonexistent
