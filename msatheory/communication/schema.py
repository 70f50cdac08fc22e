"""Protocol 5.2.2 (gRPC): schema evolution, a checkable relation between two versions.

Services are released one at a time, so for a while one version's writers meet
another version's readers. A schema registry names the two ways round (Confluent Schema
Registry's compatibility types):

* **BACKWARD**: readers with the *new* schema read data written with the *old* one;
* **FORWARD**: readers with the *old* schema read data written with the *new* one;
* **FULL**: both.

:func:`compatibility` compares two versions of a :class:`~msatheory.communication.encoding.Schema`
field by field and returns a :class:`Compatibility`: each :class:`Violation` names the field,
the rule (buf's breaking-change rule where buf has one) and the directions it breaks. A
field keeps its meaning under its name and travels under its number, so what breaks a
reader is a number whose name or type changed, a name whose number changed, a type or
cardinality the reader cannot read without loss. In proto3 every field is optional, so
adding a field breaks no reader (it reads the default from old data, and old readers skip
it) and neither does deleting one; deleting one without reserving its number is a
*warning*, because the next version may reuse the number.

A type change is judged in each direction by what the reader does with the writer's bytes
(protobuf's rules for updating a message type): it reads every value (``int32`` to
``int64``, ``string`` to ``bytes``), reads some values wrong (``int64`` to ``int32``
truncates), decodes the same bits another way (``int64`` against ``sint64``), or meets a
wire type it does not expect and skips the value as an unknown field. With ``json=True``
the check adds what JSON readers need: they match fields by name, and their values are
JSON numbers, strings, lists and objects.

:func:`read_across` proves each verdict with the runtime: it encodes values with one
version and decodes them with the other, and names the fields the reader lost or misread;
:func:`rule_examples` does so for every rule.

The model stops at one message type and two versions (Confluent's ``*_TRANSITIVE`` modes
check every earlier version, which is this check repeated). It does not model enums,
``oneof``, maps or proto3 ``optional``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError

from msatheory.communication.encoding import (
    LEN,
    WIRE_TYPE_NAMES,
    Field,
    Schema,
    as_values,
    encode_json,
    encode_protobuf,
    message_class,
    parse,
    read_wire,
)
from msatheory.errors import TheoryError, require_instance
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "Compatibility",
    "CrossRead",
    "Mode",
    "RuleExample",
    "Violation",
    "compatibility",
    "read_across",
    "rule_examples",
]


class Mode(StrEnum):
    """A compatibility type of Confluent Schema Registry, for one pair of versions."""

    BACKWARD = "BACKWARD"
    """New readers read old data."""
    FORWARD = "FORWARD"
    """Old readers read new data."""
    FULL = "FULL"
    """Both."""

    @property
    def directions(self) -> tuple[Mode, ...]:
        """The directions this mode requires: BACKWARD, FORWARD or both."""
        return (Mode.BACKWARD, Mode.FORWARD) if self is Mode.FULL else (self,)


@dataclass(frozen=True, order=True)
class Violation:
    """One finding of :func:`compatibility`.

    ``field`` is the field's path (``Order.items.sku``), ``rule`` the rule it breaks,
    ``breaks`` the directions in which a reader loses or misreads data (empty for a
    warning: a change that breaks no reader of these two versions but invites a later
    one to), and ``detail`` what happens, in words.
    """

    field: str
    rule: str
    breaks: tuple[Mode, ...]
    detail: str

    def __str__(self) -> str:
        where = "/".join(self.breaks) if self.breaks else "warning"
        return f"{self.rule} at {self.field} ({where}): {self.detail}"


# -- how a reader reads a writer's type -----------------------------------------------------

_LOSSLESS = frozenset({
    ("int32", "int64"), ("uint32", "int64"), ("uint32", "uint64"),
    ("bool", "int32"), ("bool", "int64"), ("bool", "uint32"), ("bool", "uint64"),
    ("sint32", "sint64"), ("string", "bytes"),
})
_FAMILIES = (frozenset({"int32", "int64", "uint32", "uint64", "bool"}),
             frozenset({"sint32", "sint64"}), frozenset({"fixed32", "sfixed32"}),
             frozenset({"fixed64", "sfixed64"}), frozenset({"string", "bytes"}))
_INTEGER_RANGES = {
    "int32": (-2**31, 2**31 - 1), "sint32": (-2**31, 2**31 - 1),
    "sfixed32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1),
    "sint64": (-2**63, 2**63 - 1), "sfixed64": (-2**63, 2**63 - 1),
    "uint32": (0, 2**32 - 1), "fixed32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1), "fixed64": (0, 2**64 - 1),
}


def _a(type_name: str) -> str:
    """A type's name with its article: "an int64", "a uint32", "a string"."""
    return f"{'an' if type_name[:1] in 'aeio' else 'a'} {type_name}"


