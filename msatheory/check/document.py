"""The architecture file: a documented JSON Schema, and a loader into the chapter 1 and 2 models.

The file (YAML or JSON) lists services with their calls (a name, a hard synchronous
call; or a mapping ``{to, kind, timeout, retries, fallback, breaker}``), topics, data stores,
monitoring links, health checks and exposure (Def 1.1.2), an optional gateway
(Pattern 4.3.1), and optionally each service's functions, interfaces and data
entities with their domains (Def 2.1.1, Def 2.3.1). The schema, :data:`SCHEMA`, says
what is allowed; the loader adds what a schema cannot: every call names a declared
service, every gateway is a service, and a data store is declared when the file has a
``datastores`` section. A service calling itself makes a ``self-call`` finding, not an
edge: a self-call is not a dependency between services, in every kind of file.

A valid file is checked by a validator compiled from the schema (fastjsonschema);
only a file with mistakes loads ``jsonschema``, which lists every mistake at once.
Every error names the file, the place and the problem, one line each.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema

from msatheory.basics.model import Architecture, Call, Datastore, Service
from msatheory.check.source import Location, Source, kind_of, shorten, where
from msatheory.check.system import Deployed, Finding, Inference, System
from msatheory.check.technologies import recognise
from msatheory.design.boundary import DataModel, Design, Function, Interface, ServiceSpec
from msatheory.design.sizing import Bounds
from msatheory.errors import TheoryError

__all__ = ["SCHEMA", "load_architecture", "schema", "system_from_document"]


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the architecture file (draft 2020-12)."""
    text = resources.files("msatheory.check").joinpath("architecture.schema.json").read_text()
    return json.loads(text)


def _inline(node: object, definitions: Mapping[str, object]) -> object:
    """``node`` with every ``$ref`` to a definition replaced by the definition itself.

    The schema has no recursive references, so this terminates; validation then
    skips a reference lookup per value (twice as fast on a 10,000-service file).
    """
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(definitions[node["$ref"].removeprefix("#/$defs/")], definitions)
        return {k: _inline(v, definitions) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, definitions) for v in node]
    return node


SCHEMA = schema()
_INLINED = {k: _inline(v, SCHEMA["$defs"]) for k, v in SCHEMA.items() if k != "$defs"}
_VALID = fastjsonschema.compile({k: v for k, v in _INLINED.items() if k != "$schema"})


def load_architecture(source: Source) -> System:
    """The system an architecture file describes (origin ``"architecture"``)."""
    source.only("an architecture file")
    return _build(source, "architecture")


def system_from_document(
    document: Mapping[str, object],
    name: str,
    origin: str = "architecture",
    inferred: Iterable[Inference] = (),
    findings: Iterable[Finding] = (),
    deployed: Mapping[str, tuple[Deployed, ...]] | None = None,
) -> System:
    """The system described by an architecture ``document`` that an importer built."""
    return _build(Source(name, (document,)), origin, tuple(inferred), tuple(findings),
                  dict(deployed or {}))


# -- schema errors in words -------------------------------------------------------------------

