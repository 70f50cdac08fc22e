"""Lazy package attributes (PEP 562): a public name's submodule is imported on its first use.

A chapter package lists its public names by submodule and gets a module ``__getattr__``
and ``__dir__``, so ``from msatheory.basics import check_autonomy`` works while
``msatheory check``, which needs only the model and the checkers, never imports the
submodules built on sympy, hypothesis or SimPy.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy"]


def lazy(
    package: str, submodules: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names ``submodules``
    lists by submodule: ``{"features": ("check_autonomy", ...), ...}``.

    No submodule may share a name with a public name: importing the submodule would set
    it on the package in the name's place (``tests/test_public_api.py`` checks this).
    """
    module = sys.modules[package]
    where = {name: f"{package}.{sub}" for sub, names in submodules.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        setattr(module, name, value)  # later look-ups find it without __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *where})

    return __getattr__, __dir__