def _wire_reading(writer: Field, reader: Field) -> str | None:
    """What a reader of ``reader``'s type does with ``writer``'s values on the wire, or
    None when it reads every value exactly."""
    w, r = writer.type_name, reader.type_name
    if isinstance(writer.type, Schema) or isinstance(reader.type, Schema):
        if isinstance(writer.type, Schema) and isinstance(reader.type, Schema):
            return None  # judged field by field
        if writer.wire_type != reader.wire_type:
            return (f"expects wire type {WIRE_TYPE_NAMES[reader.wire_type]} and gets "
                    f"{WIRE_TYPE_NAMES[writer.wire_type]}: it skips the value as an unknown "
                    "field and reads the default")
        return f"parses {w} bytes as {r}: the value is garbled or fails to parse"
    if w == r or (w, r) in _LOSSLESS:
        return None
    if any(w in family and r in family for family in _FAMILIES):
        if (w, r) == ("bytes", "string"):
            return "fails to parse bytes that are not UTF-8"
        if r == "bool":
            return "reads every nonzero number as true"
        return f"reads {_a(w)} outside the range of {r} as another number"
    if writer.wire_type != reader.wire_type:
        return (f"expects wire type {WIRE_TYPE_NAMES[reader.wire_type]} and gets "
                f"{WIRE_TYPE_NAMES[writer.wire_type]}: it skips the value as an unknown field "
                "and reads the default")
    return f"decodes the bits of {_a(w)} as {_a(r)}: the value is garbled"


def _json_reading(writer: Field, reader: Field) -> str | None:
    """What a JSON reader of ``reader``'s type does with ``writer``'s JSON value, or None
    when it reads every value exactly."""
    w, r = writer.type_name, reader.type_name
    if isinstance(writer.type, Schema) and isinstance(reader.type, Schema):
        return None
    if w == r or (w, r) == ("float", "double"):
        return None
    if w in _INTEGER_RANGES and r in _INTEGER_RANGES:
        (w_low, w_high), (r_low, r_high) = _INTEGER_RANGES[w], _INTEGER_RANGES[r]
        if r_low <= w_low and w_high <= r_high:
            return None
        return f"rejects {_a(w)} number outside the range of {r}"
    return f"expects the JSON value of {_a(r)} and gets that of {_a(w)}: it rejects or garbles it"


def _cardinality(writer: Field, reader: Field, json: bool) -> str | None:
    if writer.repeated == reader.repeated:
        return None
    if json:
        return ("expects a list and gets a single value" if reader.repeated
                else "expects a single value and gets a list")
    if reader.repeated:
        return None  # a repeated field reads a single record as a list of one
    if writer.packed:
        return ("gets the packed values as one LEN record, skips it as an unknown field and "
                "reads the default")
    if isinstance(writer.type, Schema):
        return "merges every element into one message"
    return "keeps only the last element"


def _directions(old: Field, new: Field, judge: Callable[[Field, Field], str | None],
                ) -> tuple[tuple[Mode, ...], str]:
    """The directions ``judge`` finds lossy, and its words for each."""
    broken: list[Mode] = []
    words: list[str] = []
    for mode, writer, reader, who in ((Mode.BACKWARD, old, new, "a new reader"),
                                      (Mode.FORWARD, new, old, "an old reader")):
        outcome = judge(writer, reader)
        if outcome is not None:
            broken.append(mode)
            words.append(f"{who} {outcome}")
    return tuple(broken), "; ".join(words)


