"""Small architectures the chapter's docstrings and exercises share."""

from __future__ import annotations

from msatheory.basics.model import Architecture, Service

__all__ = ["tangled_shop"]


def tangled_shop() -> Architecture:
    """A shop whose ``orders`` and ``stock`` call each other and share the database ``db``;
    clients enter by ``web``.

    >>> tangled_shop()
    Architecture('shop': 3 services, 3 calls, 1 data store)
    """
    return Architecture([
        Service("web", calls=("orders",), exposed=True),
        Service("orders", calls=("stock",), datastores=("db",)),
        Service("stock", calls=("orders",), datastores=("db",)),
    ], name="shop")
