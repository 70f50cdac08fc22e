"""Chapter 2 (lessons 2a and 2b)."""

from __future__ import annotations

import sympy as sp

from msatheory.design.boundary import Boundary, Design, Element, Function, ServiceSpec
from msatheory.design.decomposition import decompose, domain_cut
from msatheory.design.examples import shop_design, shop_monolith
from msatheory.design.optimizer import optimize
from msatheory.design.sizing import Bounds, service_counts
from msatheory.exercises.design import CUT_BOUNDS, RETAILER_FUNCTIONS

g_min, w = sp.symbols("g_min w", positive=True)
place, cancel, invoice, vat, reserve, release = RETAILER_FUNCTIONS


# -- 2.untangle-orders ---------------------------------------------------------------------

def untangled() -> Design:
    """The owner map "each function to the service of its domain", read off as fibres:
    each function has one holder (Theorem 2.1.1) and each service one domain
    (Principle 2.1.1). All three are too fine for [3, 20]; single responsibility wins."""
    return Design([ServiceSpec("orders", [place, cancel]),
                   ServiceSpec("billing", [invoice, vat]),
                   ServiceSpec("stock", [reserve, release])], name="retailer")


def _tangled() -> Design:
    """The incident as it is: billing holds issue invoice, and orders still does."""
    return Design([ServiceSpec("orders", list(RETAILER_FUNCTIONS)),
                   ServiceSpec("billing", [invoice])], name="retailer")


def _invoice_moved_only() -> Design:
    """Invoice moved out, so separation holds, but orders still spans three domains."""
    return Design([ServiceSpec("orders", [place, cancel, vat, reserve, release]),
                   ServiceSpec("billing", [invoice])], name="retailer")


def _billing_kept_too() -> Design:
    """Cut by domain, but the half-built billing service left in place: a double claim."""
    return Design([ServiceSpec("orders", [place, cancel]),
                   ServiceSpec("invoicing", [invoice, vat]),
                   ServiceSpec("stock", [reserve, release]),
                   ServiceSpec("billing", [invoice])], name="retailer")


def _release_forgotten() -> Design:
    """Cut by domain, but release stock left behind in the monolith that was deleted."""
    return Design([ServiceSpec("orders", [place, cancel]),
                   ServiceSpec("billing", [invoice, vat]),
                   ServiceSpec("stock", [reserve])], name="retailer")


# -- 2.add-function ------------------------------------------------------------------------

def add_function(boundary: Boundary, service: str, function: Function) -> Boundary:
    """Change one entry of the owner map and take the fibres again: B is the fibres of a
    map, so Theorem 2.1.1 holds; ``services=boundary`` keeps the services that end up
    owning nothing."""
    owner = {f: s for f, (s, *_) in boundary.owners().items()}
    owner[function] = service
    return Boundary.from_owners(owner, services=boundary)


def sketch_add_function(boundary: Boundary, service: str, function: Function) -> Boundary:
    """The Go sketch's AddFunction as written: append to B(service), whoever else holds
    the function (erratum 2.separation)."""
    images = {s: set(functions) for s, functions in boundary.items()}
    images[service].add(function)
    return Boundary(images)


def _fibres_only(boundary: Boundary, service: str, function: Function) -> Boundary:
    """Right idea, but the services that own nothing are forgotten: from_owners only
    knows the services some function maps to."""
    owner = {f: s for f, (s, *_) in boundary.owners().items()}
    owner[function] = service
    return Boundary.from_owners(owner)


def _refuses_to_move(boundary: Boundary, service: str, function: Function) -> Boundary:
    """Keeps separation by leaving a held function where it is: the call is ignored."""
    if function in boundary.owners():
        return boundary
    return sketch_add_function(boundary, service, function)


def _adds_only_when_moving(boundary: Boundary, service: str, function: Function) -> Boundary:
    """The add indented one level too deep: it happens only if someone held the function,
    so a new function is never added."""
    images = {s: set(functions) for s, functions in boundary.items()}
    for functions in images.values():
        if function in functions:
            functions.discard(function)
            images[service].add(function)
    return Boundary(images)


# -- 2.split-service -----------------------------------------------------------------------

def split(service: ServiceSpec, bounds: Bounds) -> list[ServiceSpec]:
    """Group every element (functions, interfaces, data models) by domain, and deal each
    domain round-robin into the fewest k services with k g_min <= W <= k g_max: sizes
    differ by at most one, so each is floor(W/k) or ceil(W/k), both within bounds."""
    by_domain: dict[str, list[Element]] = {}
    for element in service.elements:
        by_domain.setdefault(element.domain, []).append(element)
    parts = []
    for domain, elements in sorted(by_domain.items()):
        k = service_counts(len(elements), bounds).start
        for i in range(k):
            parts.append(ServiceSpec.of(f"{service.name}-{domain}-{i + 1}", elements[i::k]))
    return parts


def sketch_split(service: ServiceSpec, bounds: Bounds) -> list[ServiceSpec]:
    """The Go sketch's splitService as written: one service per domain of the functions;
    interfaces and data models are lost, and a one-domain service is only renamed."""
    groups: dict[str, list[Function]] = {}
    for function in service.functions:
        groups.setdefault(function.domain, []).append(function)
    return [ServiceSpec(f"{service.name}_{domain}", functions)
            for domain, functions in groups.items()]


