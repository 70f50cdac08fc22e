"""Small architectures the chapter's docstrings and exercises share."""

from __future__ import annotations

from msatheory.basics.model import Architecture, Call, Service

__all__ = ["friday_shop", "shop", "tangled_shop"]


def shop() -> Architecture:
    """The shop lesson 1a builds on the chapter's advice: soft calls from the gateway (and
    from ``cart`` to ``catalogue``), hard calls where ``orders`` cannot work without its
    callee, topics to ``shipping`` and ``email``, and each service its own data store.

    >>> shop()
    Architecture('shop': 7 services, 6 calls, 5 data stores)
    """
    return Architecture(
        [
            Service("gateway", exposed=True, technology="go", replicas=2, healthcheck=True,
                    calls=[Call("catalogue", timeout=0.5, fallback="cached page"),
                           Call("cart", timeout=0.5, fallback="empty cart"),
                           Call("orders", timeout=2.0, fallback="try again later")]),
            Service("catalogue", interfaces=["GET /products"], datastores=["catalogue-db"],
                    technology="python", replicas=2, healthcheck=True),
            Service("cart", interfaces=["GET /cart", "POST /cart"], datastores=["cart-cache"],
                    calls=[Call("catalogue", timeout=0.3, fallback="cached prices")],
                    technology="node", healthcheck=True),
            Service("orders", interfaces=["POST /orders"], calls=["cart", "payments"],
                    publishes=["order-placed"], datastores=["orders-db"], technology="java",
                    replicas=2, healthcheck=True),
            Service("payments", interfaces=["POST /payments"], datastores=["payments-db"],
                    technology="java", healthcheck=True),
            Service("shipping", subscribes=["order-placed"], datastores=["shipping-db"],
                    technology="go"),
            Service("email", subscribes=["order-placed"], technology="python"),
        ],
        name="shop",
    )


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


def friday_shop() -> Architecture:
    """The shop of lesson 1a's incident: every call hard, one gateway replica, ``payments``
    calling back into ``orders``, ``shipping`` reading the orders database, and ``cart``
    and ``catalogue`` shipped in one deployment unit.

    >>> friday_shop()
    Architecture('tangled shop': 7 services, 7 calls, 4 data stores)
    """
    return Architecture(
        [
            Service("gateway", calls=["catalogue", "cart", "orders"], exposed=True,
                    technology="go"),
            Service("catalogue", datastores=["catalogue-db"], technology="python",
                    deployment="storefront"),
            Service("cart", calls=["catalogue"], datastores=["cart-cache"],
                    technology="python", deployment="storefront"),
            Service("orders", calls=["cart", "payments"], publishes=["order-placed"],
                    datastores=["orders-db"], technology="java"),
            Service("payments", calls=["orders"], datastores=["payments-db"],
                    technology="java"),
            Service("shipping", subscribes=["order-placed"], datastores=["orders-db"],
                    technology="go"),
            Service("email", subscribes=["order-placed"], technology="python"),
        ],
        name="tangled shop",
    )
