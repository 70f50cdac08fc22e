"""Strategy 7.1.3 (滚动部署): RollingUpdate's bounds, resolved as the Deployment controller does."""

from __future__ import annotations

import pytest

from msatheory.deployment.bounds import rollout_bounds
from msatheory.errors import TheoryError

# --- the bounds -----------------------------------------------------------------------------


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "bounds"), [
    (10, "25%", "25%", (13, 8)),
    (4, "25%", "25%", (5, 3)),
    (1, "25%", "25%", (2, 1)),
    (3, "10%", "10%", (4, 3)),
    (3, 0, "10%", (3, 2)),
    (10, 3, 2, (13, 8)),
    (5, "100%", "100%", (10, 0)),
    (2, 0, 5, (2, 0)),
])
def test_rollout_bounds_round_surge_up_and_unavailability_down(
        replicas: int, surge: int | str, unavailable: int | str,
        bounds: tuple[int, int]) -> None:
    assert rollout_bounds(replicas, surge, unavailable) == bounds


@pytest.mark.parametrize(("surge", "unavailable", "match"), [
    (0, 0, "may not be 0"), ("0%", 0, "may not be 0"), (-1, 1, "max_surge"),
    ("x%", 1, "percentage"), (1, "120%", "greater than 100%"),
])
def test_rollout_bounds_refuse_what_the_api_server_refuses(
        surge: int | str, unavailable: int | str, match: str) -> None:
    with pytest.raises(TheoryError, match=match):
        rollout_bounds(4, surge, unavailable)
