"""Example systems for chapter 2, written for the workbook (not taken from a real code base).

:func:`shop_monolith` is an online shop before it is cut into services: six domains
(catalog, customer, ordering, payment, shipping, inventory), 31 functions, 12 entities
and 13 REST endpoints, with what each function reads, writes and calls and how often
it calls per request. Most coupling stays inside a domain, but not all of it: search
shows stock levels, checkout reserves stock, asks for payment and quotes shipping, and
a delivery updates the order. That is what a clustering cut notices and a domain cut
does not. :func:`shop_design` is the same shop as one service.

:func:`shop_context_map` gives the same six domains as bounded contexts, each with a
small domain model (Def 2.2.1, 领域) and a ubiquitous language (Def 2.2.2, 限界上下文).
The languages diverge the way real ones do: *Product* is a sellable item in catalog
but a stock-keeping unit in inventory, *Customer* a buyer in ordering but a payer
in payment, and *Order* a purchase in ordering but a shipment request in shipping.
The map has three faults that :func:`~msatheory.design.context_map.check_context_map`
finds; :func:`shop_context_map_fixed` mends them as a DDD practitioner would.

>>> from msatheory.design.context_map import check_context_map
>>> check_context_map(shop_context_map()).holds, check_context_map(shop_context_map_fixed()).holds
(False, True)
"""

from __future__ import annotations

from dataclasses import replace

from msatheory.design.boundary import DataModel, Design, Function, Interface, ServiceSpec
from msatheory.design.context_map import ContextMap, ContextRelationship, Pattern
from msatheory.design.domain import BoundedContext, Domain, Relation, Rule
from msatheory.design.monolith import Access, Call, Monolith

__all__ = [
    "SHOP_DOMAINS",
    "shop_context_map",
    "shop_context_map_fixed",
    "shop_design",
    "shop_monolith",
]

#: Shared by ordering, shipping and customer, with the same meaning everywhere.
ADDRESS = "a postal address where goods are delivered"
#: Catalog's Product, which ordering takes over through the customer-supplier relationship.
SELLABLE_PRODUCT = "a sellable item with a description and a price"

#: The shop's domains, in the order the workbook introduces them.
SHOP_DOMAINS: tuple[str, ...] = (
    "catalog", "customer", "ordering", "payment", "shipping", "inventory"
)  # fmt: skip

# domain -> functions; priority 2 for what a customer waits on, 1 for back office.
_FUNCTIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "catalog": (
        ("search products", 2), ("view product", 2), ("browse category", 2),
        ("update product", 1), ("manage categories", 1),
    ),
    "customer": (
        ("register customer", 2), ("sign in", 2), ("update profile", 1),
        ("manage addresses", 1),
    ),
    "ordering": (
        ("add to cart", 2), ("view cart", 2), ("place order", 2), ("cancel order", 2),
        ("view order", 2), ("list orders", 1),
    ),
    "payment": (
        ("authorize payment", 2), ("capture payment", 2), ("refund payment", 1),
        ("handle payment callback", 2), ("reconcile payments", 0),
    ),
    "shipping": (
        ("quote shipping", 2), ("create shipment", 1), ("track shipment", 1),
        ("mark delivered", 1), ("schedule pickup", 0),
    ),
    "inventory": (
        ("check availability", 2), ("reserve stock", 2), ("release stock", 2),
        ("receive stock", 1), ("transfer stock", 0), ("manage warehouses", 0),
    ),
}  # fmt: skip

_ENTITIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "catalog": (
        ("Product", ("sku", "title", "price", "category")),
        ("Category", ("slug", "title", "parent")),
    ),
    "customer": (
        ("Customer", ("id", "email", "password_hash")),
        ("Address", ("id", "customer", "street", "city", "country")),
    ),
    "ordering": (
        ("Cart", ("id", "customer", "items")),
        ("Order", ("id", "customer", "status", "total")),
        ("OrderLine", ("order", "sku", "quantity", "price")),
    ),
    "payment": (
        ("Payment", ("id", "order", "amount", "status")),
        ("Refund", ("id", "payment", "amount")),
    ),
    "shipping": (
        ("Shipment", ("id", "order", "carrier", "status")),
    ),
    "inventory": (
        ("StockItem", ("sku", "warehouse", "on_hand", "reserved")),
        ("Warehouse", ("id", "address")),
    ),
}  # fmt: skip

