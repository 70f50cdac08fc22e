"""An IPython extension: a :class:`~msatheory.errors.TheoryError` shows as its message.

A learner who gives a checker bad input should read what is wrong and where
(``shop.yaml: services.orders.replicas (line 6): must be a whole number``), not nine
frames of the package's internals. Every chapter notebook loads the extension first::

    %load_ext msatheory

Other exceptions keep IPython's full traceback: they are bugs to report, not input to
mend.
"""

from __future__ import annotations

from typing import Any

from msatheory.errors import TheoryError

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


def _as_message(shell: Any, etype: type, value: BaseException, tb: object,
                tb_offset: int | None = None) -> list[str]:
    """Show ``value`` as its name and message, one line per line of the message."""
    first, *rest = str(value).splitlines() or [""]
    shown = [f"{_RED}{etype.__name__}{_RESET}: {first}", *rest]
    shell._showtraceback(etype, value, shown)  # how IPython itself shows a traceback
    return shown


def load_ipython_extension(ipython: Any) -> None:
    """Show every :class:`TheoryError` raised in a cell as its message alone."""
    ipython.set_custom_exc((TheoryError,), _as_message)


def unload_ipython_extension(ipython: Any) -> None:
    """Give :class:`TheoryError` IPython's full traceback again."""
    ipython.set_custom_exc((), None)
