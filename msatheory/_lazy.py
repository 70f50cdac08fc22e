"""Lazy package attributes (PEP 562): a public name's submodule is imported on its first use.

A chapter package lists its public names by submodule and gets a module ``__getattr__``
and ``__dir__``, so ``from msatheory.basics import replicated`` still works while
``msatheory check``, which needs only the model and the checkers, never imports the
submodules built on sympy, hypothesis or SimPy.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType

__all__ = ["lazy"]


class _Package(ModuleType):
    """A package whose public names keep precedence over its submodules.

    Importing a submodule sets it as an attribute of its package; without this guard,
    ``import msatheory.design.granularity`` would make ``msatheory.design.granularity``
    the module instead of the function of that name (likewise ``theory.errata``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if not (isinstance(value, ModuleType) and name in self.__dict__.get("__all__", ())):
            super().__setattr__(name, value)


def lazy(
    package: str, submodules: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names ``submodules``
    lists by submodule: ``{"availability": ("replicated", ...), ...}``."""
    module = sys.modules[package]
    module.__class__ = _Package
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