def _findings(old: Schema, new: Schema, json: bool, path: str) -> list[Violation]:
    found: list[Violation] = []
    old_numbers, new_numbers = old.numbers, new.numbers
    new_names = {f.name: f for f in new.fields}
    both = (Mode.BACKWARD, Mode.FORWARD)
    for number in sorted(set(old_numbers) | set(new_numbers)):
        before, after = old_numbers.get(number), new_numbers.get(number)
        if before is not None and after is not None:
            where = f"{path}.{after.name}"
            if before.name != after.name:
                found.append(Violation(
                    where, "FIELD_SAME_NAME", both,
                    f"number {number} was {before.name!r} and is now {after.name!r}: each "
                    "version reads the other's value under its own name"))
            found.extend(_typed(before, after, json, where))
        elif before is not None:
            where = f"{path}.{before.name}"
            if number not in new.reserved:
                found.append(Violation(
                    where, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", (),
                    f"{before} was deleted without reserving {number}: a later version may "
                    "reuse the number, and its readers would misread this version's data"))
            if json and before.name not in new.reserved_names and before.name not in new_names:
                found.append(Violation(
                    where, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", (),
                    f"{before} was deleted without reserving the name {before.name!r}: a "
                    "later version may reuse it, and its JSON readers would misread this "
                    "version's data"))
    for name, after in new_names.items():
        before = next((f for f in old.fields if f.name == name), None)
        if before is not None and before.number != after.number:
            found.append(Violation(
                f"{path}.{name}", "FIELD_SAME_NUMBER", both,
                f"{name!r} moved from number {before.number} to {after.number}: a reader "
                "of either version finds no value under its own number"))
    for number in old.reserved:
        if number not in new.reserved:
            user = new_numbers.get(number)
            reuse = f", and field {user.name!r} now uses it" if user else ""
            found.append(Violation(
                f"{path}#{number}", "RESERVED_MESSAGE_NO_DELETE", (),
                f"reserved number {number} is no longer reserved{reuse}: data from the "
                "versions that used it would be misread"))
    if json:
        for name in old.reserved_names:
            if name not in new.reserved_names:
                reuse = ", and a field now uses it" if name in new_names else ""
                found.append(Violation(
                    f"{path}.{name}", "RESERVED_MESSAGE_NO_DELETE", (),
                    f"reserved name {name!r} is no longer reserved{reuse}: JSON from the "
                    "versions that used it would be misread"))
    return found


def _typed(before: Field, after: Field, json: bool, where: str) -> list[Violation]:
    """The findings on one number's type and cardinality."""
    found = []
    checks = [("FIELD_WIRE_COMPATIBLE_TYPE", _wire_reading),
              ("FIELD_WIRE_COMPATIBLE_CARDINALITY",
               lambda w, r: _cardinality(w, r, json=False))]
    if json:
        checks += [("FIELD_WIRE_JSON_COMPATIBLE_TYPE", _json_reading),
                   ("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
                    lambda w, r: _cardinality(w, r, json=True))]
    for rule, judge in checks:
        broken, words = _directions(before, after, judge)
        if broken:
            found.append(Violation(where, rule, broken,
                                   f"{before} became {after}: {words}"))
    if isinstance(before.type, Schema) and isinstance(after.type, Schema):
        found.extend(_findings(before.type, after.type, json, where))
    return found


