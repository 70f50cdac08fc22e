"""Shared test set-up: one hypothesis profile, so every property runs the same way.

Examples are derived from each test's source (``derandomize``), never read from or
written to an example database, and never held to a deadline (the machine's speed is
measured by the benchmarks, not by tests). Tests set only how many examples they need. The shop
monolith of chapter 2 and its cut by every method are shared fixtures.
"""

import pytest
from hypothesis import settings

from msatheory.design.decomposition import METHODS, Decomposition, decompose
from msatheory.design.examples import shop_monolith
from msatheory.design.monolith import Monolith

settings.register_profile("msatheory", derandomize=True, database=None, deadline=None)
settings.load_profile("msatheory")


@pytest.fixture(scope="session")
def shop() -> Monolith:
    """The workbook's shop monolith (chapter 2)."""
    return shop_monolith()


@pytest.fixture(scope="session")
def cuts(shop: Monolith) -> dict[str, Decomposition]:
    """The shop cut by each decomposition method."""
    return {method: decompose(shop, method=method) for method in METHODS}