# function -> (entities written, entities read)
_ACCESSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "search products": ((), ("Product", "Category")),
    "view product": ((), ("Product", "Category")),
    "browse category": ((), ("Category", "Product")),
    "update product": (("Product",), ("Category",)),
    "manage categories": (("Category",), ()),
    "register customer": (("Customer", "Address"), ()),
    "sign in": ((), ("Customer",)),
    "update profile": (("Customer",), ()),
    "manage addresses": (("Address",), ("Customer",)),
    "add to cart": (("Cart",), ("Product",)),
    "view cart": ((), ("Cart", "Product")),
    "place order": (("Order", "OrderLine", "Cart"), ("Product", "Customer", "Address")),
    "cancel order": (("Order",), ("OrderLine",)),
    "view order": ((), ("Order", "OrderLine")),
    "list orders": ((), ("Order", "Customer")),
    "authorize payment": (("Payment",), ("Order",)),
    "capture payment": (("Payment",), ()),
    "refund payment": (("Refund",), ("Payment",)),
    "handle payment callback": (("Payment",), ()),
    "reconcile payments": ((), ("Payment", "Refund")),
    "quote shipping": ((), ("Address", "Warehouse")),
    "create shipment": (("Shipment",), ("Order", "OrderLine", "Address")),
    "track shipment": ((), ("Shipment",)),
    "mark delivered": (("Shipment", "Order"), ()),
    "schedule pickup": (("Shipment",), ("Warehouse",)),
    "check availability": ((), ("StockItem",)),
    "reserve stock": (("StockItem",), ()),
    "release stock": (("StockItem",), ()),
    "receive stock": (("StockItem",), ("Warehouse", "Product")),
    "transfer stock": (("StockItem",), ("Warehouse",)),
    "manage warehouses": (("Warehouse",), ()),
}

# (caller, callee, calls per request of the caller)
_CALLS: tuple[tuple[str, str, int], ...] = (
    ("search products", "check availability", 5),
    ("view product", "check availability", 1),
    ("add to cart", "check availability", 1),
    ("view cart", "quote shipping", 1),
    ("place order", "quote shipping", 1),
    ("place order", "reserve stock", 1),
    ("place order", "authorize payment", 1),
    ("cancel order", "release stock", 1),
    ("cancel order", "refund payment", 1),
    ("view order", "track shipment", 1),
    ("handle payment callback", "capture payment", 1),
    ("create shipment", "capture payment", 1),
    ("create shipment", "schedule pickup", 1),
)

# interface -> (kind, the function it exposes)
_INTERFACES: dict[str, tuple[str, str]] = {
    "GET /products": ("rest", "search products"),
    "GET /products/{id}": ("rest", "view product"),
    "PUT /products/{id}": ("rest", "update product"),
    "POST /customers": ("rest", "register customer"),
    "POST /sessions": ("rest", "sign in"),
    "POST /cart/items": ("rest", "add to cart"),
    "GET /cart": ("rest", "view cart"),
    "POST /orders": ("rest", "place order"),
    "POST /orders/{id}/cancel": ("rest", "cancel order"),
    "GET /orders/{id}": ("rest", "view order"),
    "POST /payments/callback": ("webhook", "handle payment callback"),
    "GET /shipments/{id}": ("rest", "track shipment"),
    "POST /warehouses/{id}/receipts": ("rest", "receive stock"),
}


def shop_monolith() -> Monolith:
    """The online shop before it is cut: six domains, 31 functions, 12 entities."""
    functions = [
        Function(name, domain, priority)
        for domain, entries in _FUNCTIONS.items()
        for name, priority in entries
    ]
    domain_of = {f.name: f.domain for f in functions}
    entities = [
        DataModel(name, domain, fields)
        for domain, entries in _ENTITIES.items()
        for name, fields in entries
    ]
    accesses = [
        Access(function, entity, mode)
        for function, (writes, reads) in _ACCESSES.items()
        for mode, names in (("write", writes), ("read", reads))
        for entity in names
    ]
    interfaces = [
        Interface(name, domain_of[function], kind) for name, (kind, function) in _INTERFACES.items()
    ]
    return Monolith(
        "shop",
        functions,
        entities,
        interfaces,
        accesses,
        [Call(*call) for call in _CALLS],
        {name: function for name, (_, function) in _INTERFACES.items()},
    )