@dataclass(frozen=True)
class Compatibility:
    """The verdict of :func:`compatibility` on ``old`` and ``new`` in ``mode``.

    ``violations`` are the findings that break a direction ``mode`` requires;
    ``warnings`` are the rest (changes that break no reader ``mode`` protects, such as a
    number deleted without being reserved, or the other direction's breaks).
    """

    old: Schema
    new: Schema
    mode: Mode
    json: bool
    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]

    @property
    def holds(self) -> bool:
        """True when no finding breaks a direction ``mode`` requires."""
        return not self.violations

    def verdict(self) -> Verdict:
        """The same finding as a :class:`~msatheory.theory.verdict.Verdict` on Protocol
        5.2.2 (Protocol 5.2.1 when JSON readers are checked), one witness per violation."""
        statement = get(Kind.PROTOCOL, "5.2.1" if self.json else "5.2.2")
        witnesses = [Witness(v.rule, (v.field,), v.detail) for v in self.violations]
        return Verdict(statement, witnesses, self._summary())

    def _summary(self) -> str:
        status = "compatible" if self.holds else "incompatible"
        readers = "protobuf and JSON readers" if self.json else "protobuf readers"
        counts = ", ".join(f"{n} {noun}{'s' * (n != 1)}" for n, noun in
                           ((len(self.violations), "violation"), (len(self.warnings), "warning")))
        return (f"{self.new.name}: new version {status} in {self.mode.value} mode for "
                f"{readers}, {counts}.")

    def __str__(self) -> str:
        lines = [self._summary()]
        lines += [f"  - {v}" for v in self.violations]
        lines += [f"  ~ {v}" for v in self.warnings]
        return "\n".join(lines)


def compatibility(old: Schema, new: Schema, mode: Mode | str = Mode.BACKWARD, *,
                  json: bool = False) -> Compatibility:
    """Protocol 5.2.2 (gRPC): whether ``new`` may replace ``old`` in ``mode``.

    Fields are matched by number (what the wire carries) and by name (what a field means
    to the programs that use it). The rules, each judged per direction:

    * ``FIELD_SAME_NAME``: a number now has another name, so each version reads the
      other's value as its own field (a reused number); breaks both directions;
    * ``FIELD_SAME_NUMBER``: a name now has another number, so its value is written
      where the other version does not look; breaks both;
    * ``FIELD_WIRE_COMPATIBLE_TYPE``: the reader's type does not read every value of the
      writer's type (``int64`` to ``int32``; ``int64`` to ``string``); breaks the
      directions in which it does not;
    * ``FIELD_WIRE_COMPATIBLE_CARDINALITY``: a repeated field became singular (a singular
      one may become repeated: its reader takes a single value as a list of one);
    * ``FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED`` and ``RESERVED_MESSAGE_NO_DELETE``:
      warnings, since they break a later version, not this pair;
    * with ``json=True``, ``FIELD_WIRE_JSON_COMPATIBLE_TYPE``,
      ``FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY`` and
      ``FIELD_NO_DELETE_UNLESS_NAME_RESERVED`` for JSON readers.

    Nested messages are compared field by field. Adding a field and deleting one break no
    reader: proto3 has no required fields. Where buf's WIRE category accepts any change
    within one family of types (``int64`` to ``int32``), this check names the direction
    in which values are truncated or change sign.

    Parameters
    ----------
    old, new : Schema
        The two versions of the message type.
    mode : Mode or str
        ``"BACKWARD"`` (new readers, old data; the registry's default), ``"FORWARD"`` (old
        readers, new data) or ``"FULL"`` (both).
    json : bool
        Also check readers of JSON (Protocol 5.2.1).

    Returns
    -------
    Compatibility
        ``holds``, the violations of ``mode`` and the warnings, each naming the field
        and the rule; :meth:`Compatibility.verdict` gives them as a ``Verdict``.

    Raises
    ------
    TheoryError
        If ``old`` or ``new`` is not a Schema or ``mode`` is not a compatibility mode.

    Examples
    --------
    >>> from msatheory.communication.encoding import Field, Schema
    >>> v1 = Schema("User", [Field("id", 1, "int64"), Field("email", 2, "string")])
    >>> v2 = Schema("User", [Field("id", 1, "int64"), Field("phone", 2, "string")])
    >>> check = compatibility(v1, v2, "BACKWARD")
    >>> check.holds
    False
    >>> print(check.violations[0])
    FIELD_SAME_NAME at User.phone (BACKWARD/FORWARD): number 2 was 'email' and is now \
'phone': each version reads the other's value under its own name
    >>> compatibility(v1, Schema("User", [Field("id", 1, "int64")], reserved=[2])).holds
    True

    References
    ----------
    .. [1] Protocol 5.2.2 of the theory (gRPC): 基于HTTP/2的RPC框架，使用Protocol Buffers.
    .. [2] Buf, "Rules and categories" (breaking change detection), buf.build/docs:
       FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED, FIELD_SAME_NAME,
       FIELD_WIRE_COMPATIBLE_TYPE, FIELD_WIRE_JSON_COMPATIBLE_TYPE,
       RESERVED_MESSAGE_NO_DELETE. FIELD_SAME_NUMBER is this module's name.
    .. [3] Confluent, "Schema Evolution and Compatibility for Schema Registry":
       BACKWARD, FORWARD and FULL.
    .. [4] Protocol Buffers, "Language Guide (proto3)", "Updating a Message Type".
    """
    owner = "compatibility"
    require_instance(owner, "old", old, Schema)
    require_instance(owner, "new", new, Schema)
    require_instance(owner, "json", json, bool)
    try:
        mode = Mode(mode)
    except ValueError:
        raise TheoryError(f"{owner}: mode must be one of BACKWARD, FORWARD, FULL, "
                          f"not {mode!r}") from None
    findings = sorted(set(_findings(old, new, json, new.name)))
    required = set(mode.directions)
    violations = tuple(v for v in findings if required & set(v.breaks))
    warnings = tuple(v for v in findings if not required & set(v.breaks))
    return Compatibility(old, new, mode, json, violations, warnings)


