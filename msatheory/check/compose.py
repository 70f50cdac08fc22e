"""Importing a docker-compose file: services, data stores and the calls their addresses show.

A compose file lists containers, not an architecture. :func:`import_compose` reads it as
one, by these rules:

* every key of ``services`` is a service, unless its image runs a data store
  (:func:`~msatheory.check.technologies.recognise`): then it is a data store of that
  name, and a ``data store by image`` finding says so;
* a service is reached by its key, its ``hostname``, its ``container_name``, its
  network ``aliases``, and (from the service that links it) its link alias;
* an edge is an address: a host named in a service's ``environment``, ``command`` or
  ``entrypoint`` (:mod:`~msatheory.check.addresses`). One naming a data store is a
  data store edge, one naming a service a call, one naming the service itself
  nothing; a URL or ``host:port`` naming nothing deployed is a ``dangling address``;
* ``depends_on`` and ``links`` order start-up and give no edge by themselves: a pair no
  address confirms is a ``start-up order only`` finding;
* ``healthcheck`` counts unless ``disable: true`` or ``test: ["NONE"]``; any ``ports``
  entry publishes (``expose`` does not); replicas are ``deploy.replicas``, else
  ``scale``, else 1;
* ``env_file``, ``extends`` and ``include`` are not followed, and a finding says so.

Data stores' own settings are read for their types and technology, not for edges: the
model has no edges out of a data store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from msatheory.check.addresses import (
    Inferrer,
    Setting,
    Unit,
    architecture_document,
    environment_setting,
    store_finding,
)
from msatheory.check.document import system_from_document
from msatheory.check.source import Location, Reader, Source, kind_of
from msatheory.check.system import Finding, System
from msatheory.check.technologies import identify

__all__ = ["import_compose"]

_COMPOSE_STEMS = ("docker-compose", "compose")


@dataclass
class _Service:
    """What the compose file says about one of its services."""

    name: str
    image: str | None = None
    hosts: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)
    settings: list[Setting] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    order: list[tuple[str, str, Location]] = field(default_factory=list)
    healthcheck: bool = False
    exposed: bool = False
    replicas: int = 1
    store: tuple[str, str] | None = None


def import_compose(source: Source) -> System:
    """The system a docker-compose file deploys (origin ``"docker-compose"``)."""
    read = Reader(source)
    top = source.only("a compose file")
    if not isinstance(top, dict):
        raise read.fail((), "must be a mapping with services, not "
                            f"{kind_of(top)}")
    if top.get("services") is None:
        raise read.fail((), "has no services: a compose file lists them under 'services'")
    raw = read.mapping(top["services"], ("services",))
    if not raw:
        raise read.fail(("services",), "lists no service")
    services = {name: _service(read, name, body) for name, body in raw.items()}
    findings = _followed(read, top, raw)
    findings |= _recognise(read, services)
    _check_order(read, services)
    inferrer = _infer(read, services)
    findings |= inferrer.findings | _order_only(read, services, inferrer)
    document = _document(read, top, services, inferrer)
    return system_from_document(document, source.name, "docker-compose",
                                inferrer.inferred, findings)


# -- one service ------------------------------------------------------------------------------


def _service(read: Reader, name: str, body: object) -> _Service:
    path: Location = ("services", name)
    read.name(name, path)
    if not isinstance(body, dict):
        raise read.fail(path, f"must be a mapping of the service's settings, not {kind_of(body)}")
    service = _Service(name, image=read.text(body.get("image"), (*path, "image")))
    service.hosts = _hosts(read, name, body, path)
    links = _links(read, body, path)
    service.links = {alias: target for _, target, alias in links}
    service.order = _depends_on(read, body, path) + [
        (target, "links to", where) for where, target, _ in links]
    service.settings, service.variables = _environment(read, body, path)
    service.settings += _commands(read, body, path)
    service.healthcheck = _healthcheck(read, body.get("healthcheck"), (*path, "healthcheck"))
    service.exposed = _published(read, body, path)
    service.replicas = _replicas(read, body, path)
    return service


def _hosts(read: Reader, name: str, body: dict, path: Location) -> set[str]:
    """The names that reach this service from every other one."""
    hosts = {name}
    for key in ("hostname", "container_name"):
        value = read.text(body.get(key), (*path, key))
        if value:
            hosts.add(value)
    networks = body.get("networks")
    if isinstance(networks, list):
        for i, network in enumerate(networks):
            read.name(network, (*path, "networks", i))
        return hosts
    for net, spec in read.mapping(networks, (*path, "networks")).items():
        where = (*path, "networks", net)
        aliases = read.mapping(spec, where).get("aliases")
        for i, alias in enumerate(read.items(aliases, (*where, "aliases"))):
            hosts.add(read.name(alias, (*where, "aliases", i)))
    return hosts


def _links(read: Reader, body: dict, path: Location) -> list[tuple[Location, str, str]]:
    """Each ``links`` entry as ``(place, service, alias)``: ``db:database`` or ``db``.
    An alias reaches its service from the linking service only."""
    found = []
    for i, link in enumerate(read.items(body.get("links"), (*path, "links"))):
        where: Location = (*path, "links", i)
        target, _, alias = read.name(link, where).partition(":")
        found.append((where, target, alias or target))
    return found


def _depends_on(read: Reader, body: dict, path: Location) -> list[tuple[str, str, Location]]:
    where: Location = (*path, "depends_on")
    value = body.get("depends_on")
    if isinstance(value, dict):
        for target, condition in value.items():
            read.mapping(condition, (*where, target))
        return [(target, "depends on", (*where, target)) for target in value]
    return [(read.name(target, (*where, i)), "depends on", (*where, i))
            for i, target in enumerate(read.items(value, where))]


def _environment(read: Reader, body: dict, path: Location) -> tuple[list[Setting], list[str]]:
    """The environment's settings, and the names of all its variables."""
    where: Location = (*path, "environment")
    value = body.get("environment")
    pairs: list[tuple[str, str, Location]] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise read.fail((*where, i), f"must be NAME=value, not {kind_of(item)}")
            name, equals, text = item.partition("=")
            pairs.append((name, text if equals else "", (*where, i)))
    elif value is not None and not isinstance(value, dict):
        raise read.fail(where, f"must be a mapping or a list of NAME=value, not {kind_of(value)}")
    else:
        for name, text in read.mapping(value, where).items():
            pairs.append((name, read.scalar(text, (*where, name)), (*where, name)))
    settings = [environment_setting(name, text, place) for name, text, place in pairs]
    return [s for s in settings if s], [name for name, _, _ in pairs]


