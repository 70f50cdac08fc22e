"""msatheory: microservice architecture theory as checkers and deterministic simulations.

Chapters of the theory map to subpackages: :mod:`msatheory.basics` (chapter 1). The
catalogue of numbered statements lives in :mod:`msatheory.theory`, the virtual clock and
seeded randomness in :mod:`msatheory.sim`.
"""

from msatheory.errors import TheoryError

__all__ = ["TheoryError"]
__version__ = "0.1.0"