# -- proof with the runtime -------------------------------------------------------------------

@dataclass(frozen=True)
class CrossRead:
    """What a reader with one version read of data written with another.

    ``written`` is the writer's own reading of its bytes, ``read`` the reader's (``None``
    when the runtime could not parse them; ``error`` then says why). Fields are matched by
    name: ``lost`` names the reader's fields that read their default though the writer
    wrote a value, ``misread`` those that read a value other than the writer's (converted
    to the reader's type where that is exact: ``int32`` to ``int64``, a single value to a
    list). A reader field the writer lacks should read its default. ``unknown`` lists the
    numbers the protobuf reader kept as unknown fields.
    """

    writer: str
    reader: str
    format: str
    written: Mapping[str, object]
    read: Mapping[str, object] | None
    error: str | None
    lost: tuple[str, ...]
    misread: tuple[str, ...]
    unknown: tuple[int, ...]

    @property
    def faithful(self) -> bool:
        """True when the reader parsed the data and lost and misread nothing."""
        return self.error is None and not self.lost and not self.misread


def _expected(value: Any, writer: Field, reader: Field) -> Any:
    """What ``reader`` reads of ``writer``'s ``value`` if nothing is lost."""
    if value == writer.default:
        return reader.default
    if writer.repeated and reader.repeated:
        return [_convert(item, writer, reader) for item in value]
    if reader.repeated:
        return [_convert(value, writer, reader)]
    if writer.repeated:
        return value  # a list cannot be read as one value; any reading differs
    return _convert(value, writer, reader)


def _convert(value: Any, writer: Field, reader: Field) -> Any:
    if isinstance(writer.type, Schema) and isinstance(reader.type, Schema):
        return _expected_message(value, writer.type, reader.type)
    if (writer.type_name, reader.type_name) == ("string", "bytes"):
        return value.encode("utf-8")
    if (writer.type_name, reader.type_name) == ("bytes", "string"):
        return value.decode("utf-8", errors="replace")  # bytes that are not UTF-8 fail to parse
    if writer.type_name == "bool" and reader.type_name != "bool":
        return int(value)
    return value


def _expected_message(values: Mapping[str, Any], writer: Schema,
                      reader: Schema) -> dict[str, Any]:
    names = {f.name: f for f in writer.fields}
    return {f.name: (_expected(values[f.name], names[f.name], f) if f.name in names
                     else f.default) for f in reader.fields}


