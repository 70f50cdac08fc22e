"""Importing docker-compose files: services, data stores and the calls their addresses show.

A compose file lists containers, not an architecture. :func:`import_compose` reads one
file, and :func:`import_compose_files` several merged as ``docker compose -f ... -f ...``
merges them (:mod:`~msatheory.check.merge`), by these rules:

* variables are resolved as Compose resolves them: ``${...}`` from the ``.env`` file beside
  the first file, ``env_file`` entries, and entries with no value (``- CART_ADDR``) from
  ``.env``; evidence says where each value came from. The shell's environment is not
  read, and neither is any file outside the first file's folder: such an ``env_file`` or
  ``.env`` is refused with a finding;
* every key of ``services`` is a service, unless it runs a data store
  (:func:`~msatheory.check.technologies.identify`, or addressed as one);
* a service is reached by its key, its ``hostname``, its ``container_name``, its network
  ``aliases`` and static IP addresses, and (from the service that links it) its link
  alias; names are compared without case;
* an edge is an address in a service's environment, ``command`` or ``entrypoint``
  (:mod:`~msatheory.check.inference`);
* ``depends_on`` and ``links`` order start-up and give no edge by themselves: a pair no
  address confirms is a ``start-up order only`` finding;
* ``healthcheck`` counts unless ``disable: true`` or ``test: ["NONE"]``; any ``ports``
  entry publishes (``expose`` does not); replicas are ``deploy.replicas``, else
  ``scale``, else 1;
* each data store's instances and replication settings become its ``storage`` (Def 6.3.1,
  :func:`~msatheory.check.inference.storage_of`);
* ``extends`` and ``include`` are not followed, and a finding says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from msatheory.check.addresses import Setting, environment_setting, ip_literal
from msatheory.check.document import system_from_document
from msatheory.check.environment import Variable, parse_dotenv
from msatheory.check.inference import Resolve, Unit, architecture_document, infer, storage_of
from msatheory.check.merge import resolve_compose
from msatheory.check.source import Location, Reader, Source, kind_of, read_text
from msatheory.check.system import Deployed, Finding, System
from msatheory.check.technologies import identify, monitoring_tool
from msatheory.errors import TheoryError

__all__ = ["import_compose", "import_compose_files"]

_COMPOSE_STEMS = ("docker-compose", "compose")


@dataclass
class _Service:
    """What the compose files say about one of their services."""

    unit: Unit
    hosts: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)
    variables: list[str] = field(default_factory=list)
    order: list[tuple[str, str, Location]] = field(default_factory=list)


class _Project:
    """The folder Compose works in: where ``.env`` and ``env_file`` paths are read, and
    the only tree they may be read from."""

    def __init__(self, source: Source):
        self.folder = source.path.parent if source.path is not None else None
        self.findings: set[Finding] = set()
        self.variables: dict[str, Variable] = {}
        if self.folder is not None and (self.folder / ".env").exists():
            self.variables = self.read(".env", ".env", "the .env file") or {}

    def read(self, entry: str, place: str, what: str, lookup: dict[str, Variable] | None = None,
             known: dict[str, Variable] | None = None,
             required: bool = True) -> dict[str, Variable] | None:
        """The variables of file ``entry`` (relative to the folder), interpolated from
        ``lookup`` and ``known`` (:func:`~msatheory.check.environment.parse_dotenv`); or
        ``None``, with a finding when it is refused or cannot be read (none for a missing
        file that is not ``required``)."""
        if self.folder is None:
            self.findings.add(Finding("not read", place, f"{what} is not read: a file given "
                                                         "as text or on standard input has "
                                                         "no folder"))
            return None
        path = (self.folder / entry).resolve()
        if not path.is_relative_to(self.folder):
            self.findings.add(Finding("refused", place, f"{what} leads outside the folder "
                                                        f"{self.folder.name}: a check reads "
                                                        "nothing beyond it"))
            return None
        if not required and not path.exists():
            return None
        try:
            return parse_dotenv(read_text(path), entry, lookup, known)
        except TheoryError as error:
            self.findings.add(Finding("not read", place, f"{what} cannot be read: "
                                                         f"{str(error).replace(str(path), entry)}"))
            return None


def import_compose(source: Source) -> System:
    """The system a docker-compose file deploys (origin ``"docker-compose"``)."""
    return import_compose_files([source])


def import_compose_files(sources: Sequence[Source], name: str | None = None) -> System:
    """The system compose files deploy, merged in order as Compose merges them; ``name``
    names the files together (by default the first's name)."""
    project = _Project(sources[0])
    resolved = resolve_compose(sources, project.variables, name)
    source = resolved.source
    read = Reader(source)
    top = source.documents[0]
    if not isinstance(top, dict):
        raise read.fail((), f"must be a mapping with services, not {kind_of(top)}")
    if top.get("services") is None:
        raise read.fail((), "has no services: a compose file lists them under 'services'")
    raw = read.mapping(top["services"], ("services",))
    if not raw:
        raise read.fail(("services",), "lists no service")
    services = {key: _service(read, key, body, resolved.notes, project)
                for key, body in raw.items()}
    _check_order(read, services)
    resolver = _resolver(services)
    found = infer([s.unit for s in services.values()], resolver,
                  {h for s in services.values() for h in s.hosts | set(s.links)})
    findings = (_followed(read, top, raw) | resolved.findings | project.findings
                | found.findings | _order_only(read, services, found.inferred))
    units = [s.unit for s in services.values()]
    document = architecture_document(units, found.inferred,
                                     lambda problem: read.fail(("services",), problem))
    given = _name(read, top)
    if given:
        document["name"] = given
    system = system_from_document(document, source.name, "docker-compose", found.inferred,
                                  findings, {u.name: u.deployed for u in units})
    return replace(system, storage=storage_of(units, resolver))


# -- one service ------------------------------------------------------------------------------


def _service(read: Reader, name: str, body: object, notes: dict[Location, str],
             project: _Project) -> _Service:
    path: Location = ("services", name)
    read.name(name, path)
    if not isinstance(body, dict):
        raise read.fail(path, f"must be a mapping of the service's settings, not {kind_of(body)}")
    image = read.text(body.get("image"), (*path, "image"))
    unit = Unit(name, healthcheck=_healthcheck(read, body.get("healthcheck"),
                                               (*path, "healthcheck")),
                exposed=_published(read, body, path), replicas=_replicas(read, body, path))
    service = _Service(unit, hosts=_hosts(read, name, body, path))
    links = _links(read, body, path)
    service.links = {alias.lower(): target for _, target, alias in links}
    service.order = _depends_on(read, body, path) + [
        (target, "links to", where) for where, target, _ in links]
    settings, service.variables = _environment(read, body, path, notes, project)
    settings += _commands(read, body, path)
    unit.settings = [(s, read.place(s.path)) for s in settings]
    place = read.place((*path, "image") if image is not None else path)
    found = identify(image, service.variables, name)
    if found:
        unit.store, unit.why = found
        unit.where = place
    unit.tool = monitoring_tool(image)
    if unit.tool and not unit.where:
        unit.where = place
    unit.deployed = (Deployed("container", name, image or "", unit.healthcheck,
                              unit.replicas, read.place(path), read.position(path)),)
    return service


def _hosts(read: Reader, name: str, body: dict, path: Location) -> set[str]:
    """The names (lower case) and static IP addresses that reach this service."""
    hosts = {name}
    for key in ("hostname", "container_name"):
        value = read.text(body.get(key), (*path, key))
        if value:
            hosts.add(value)
    networks = body.get("networks")
    if isinstance(networks, list):
        for i, network in enumerate(networks):
            read.name(network, (*path, "networks", i))
        return {h.lower() for h in hosts}
    for net, spec in read.mapping(networks, (*path, "networks")).items():
        where = (*path, "networks", net)
        settings = read.mapping(spec, where)
        for i, alias in enumerate(read.items(settings.get("aliases"), (*where, "aliases"))):
            hosts.add(read.name(alias, (*where, "aliases", i)))
        for key in ("ipv4_address", "ipv6_address"):
            address = read.text(settings.get(key), (*where, key))
            literal = ip_literal(address) if address else None
            if literal:
                hosts.add(literal)
    return {h.lower() for h in hosts}


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


def _environment(read: Reader, body: dict, path: Location, notes: dict[Location, str],
                 project: _Project) -> tuple[list[Setting], list[str]]:
    """The settings of the service's variables, as compose-go resolves them: ``env_file``
    entries in order (each interpolated from ``.env`` first, then from the service's
    ``environment`` and the files before it), and ``environment`` over them; and the
    names of all its variables."""
    where: Location = (*path, "environment")
    value = body.get("environment")
    pairs: list[tuple[str, str | None, Location]] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise read.fail((*where, i), f"must be NAME=value, not {kind_of(item)}")
            key, equals, rest = item.partition("=")
            pairs.append((key, rest if equals else None, (*where, i)))
    elif value is not None and not isinstance(value, dict):
        raise read.fail(where, f"must be a mapping or a list of NAME=value, not {kind_of(value)}")
    else:
        for key, entry in read.mapping(value, where).items():
            pairs.append((key, None if entry is None else read.scalar(entry, (*where, key)),
                          (*where, key)))
    explicit: dict[str, tuple[str, Location, str]] = {}
    for name, text, place in pairs:
        if text is not None:
            note = notes.get(place, "")
            explicit[name] = (text, place, f"with {note}" if note else "")
        elif name in project.variables:  # a pass-through entry: Compose takes it from .env
            variable = project.variables[name]
            explicit[name] = (variable.value, place, f"from {variable.origin}")
    given = {n: Variable(v, "") for n, (v, _, _) in explicit.items()}
    values: dict[str, tuple[str, Location, str]] = {}
    known = dict(given)
    for entry, at, required in _env_files(read, body, path):
        variables = project.read(entry, read.place(at), f"the env_file {entry}",
                                 {**given, **project.variables}, known, required) or {}
        known.update(variables)
        for name, variable in variables.items():
            values[name] = (variable.value, at, f"from {variable.origin}")
    values.update(explicit)
    settings = [environment_setting(name, text, place, note=note)
                for name, (text, place, note) in values.items()]
    return [s for s in settings if s], list(values) + [n for n, t, _ in pairs if t is None
                                                       and n not in values]


def _env_files(read: Reader, body: dict, path: Location) -> list[tuple[str, Location, bool]]:
    """The ``env_file`` entries, each with its place and whether it is required: a path,
    a list of paths, or of ``{path, required}`` (required unless it says otherwise)."""
    where: Location = (*path, "env_file")
    value = body.get("env_file")
    if value is None:
        return []
    items = [value] if isinstance(value, str) else read.items(value, where)
    found = []
    for i, item in enumerate(items):
        place: Location = where if isinstance(value, str) else (*where, i)
        required = True
        if isinstance(item, dict):
            required = item.get("required", True) is not False
            item, place = item.get("path"), (*place, "path")
        found.append((read.name(item, place), place, required))
    return found


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
    """Findings for what the importer does not read: ``extends`` and ``include``."""
    findings = set()
    if top.get("include") is not None:
        findings.add(Finding("not followed", read.place(("include",)),
                             "the files this one includes are not read"))
    for name, body in raw.items():
        if body.get("extends") is not None:
            findings.add(Finding("not followed", read.place(("services", name, "extends")),
                                 f"{name} extends a definition that is not read: what it "
                                 "inherits is not imported"))
    return findings


def _check_order(read: Reader, services: dict[str, _Service]) -> None:
    """``depends_on`` and ``links`` must name services of the file."""
    for service in services.values():
        for target, verb, where in service.order:
            if target not in services:
                raise read.fail(where, f"{service.unit.name} {verb} {target!r}, which is not "
                                       "a service of this file")


def _resolver(services: dict[str, _Service]) -> Resolve:
    """How a host (lower case) resolves from each service: its link aliases first."""
    hosts: dict[str, set[str]] = {}
    for service in services.values():
        for host in service.hosts:
            hosts.setdefault(host, set()).add(service.unit.name)

    def resolve(owner: str, host: str) -> set[str] | None:
        linked = services[owner].links.get(host)
        if linked:
            return {linked}
        return hosts.get(ip_literal(host) or host)

    return resolve


def _order_only(read: Reader, services: dict[str, _Service], inferred) -> set[Finding]:
    """A ``start-up order only`` finding for each ordered pair no address confirms."""
    confirmed = {(i.source, i.target) for i in inferred}
    findings = set()
    for service in services.values():
        if service.unit.store:
            continue
        name = service.unit.name
        for target, verb, where in service.order:
            if (name, target) not in confirmed:
                findings.add(Finding(
                    "start-up order only", read.place(where),
                    f"{name} {verb} {target}, but nothing in {name}'s configuration "
                    "addresses it"))
    return findings


def _name(read: Reader, top: dict) -> str | None:
    """The file's ``name``; else its folder's name when the file is ``docker-compose.yml``
    or ``compose.yaml``, as Compose names a project; else ``None`` (the file's stem)."""
    given = read.text(top.get("name"), ("name",))
    if given and given.strip():
        return given
    file = Path(read.source.file())
    if file.stem.lower().partition(".")[0] in _COMPOSE_STEMS:
        return file.absolute().parent.name or None
    return None
