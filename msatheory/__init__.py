"""msatheory: microservice architecture theory as checkers and deterministic simulations.

Chapters of the theory map to subpackages: :mod:`msatheory.basics` (chapter 1). The
catalogue of numbered statements lives in :mod:`msatheory.theory`, the virtual clock and
seeded randomness in :mod:`msatheory.sim`. In a notebook, ``%load_ext msatheory`` shows a
:class:`TheoryError` as its one-line message rather than a traceback.
"""

from msatheory.errors import TheoryError
from msatheory.ipython import load_ipython_extension, unload_ipython_extension

__all__ = ["TheoryError", "load_ipython_extension", "unload_ipython_extension"]
__version__ = "0.1.0"