def read_across(writer: Schema, reader: Schema, values: Mapping[str, object], *,
                format: str = "protobuf") -> CrossRead:
    """Encode ``values`` with ``writer``, decode them with ``reader``: what is lost?

    BACKWARD is ``read_across(old, new, ...)``, FORWARD ``read_across(new, old, ...)``.
    Both sides use the runtime: ``protobuf`` writes :func:`encode_protobuf` and parses
    it; ``json`` writes every field of the writer's reading with :func:`encode_json` and
    parses it with ``google.protobuf.json_format`` (unknown keys ignored, as a tolerant
    reader does).

    Parameters
    ----------
    writer, reader : Schema
        The writer's and the reader's version.
    values : mapping
        Field name to value, in the writer's schema.
    format : str
        ``"protobuf"`` or ``"json"``.

    Returns
    -------
    CrossRead
        Both readings, the runtime's error if any, and the fields lost or misread.

    Raises
    ------
    TheoryError
        If ``values`` do not fit ``writer`` or ``format`` is neither format.

    Examples
    --------
    >>> from msatheory.communication.encoding import Field, Schema
    >>> v1 = Schema("User", [Field("id", 1, "int64"), Field("email", 2, "string")])
    >>> v2 = Schema("User", [Field("id", 1, "int64"), Field("phone", 2, "string")])
    >>> seen = read_across(v1, v2, {"id": 7, "email": "ada@example.com"})
    >>> seen.read, seen.misread
    ({'id': 7, 'phone': 'ada@example.com'}, ('phone',))

    References
    ----------
    .. [1] Protocol Buffers, "Language Guide (proto3)", "Updating a Message Type" and
       "Unknown Fields".
    """
    owner = "read_across"
    require_instance(owner, "writer", writer, Schema)
    require_instance(owner, "reader", reader, Schema)
    if format not in ("protobuf", "json"):
        raise TheoryError(f"{owner}: format must be 'protobuf' or 'json', not {format!r}")
    data = encode_protobuf(writer, values)
    written = as_values(writer, parse(writer, data))
    message = message_class(reader)()
    error: str | None = None
    try:
        if format == "json":
            json_format.Parse(encode_json(writer, written).decode("utf-8"), message,
                              ignore_unknown_fields=True)
        else:
            message.ParseFromString(data)
    except (DecodeError, json_format.ParseError) as failure:
        error = str(failure)
    if error is not None:
        return CrossRead(writer.name, reader.name, format, written, None, error, (), (), ())
    read = as_values(reader, message)
    expected = _expected_message(written, writer, reader)
    lost = tuple(f.name for f in reader.fields if read[f.name] != expected[f.name]
                 and read[f.name] == f.default)
    misread = tuple(f.name for f in reader.fields if read[f.name] != expected[f.name]
                    and read[f.name] != f.default)
    unknown = () if format == "json" else _unknown(reader, message)
    return CrossRead(writer.name, reader.name, format, written, read, None, lost, misread,
                     unknown)


def _unknown(reader: Schema, message: Any) -> tuple[int, ...]:
    """The numbers the runtime kept as unknown fields: not the reader's, or of a wire type
    its field does not take."""
    numbers = reader.numbers
    kept = set()
    for record in read_wire(message.SerializeToString(deterministic=True)):
        field = numbers.get(record.number)
        if field is None or not (record.wire_type == field.wire_type
                                 or (field.packed and record.wire_type == LEN)):
            kept.add(record.number)
    return tuple(sorted(kept))


# -- every rule, shown -------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleExample:
    """One rule at work: ``old`` and ``new`` differ by one change, :func:`compatibility`
    finds ``violation``, and ``reading`` is what the runtime did in the direction
    ``direction`` (a writer of one version, a reader of the other)."""

    rule: str
    old: Schema
    new: Schema
    direction: Mode
    violation: Violation
    reading: CrossRead