_JSON_TYPES = {"object": "a mapping", "array": "a list", "string": "a string",
               "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "null": "empty"}


def _problem(error: Any) -> str:
    """What a schema violation (a ``jsonschema.ValidationError``) means, in one line."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        wanted = [expected] if isinstance(expected, str) else expected
        words = " or ".join(_JSON_TYPES[w] for w in wanted)
        return f"must be {words}, not {kind_of(value)}"
    if kind == "required":
        missing = [k for k in expected if k not in value]
        return f"is missing the required key {missing[0]!r}"
    if kind == "minProperties":
        return "must not be empty"
    if kind == "pattern":
        return "must not be blank"
    if kind == "maxLength":
        return f"is longer than {expected} characters"
    if kind == "uniqueItems":
        return f"lists {shorten(_repeated(value))} twice"
    if kind == "minItems":
        return f"must list at least {expected}"
    if kind == "minimum":
        return f"must be at least {expected}, not {value}"
    if kind == "enum":
        return f"must be one of {', '.join(map(str, expected))}, not {kind_of(value)}"
    if kind == "exclusiveMinimum":
        return f"must be more than {expected}, not {value}"
    if kind == "oneOf":
        key = "to" if any("to" in option.get("properties", {}) for option in expected) \
            else "name"
        return f"must be a name or a mapping with {key!r}, not {kind_of(value)}"
    return shorten(error.message, 200)


def _repeated(values: Iterable[object]) -> object:
    """The first of ``values`` equal to one before it as JSON Schema compares them (there
    is one: ``uniqueItems`` failed)."""
    seen: list[object] = []
    for value in values:
        if any(_same(value, before) for before in seen):
            return value
        seen.append(value)
    raise ValueError("no value is repeated")


def _same(one: object, two: object) -> bool:
    """Whether two JSON values are equal as ``uniqueItems`` counts them: ``true`` is not
    ``1``, nor ``false`` ``0``, at any depth."""
    if isinstance(one, bool) or isinstance(two, bool):
        return one is two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(map(_same, one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_same(one[k], two[k]) for k in one)
    return one == two


def _mistakes(error: Any) -> list[tuple[Location, str]]:
    """Each place and problem one schema violation amounts to: an unknown key is told at
    the key itself, one error per key."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        found = []
        for key in sorted(k for k in error.instance if k not in allowed):
            hint = difflib.get_close_matches(key, allowed, n=1)
            found.append(((*path, key), "is not a key of this mapping" + (
                f" (did you mean {hint[0]!r}?)" if hint else
                f"; the keys allowed are {', '.join(allowed)}")))
        return found
    if "propertyNames" in error.schema_path:  # a key of the mapping at ``path``
        name = shorten(error.instance)
        problem = (f"has a name longer than {error.validator_value} characters, {name}"
                   if error.validator == "maxLength" else f"has a blank name, {name}")
        return [(path, problem)]
    return [(path, _problem(error))]


def _validate(source: Source) -> None:
    """Nothing when the document fits the schema; else one error naming every mistake."""
    document = source.documents[0]
    try:
        _VALID(document)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema  # only a file with mistakes pays for the full validator

    validator = jsonschema.Draft202012Validator(_INLINED)
    mistakes: dict[tuple[Location, str], None] = {}
    for error in validator.iter_errors(document):
        for mistake in _mistakes(jsonschema.exceptions.best_match([error])):
            mistakes[mistake] = None
    ordered = sorted(mistakes, key=lambda m: (source.line(m[0]) or 0, where(m[0])))
    raise TheoryError("\n".join(str(source.error(path, problem)) for path, problem in ordered))


# -- building the model -----------------------------------------------------------------------


def _suggest(name: str, known: Iterable[str]) -> str:
    hint = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _stem(name: str) -> str:
    stem = Path(name).stem
    return stem if stem and not stem.startswith("<") else "architecture"


def _build(source: Source, origin: str, inferred: tuple[Inference, ...] = (),
           findings: tuple[Finding, ...] = (),
           deployed: dict[str, tuple[Deployed, ...]] | None = None) -> System:
    if not isinstance(source.documents[0], Mapping):
        raise source.error((), f"must be a mapping, not {kind_of(source.documents[0])}")
    _validate(source)
    doc: Mapping[str, Any] = source.documents[0]
    specs: dict[str, dict[str, Any]] = {n: s or {} for n, s in doc["services"].items()}
    stores_doc = doc.get("datastores")
    gateway = doc.get("gateway", [])
    gateways = (gateway,) if isinstance(gateway, str) else tuple(gateway)
    _check_references(source, specs, stores_doc, gateways)
    selves = _self_calls(source, specs)
    stores = [_datastore(name, spec or {}) for name, spec in (stores_doc or {}).items()]
    services = []
    for name, spec in specs.items():
        try:
            services.append(_service(name, spec, exposed=name in gateways))
        except TheoryError as error:
            raise source.error(("services", name), str(error)) from None
    architecture = Architecture(services, stores, name=doc.get("name") or _stem(source.name))
    return System(
        file=source.name,
        origin=origin,
        architecture=architecture,
        gateways=gateways,
        design=_design(source, specs, architecture.name),
        bounds=_bounds(source, doc.get("granularity") or {}),
        inferred=tuple(sorted(inferred)),
        findings=tuple(sorted({*findings, *selves})),
        deployed=deployed or {},
        declared={name: position for section in ("services", "datastores")
                  for name in doc.get(section) or ()
                  if (position := source.position((section, name))) is not None},
    )


def _callee(item: str | Mapping[str, Any]) -> str:
    """The service a call names: the name itself, or its ``to``."""
    return item if isinstance(item, str) else item["to"]


def _self_calls(source: Source, specs: Mapping[str, Mapping[str, Any]]) -> set[Finding]:
    """A finding for each service that lists itself among its calls (left out of the model)."""
    return {
        Finding("self-call", source.place(("services", name, "calls", i)),
                f"{name} calls itself: a self-call is not a dependency between services, so "
                "it makes no edge")
        for name, spec in specs.items()
        for i, item in enumerate(spec.get("calls", ())) if _callee(item) == name
    }


def _check_references(source: Source, specs: Mapping[str, Mapping[str, Any]],
                      stores: Mapping[str, object] | None,
                      gateways: tuple[str, ...]) -> None:
    for i, name in enumerate(gateways):
        if name not in specs:
            place: Location = ("gateway", i) if len(gateways) > 1 else ("gateway",)
            raise source.error(place, f"the gateway {name!r} is not a service of this file"
                                      + _suggest(name, specs))
    used = {store for spec in specs.values() for store in spec.get("datastores", ())}
    watchable = {*specs, *(stores if stores is not None else used)}
    for name, spec in specs.items():
        seen: set[str] = set()
        for i, item in enumerate(spec.get("calls", ())):
            callee = _callee(item)
            if callee in seen:
                raise source.error(("services", name, "calls", i),
                                   f"{name} calls {callee!r} twice: give each callee one call")
            seen.add(callee)
            if callee != name and callee not in specs:
                raise source.error(("services", name, "calls", i),
                                   f"{name} calls {callee!r}, which is not a service of this "
                                   f"file{_suggest(callee, specs)}")
        for i, store in enumerate(spec.get("datastores", ())):
            if store in specs:
                raise source.error(("services", name, "datastores", i),
                                   f"{store!r} is a service, not a data store")
            if stores is not None and store not in stores:
                raise source.error(("services", name, "datastores", i),
                                   f"{store!r} is not listed under datastores"
                                   f"{_suggest(store, stores)}")
        for i, watched in enumerate(spec.get("monitors", ())):
            if watched not in watchable:
                raise source.error(("services", name, "monitors", i),
                                   f"{name} monitors {watched!r}, which is not a service or "
                                   f"data store of this file{_suggest(watched, watchable)}")
    for store in stores or {}:
        if store in specs:
            raise source.error(("datastores", store), f"{store!r} is also a service")


def _datastore(name: str, spec: Mapping[str, Any]) -> Datastore:
    technology = spec.get("technology", "")
    known = recognise(technology) if technology else None
    kind = spec.get("kind") or (known[1] if known else "database")
    return Datastore(name, technology, kind)


def _names(items: Iterable[str | Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(item if isinstance(item, str) else item["name"] for item in items)


def _service(name: str, spec: Mapping[str, Any], exposed: bool) -> Service:
    return Service(
        name,
        calls=tuple(_call(item) for item in spec.get("calls", ()) if _callee(item) != name),
        publishes=tuple(spec.get("publishes", ())),
        subscribes=tuple(spec.get("subscribes", ())),
        interfaces=_names(spec.get("interfaces", ())),
        datastores=tuple(spec.get("datastores", ())),
        monitors=tuple(spec.get("monitors", ())),
        technology=spec.get("technology", ""),
        replicas=spec.get("replicas", 1),
        healthcheck=spec.get("healthcheck", False),
        exposed=exposed or spec.get("exposed", False),
        deployment=spec.get("deployment", ""),
    )


def _call(item: str | Mapping[str, Any]) -> Call:
    """A call of the file as a model :class:`Call` (a name is a hard synchronous call)."""
    if isinstance(item, str):
        return Call(item)
    return Call(item["to"], kind=item.get("kind", "sync"), timeout=item.get("timeout"),
                retries=item.get("retries", 0), fallback=item.get("fallback", ""),
                breaker=item.get("breaker", False))


def _design(source: Source, specs: Mapping[str, Mapping[str, Any]], name: str) -> Design | None:
    """The chapter 2 view, when some service lists functions; otherwise ``None``."""
    if not any(spec.get("functions") for spec in specs.values()):
        return None
    services = []
    for service, spec in specs.items():
        elements = []
        for key, build in (("functions", _function), ("interfaces", _interface),
                           ("entities", _entity)):
            for i, item in enumerate(spec.get(key, ())):
                fields = {"name": item} if isinstance(item, str) else dict(item)
                fields.setdefault("domain", spec.get("domain"))
                if fields["domain"] is None:
                    raise source.error(
                        ("services", service, key, i),
                        f"{fields['name']!r} needs a domain: give it one, or give service "
                        f"{service!r} a domain",
                    )
                elements.append(build(fields))
        try:
            services.append(ServiceSpec.of(service, elements))
        except TheoryError as error:
            raise source.error(("services", service), str(error)) from None
    try:
        return Design(services, name=name)
    except TheoryError as error:
        raise source.error(("services",), str(error)) from None


def _function(fields: dict[str, Any]) -> Function:
    return Function(fields["name"], fields["domain"], fields.get("priority", 0))


def _interface(fields: dict[str, Any]) -> Interface:
    return Interface(fields["name"], fields["domain"], fields.get("kind", "rest"))


def _entity(fields: dict[str, Any]) -> DataModel:
    return DataModel(fields["name"], fields["domain"], tuple(fields.get("fields", ())))


def _bounds(source: Source, spec: Mapping[str, int]) -> Bounds:
    try:
        return Bounds(**spec)
    except TheoryError as error:
        raise source.error(("granularity",), str(error)) from None