def _commands(read: Reader, body: dict, path: Location) -> list[Setting]:
    settings = []
    for key in ("command", "entrypoint"):
        where: Location = (*path, key)
        value = body.get(key)
        if isinstance(value, list):
            text = " ".join(read.scalar(part, (*where, i)) for i, part in enumerate(value))
        else:
            text = read.scalar(value, where)
        if text:
            settings.append(Setting(key, text, where, command=True))
    return settings


def _healthcheck(read: Reader, value: object, path: Location) -> bool:
    """Present, not ``disable: true``, and not ``test: ["NONE"]``."""
    if value is None:
        return False
    check = read.mapping(value, path)
    test = check.get("test")
    disabled = test == ["NONE"] or test == "NONE"
    return check.get("disable") is not True and not disabled


def _published(read: Reader, body: dict, path: Location) -> bool:
    """Whether a port is published: every ``ports`` entry publishes one (Compose picks a
    host port when the entry names none); ``expose`` only documents a port."""
    ports = read.items(body.get("ports"), (*path, "ports"))
    for i, port in enumerate(ports):
        if isinstance(port, bool) or not isinstance(port, str | int | dict):
            raise read.fail((*path, "ports", i),
                            f"must be a port like \"8080:80\" or a mapping, not {kind_of(port)}")
    return bool(ports)