_V1 = Schema("Order", [
    Field("order_id", 1, "string"),
    Field("customer_id", 2, "int64"),
    Field("total_cents", 3, "int32"),
    Field("note", 4, "string"),
    Field("tags", 5, "string", repeated=True),
])
_V1_VALUES: dict[str, object] = {"order_id": "ord-42", "customer_id": 2**53 + 1,
                                 "total_cents": 129900, "note": "leave at the door",
                                 "tags": ["gift", "express"]}


def _with(*changes: tuple[str, Field | None], reserved: tuple[int, ...] = ()) -> Schema:
    """``_V1`` with the named fields replaced (or deleted, for ``None``); a name ``_V1``
    lacks is added."""
    replaced = dict(changes)
    fields = [replaced.get(f.name, f) for f in _V1.fields]
    fields += [f for name, f in changes if name not in {g.name for g in _V1.fields}]
    return Schema("Order", [f for f in fields if f is not None], reserved=reserved)


def rule_examples() -> tuple[RuleExample, ...]:
    """Protocol 5.2.2 (gRPC): each rule of :func:`compatibility`, caught and shown.

    Version 1 is an order: ``order_id``, ``customer_id`` (an ``int64`` holding
    2**53 + 1), ``total_cents`` (an ``int32``), a ``note`` and repeated ``tags``. Each
    example changes one thing, checks the pair in FULL mode, and runs the runtime in a
    direction the change breaks: version-1 data read with the new version (BACKWARD), or,
    for a widened integer, the new version's data (a total of 5,000,000,000 cents) read
    with version 1 (FORWARD).

    Returns
    -------
    tuple of RuleExample
        One per rule: a reused number, a moved name, a retyped field of another wire
        type, a narrowed and a widened integer, a repeated field made singular, and a
        deleted field (a warning: it breaks no reader of these two versions).

    Examples
    --------
    >>> for example in rule_examples():
    ...     print(example.rule, example.direction.value, example.reading.lost,
    ...           example.reading.misread)
    FIELD_SAME_NAME BACKWARD () ('coupon_code',)
    FIELD_SAME_NUMBER BACKWARD ('note',) ()
    FIELD_WIRE_COMPATIBLE_TYPE BACKWARD ('customer_id',) ()
    FIELD_WIRE_COMPATIBLE_TYPE BACKWARD () ('customer_id',)
    FIELD_WIRE_COMPATIBLE_TYPE FORWARD () ('total_cents',)
    FIELD_WIRE_COMPATIBLE_CARDINALITY BACKWARD () ('tags',)
    FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED BACKWARD () ()

    References
    ----------
    .. [1] Buf, "Rules and categories", buf.build/docs.
    """
    forward_values = {**_V1_VALUES, "total_cents": 5_000_000_000}
    cases = [
        ("FIELD_SAME_NAME", _with(("note", None),
                                  ("coupon_code", Field("coupon_code", 4, "string")))),
        ("FIELD_SAME_NUMBER", _with(("note", Field("note", 6, "string")), reserved=(4,))),
        ("FIELD_WIRE_COMPATIBLE_TYPE", _with(("customer_id",
                                              Field("customer_id", 2, "string")))),
        ("FIELD_WIRE_COMPATIBLE_TYPE", _with(("customer_id",
                                              Field("customer_id", 2, "int32")))),
        ("FIELD_WIRE_COMPATIBLE_TYPE", _with(("total_cents",
                                              Field("total_cents", 3, "int64")))),
        ("FIELD_WIRE_COMPATIBLE_CARDINALITY", _with(("tags", Field("tags", 5, "string")))),
        ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", _with(("note", None))),
    ]
    examples = []
    for rule, new in cases:
        found = compatibility(_V1, new, Mode.FULL)
        violation = next(v for v in (*found.violations, *found.warnings) if v.rule == rule)
        if Mode.BACKWARD in violation.breaks or not violation.breaks:
            reading = read_across(_V1, new, _V1_VALUES)
            direction = Mode.BACKWARD
        else:
            reading = read_across(new, _V1, forward_values)
            direction = Mode.FORWARD
        examples.append(RuleExample(rule, _V1, new, direction, violation, reading))
    return tuple(examples)