def shop_design() -> Design:
    """The shop as one monolithic service, ``shop``, that holds everything."""
    shop = shop_monolith()
    return Design(
        [ServiceSpec("shop", shop.functions, shop.interfaces, shop.entities)],
        name="shop monolith",
    )


def _catalog() -> BoundedContext:
    model = Domain(
        "catalog",
        ["Product", "Category"],
        [Relation("Category", "lists", "Product")],
        [
            Rule("price-positive", "Every product on sale has a price above zero.", ["Product"]),
            Rule("one-category", "Every product is listed in exactly one category.",
                 ["Product", "Category"]),
        ],
    )
    language = {
        "Product": SELLABLE_PRODUCT,
        "Category": "a named group of products that shoppers browse",
    }
    return BoundedContext("catalog", model, language, outputs={"product-api"})


def _ordering() -> BoundedContext:
    model = Domain(
        "ordering",
        ["Cart", "CartItem", "Order", "OrderLine", "Customer", "Address", "Product"],
        [
            Relation("Order", "contains", "OrderLine"),
            Relation("OrderLine", "references", "Product"),
            Relation("Cart", "contains", "CartItem"),
            Relation("CartItem", "references", "Product"),
            Relation("Customer", "has", "Cart"),
            Relation("Customer", "contains", "Address"),
            Relation("Order", "references", "Customer"),
            Relation("Order", "references", "Address"),
        ],
        [
            Rule("order-not-empty", "An order has at least one order line.",
                 ["Order", "OrderLine"]),
            Rule("order-total", "An order's total is the sum over its lines of price times "
                 "quantity.", ["Order", "OrderLine"]),
        ],
    )
    language = {
        "Cart": "the products a customer has picked but not yet ordered",
        "CartItem": "one product in a cart, with a quantity",
        "Order": "a customer's request to buy products, with order lines and a total",
        "OrderLine": "one product in an order, with a quantity and the agreed price",
        "Customer": "a buyer with one or more delivery addresses",
        "Address": ADDRESS,
        "Product": SELLABLE_PRODUCT,
    }
    return BoundedContext(
        "ordering", model, language,
        inputs={"product-api", "customer-api", "payment-api", "stock-levels",
                "stock-reservations"},
        outputs={"order-events"},
    )


def _payment() -> BoundedContext:
    model = Domain(
        "payment",
        ["Payment", "Refund", "Customer", "PaymentMethod"],
        [
            Relation("Customer", "contains", "PaymentMethod"),
            Relation("Payment", "references", "PaymentMethod"),
            Relation("Payment", "contains", "Refund"),
        ],
        [
            Rule("refund-limit", "The refunds of a payment never add up to more than the "
                 "amount paid.", ["Payment", "Refund"]),
            Rule("verified-method", "A payment is only taken with a verified payment method.",
                 ["Payment", "PaymentMethod"]),
        ],
    )
    language = {
        "Payment": "money taken from a customer for an order",
        "Refund": "money returned against an earlier payment",
        "Customer": "a payer with a payment method on file",
        "PaymentMethod": "a card or account a customer pays with",
    }
    return BoundedContext(
        "payment", model, language, inputs={"customer-events"}, outputs={"payment-api"}
    )


def _shipping() -> BoundedContext:
    model = Domain(
        "shipping",
        ["Order", "Shipment", "Parcel", "Address"],
        [
            Relation("Shipment", "contains", "Parcel"),
            Relation("Shipment", "fulfils", "Order"),
            Relation("Order", "references", "Address"),
        ],
        [
            Rule("parcel-weight", "No parcel weighs more than 30 kg.", ["Parcel"]),
            Rule("ship-to", "A shipment goes to the address of the order it fulfils.",
                 ["Shipment", "Order", "Address"]),
        ],
    )
    language = {
        "Order": "a request to ship goods to an address",
        "Shipment": "the parcels sent together to fulfil one order",
        "Parcel": "a box handed to a carrier, with a weight and a tracking number",
        "Address": ADDRESS,
    }
    return BoundedContext(
        "shipping", model, language, inputs={"order-events"}, outputs={"tracking-api"}
    )