def _replicas(read: Reader, body: dict, path: Location) -> int:
    deploy = read.mapping(body.get("deploy"), (*path, "deploy"))
    if deploy.get("replicas") is not None:
        return read.count(deploy["replicas"], (*path, "deploy", "replicas"))
    if body.get("scale") is not None:
        return read.count(body["scale"], (*path, "scale"))
    return 1


# -- the whole file ---------------------------------------------------------------------------


def _followed(read: Reader, top: dict, raw: dict) -> set[Finding]:
    """Findings for what the importer does not read: ``env_file``, ``extends``, ``include``."""
    findings = set()
    if top.get("include") is not None:
        findings.add(Finding("not followed", read.place(("include",)),
                             "the files this one includes are not read"))
    for name, body in raw.items():
        if body.get("env_file") is not None:
            findings.add(Finding("not followed", read.place(("services", name, "env_file")),
                                 f"{name}'s env_file is not read: the variables it sets are "
                                 "not searched for addresses"))
        if body.get("extends") is not None:
            findings.add(Finding("not followed", read.place(("services", name, "extends")),
                                 f"{name} extends a definition that is not read: what it "
                                 "inherits is not imported"))
    return findings


def _recognise(read: Reader, services: dict[str, _Service]) -> set[Finding]:
    """Mark the services whose image runs a data store; a finding for each."""
    findings = set()
    for name, service in services.items():
        found = identify(service.image, service.variables)
        if found:
            service.store, why = found
            findings.add(store_finding(name, why, service.store[1],
                                       read.place(("services", name, "image"))))
    return findings


def _check_order(read: Reader, services: dict[str, _Service]) -> None:
    """``depends_on`` and ``links`` must name services of the file."""
    for service in services.values():
        for target, verb, where in service.order:
            if target not in services:
                raise read.fail(where, f"{service.name} {verb} {target!r}, which is not a "
                                       "service of this file")


def _infer(read: Reader, services: dict[str, _Service]) -> Inferrer:
    """Every edge the services' settings show."""
    hosts: dict[str, set[str]] = {}
    for service in services.values():
        for host in service.hosts:
            hosts.setdefault(host, set()).add(service.name)

    def resolve(owner: str, host: str) -> set[str] | None:
        linked = services[owner].links.get(host)
        return {linked} if linked else hosts.get(host)

    known = set(hosts) | {alias for s in services.values() for alias in s.links}
    stores = {name for name, s in services.items() if s.store}
    inferrer = Inferrer(resolve, stores, known)
    for service in services.values():
        for setting in service.settings:
            inferrer.scan(service.name, setting, read.place(setting.path))
    return inferrer


def _order_only(read: Reader, services: dict[str, _Service], inferrer: Inferrer) -> set[Finding]:
    """A ``start-up order only`` finding for each ordered pair no address confirms."""
    confirmed = {(i.source, i.target) for i in inferrer.inferred}
    findings = set()
    for service in services.values():
        if service.store:
            continue
        for target, verb, where in service.order:
            if (service.name, target) not in confirmed:
                findings.add(Finding(
                    "start-up order only", read.place(where),
                    f"{service.name} {verb} {target}, but nothing in {service.name}'s "
                    "configuration addresses it"))
    return findings


def _document(read: Reader, top: dict, services: dict[str, _Service],
              inferrer: Inferrer) -> dict[str, object]:
    """The architecture document the file amounts to."""
    units = [Unit(n, s.store, s.healthcheck, s.exposed, s.replicas) for n, s in services.items()]
    document = architecture_document(units, inferrer, lambda problem: read.fail(("services",),
                                                                                  problem))
    name = _name(read, top)
    if name:
        document["name"] = name
    return document


def _name(read: Reader, top: dict) -> str | None:
    """The file's ``name``; else its folder's name when the file is ``docker-compose.yml``
    or ``compose.yaml``, as Compose names a project; else ``None`` (the file's stem)."""
    given = read.text(top.get("name"), ("name",))
    if given and given.strip():
        return given
    file = Path(read.source.name)
    if file.stem.lower().partition(".")[0] in _COMPOSE_STEMS:
        return file.absolute().parent.name or None
    return None
