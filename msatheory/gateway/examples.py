"""Chapter 4's worked example: the shop's screens on the web and on a phone (Pattern 4.3.2).

Sizes are those of the JSON each endpoint returns (bytes, rounded); the links are
assumptions stated as figures: a phone on a cellular network (150 ms round trip,
10 Mbit/s), a desktop browser on broadband (30 ms, 50 Mbit/s) and the data centre
between a gateway and its services (0.5 ms, 1 Gbit/s).
"""

from __future__ import annotations

from msatheory.gateway.bff import Link, Resource, Screen

__all__ = ["INTERNAL", "LINKS", "SHOP_RESOURCES", "SHOP_SCREENS"]

SHOP_RESOURCES = (
    Resource("product", "catalogue", {
        "id": 36, "name": 60, "price": 12, "currency": 3, "images": 1_200,
        "description": 3_500, "specs": 4_800, "seo": 900}),
    Resource("stock", "inventory", {
        "sku": 36, "available": 8, "warehouses": 2_400, "restock": 120}),
    Resource("reviews", "reviews", {"summary": 40, "items": 9_000}),
    Resource("recommendations", "recommendations", {"items": 6_000}),
    Resource("order", "orders", {
        "id": 36, "status": 20, "items": 800, "shipping": 400, "payment": 300,
        "history": 2_500}),
)

SHOP_SCREENS = (
    Screen("web", "product page", {
        "product": ("name", "price", "currency", "images", "description", "specs"),
        "stock": ("available", "warehouses"),
        "reviews": ("summary", "items"),
        "recommendations": ("items",),
    }),
    Screen("mobile", "product page", {
        "product": ("name", "price", "currency", "images"),
        "stock": ("available",),
        "reviews": ("summary",),
    }),
    Screen("mobile", "order status", {
        "order": ("status", "items"),
        "product": ("name", "images"),
    }, needs={"product": "order"}),
)

#: Each client type's network to the gateway.
LINKS = {"web": Link(rtt=0.030, bandwidth=6_250_000),
         "mobile": Link(rtt=0.150, bandwidth=1_250_000)}
#: From a gateway to the services behind it.
INTERNAL = Link(rtt=0.0005, bandwidth=125_000_000)