def _customer() -> BoundedContext:
    model = Domain(
        "customer",
        ["Customer", "Address"],
        [Relation("Customer", "contains", "Address")],
        [
            Rule("unique-email", "No two customers share an e-mail address.", ["Customer"]),
            Rule("one-default-address", "A customer has at most one default address.",
                 ["Customer", "Address"]),
        ],
    )
    language = {
        "Customer": "a registered person with an account, contact details and addresses",
        "Address": ADDRESS,
    }
    return BoundedContext(
        "customer", model, language, outputs={"customer-api", "customer-events"}
    )


def _inventory(outputs: frozenset[str] = frozenset({"stock-levels"})) -> BoundedContext:
    model = Domain(
        "inventory",
        ["Product", "StockItem", "Warehouse"],
        [
            Relation("StockItem", "stored-in", "Warehouse"),
            Relation("StockItem", "references", "Product"),
        ],
        [
            Rule("no-negative-stock", "The quantity on hand never drops below zero.",
                 ["StockItem"]),
            Rule("reservation-limit", "Reservations never exceed the quantity on hand.",
                 ["StockItem"]),
        ],
    )
    language = {
        "Product": "a stock-keeping unit with a quantity on hand",
        "StockItem": "the quantity of one product held in one warehouse",
        "Warehouse": "a site where stock is kept",
    }
    return BoundedContext("inventory", model, language, outputs=outputs)


def _relationships() -> list[ContextRelationship]:
    return [
        ContextRelationship("catalog", "ordering", Pattern.CUSTOMER_SUPPLIER, {"product-api"},
                            mapping=Pattern.CONFORMIST),
        ContextRelationship("customer", "ordering", Pattern.OPEN_HOST_SERVICE, {"customer-api"}),
        ContextRelationship("customer", "payment", Pattern.CUSTOMER_SUPPLIER,
                            {"customer-events"}),
        ContextRelationship("payment", "ordering", Pattern.OPEN_HOST_SERVICE, {"payment-api"}),
        ContextRelationship("inventory", "ordering", Pattern.ANTICORRUPTION_LAYER,
                            {"stock-levels", "stock-reservations"}),
        ContextRelationship("ordering", "shipping", Pattern.CONFORMIST, {"order-events"}),
        ContextRelationship("payment", "shipping", Pattern.SEPARATE_WAYS),
    ]


def shop_context_map() -> ContextMap:
    """The shop's context map, with three faults against Def 2.2.2 (限界上下文).

    - payment is a customer of the customer context (customer-supplier, a relation
      between the teams), and the map does not say how customer's *Customer* (a
      registered person) crosses to payment, where it means a payer;
    - shipping conforms to ordering, so ordering's *Order* (a purchase) arrives
      where shipping means a shipment request;
    - ordering reserves stock through ``stock-reservations``, which inventory does
      not offer.
    """
    contexts = [_catalog(), _ordering(), _payment(), _shipping(), _customer(), _inventory()]
    return ContextMap(contexts, _relationships(), name="shop")


def shop_context_map_fixed() -> ContextMap:
    """The shop's context map mended: the verdict of Def 2.2.2 (限界上下文) holds.

    Payment and shipping each put an anticorruption layer in front of their upstream,
    translating *Customer* and *Order* into their own terms (payment stays customer
    team's customer: the layer is its relationship's mapping), and inventory offers
    the ``stock-reservations`` interface that ordering relies on.
    """
    relationships = [
        replace(rel, mapping=Pattern.ANTICORRUPTION_LAYER)
        if (rel.upstream, rel.downstream) == ("customer", "payment")
        else replace(rel, pattern=Pattern.ANTICORRUPTION_LAYER)
        if (rel.upstream, rel.downstream) == ("ordering", "shipping") else rel
        for rel in _relationships()
    ]
    inventory = _inventory(outputs=frozenset({"stock-levels", "stock-reservations"}))
    contexts = [_catalog(), _ordering(), _payment(), _shipping(), _customer(), inventory]
    return ContextMap(contexts, relationships, name="shop (fixed)")