def _by_domain_only(service: ServiceSpec, bounds: Bounds) -> list[ServiceSpec]:
    """Keeps every element and splits by domain, but never by size."""
    domains = sorted(service.domains)
    return [ServiceSpec.of(f"{service.name}_{d}", [e for e in service.elements if e.domain == d])
            for d in domains]


def _chunks_of_g_max(service: ServiceSpec, bounds: Bounds) -> list[ServiceSpec]:
    """Fills services up to g_max in turn: the last chunk of a domain may be too fine."""
    parts = []
    for d in sorted(service.domains):
        elements = [e for e in service.elements if e.domain == d]
        for i in range(0, len(elements), bounds.split_above):
            parts.append(ServiceSpec.of(f"{d}-{i}", elements[i:i + bounds.split_above]))
    return parts


def _floor_count(service: ServiceSpec, bounds: Bounds) -> list[ServiceSpec]:
    """k = W // g_max rounds down (at least 1): a domain just above g_max stays whole."""
    parts = []
    for d in sorted(service.domains):
        elements = [e for e in service.elements if e.domain == d]
        k = max(1, len(elements) // bounds.split_above)
        parts += [ServiceSpec.of(f"{d}-{i}", elements[i::k]) for i in range(k)]
    return parts


# -- 2.cut-the-shop ------------------------------------------------------------------------

def _regroup(design: Design, domain: str, groups: dict[str, list[str]]) -> Design:
    """``design`` with the service ``domain`` replaced by one service per group of
    element names."""
    held = {e.name: e for e in design.service(domain).elements}
    replaced = [ServiceSpec.of(name, [held[n] for n in names]) for name, names in groups.items()]
    return Design([*(s for s in design.services if s.name != domain), *replaced],
                  name="shop cut by hand")


def hand_cut() -> Design:
    """The domain cut, with the two domains above 9 cut where little couples them:
    categories apart from products (4 cross: the reads of Category by the product
    functions and of Product by browse category), the cart apart from orders (3 cross:
    place order writes the Cart). Coupling 47 + 4 + 3 = 54, the least any cut within
    [3, 9] that keeps endpoints with their functions leaves."""
    cut = _regroup(domain_cut(shop_monolith()), "catalog", {
        "categories": ["browse category", "manage categories", "Category"],
        "products": ["search products", "view product", "update product", "Product",
                     "GET /products", "GET /products/{id}", "PUT /products/{id}"],
    })
    return _regroup(cut, "ordering", {
        "cart": ["add to cart", "view cart", "Cart", "POST /cart/items", "GET /cart"],
        "orders": ["place order", "cancel order", "view order", "list orders", "Order",
                   "OrderLine", "POST /orders", "POST /orders/{id}/cancel", "GET /orders/{id}"],
    })


def _interfaces_apart() -> Design:
    """Meets the size by moving the catalog's endpoints into a service of their own: no
    coupling edge touches an interface, so this looks free, but an endpoint without its
    function serves nothing."""
    cut = _regroup(domain_cut(shop_monolith()), "catalog", {
        "catalog": ["search products", "view product", "update product", "browse category",
                    "manage categories", "Product", "Category"],
        "catalog-api": ["GET /products", "GET /products/{id}", "PUT /products/{id}"],
    })
    return _regroup(cut, "ordering", {
        "cart": ["add to cart", "view cart", "Cart", "POST /cart/items", "GET /cart"],
        "orders": ["place order", "cancel order", "view order", "list orders", "Order",
                   "OrderLine", "POST /orders", "POST /orders/{id}/cancel", "GET /orders/{id}"],
    })


def _dealt_with_endpoints() -> Design:
    """optimize's round-robin deal, mended to keep each endpoint with its function: the
    domains above 9 get their functions dealt alphabetically into two services and their
    entities likewise. Every rule holds; the coupling (63) is what the deal ignores."""
    shop = shop_monolith()
    cut = domain_cut(shop)
    for domain in ("catalog", "ordering"):
        spec = cut.service(domain)
        functions = [f.name for f in spec.functions]
        entities = [e.name for e in spec.data_models]
        halves: dict[str, list[str]] = {domain: [], f"{domain}-2": []}
        for names in (functions, entities):
            for i, name in enumerate(names):
                halves[domain if i % 2 == 0 else f"{domain}-2"].append(name)
        for interface in spec.interfaces:
            exposed = shop.exposes[interface.name]
            halves[domain if exposed in halves[domain] else f"{domain}-2"].append(interface.name)
        cut = _regroup(cut, domain, halves)
    return cut


SOLUTIONS: dict[str, object] = {
    "2.untangle-orders": untangled(),
    "2.add-function": add_function,
    "2.no-gaps": 2 * g_min - 1,
    "2.split-service": split,
    "2.cut-the-shop": hand_cut(),
}

MUTANTS: dict[str, list[object]] = {
    "2.untangle-orders": [_tangled(), _invoice_moved_only(), _billing_kept_too(),
                          _release_forgotten()],
    "2.add-function": [sketch_add_function, _fibres_only, _refuses_to_move,
                       _adds_only_when_moving],
    "2.no-gaps": [2 * g_min, 2 * g_min - 2, g_min + 1, g_min + w],
    "2.split-service": [sketch_split, _by_domain_only, _chunks_of_g_max, _floor_count],
    "2.cut-the-shop": [shop_design(), domain_cut(shop_monolith()),
                       optimize(domain_cut(shop_monolith()), CUT_BOUNDS),
                       _dealt_with_endpoints(),
                       decompose(shop_monolith(), method="greedy_modularity").design,
                       _interfaces_apart()],
}
