"""Protocols 5.2.1 (REST) and 5.2.2 (gRPC): one message as JSON and as Protocol Buffers.

REST services send JSON; gRPC sends Protocol Buffers (protobuf). This module writes the
same values both ways so their sizes and bytes can be compared:

* a :class:`Schema` is a message type: a name and its :class:`Field` s (name, number,
  type, repeated), plus the numbers and names it has ``reserved``. It is a ``.proto``
  ``message`` in proto3 syntax, checked as ``protoc`` would check it;
* :func:`to_descriptor` turns it into a ``FileDescriptorProto`` and :func:`message_class`
  into a message class of the installed ``protobuf`` runtime, built at run time from a
  descriptor pool: no ``protoc``, no generated code;
* :func:`encode_json` writes a value as a REST service would: UTF-8 JSON with sorted keys
  and no spaces, keys the field names, ``bytes`` in base64 (as protobuf's JSON mapping
  does); :func:`encode_protobuf` writes the protobuf wire format with the runtime's
  deterministic serialization; :func:`compare` measures both (:class:`Sizes`);
* :func:`decode` parses bytes back with the runtime, :func:`round_trip` shows what comes
  back, and :data:`ORDER` and :data:`PRODUCT` with :func:`samples` give realistic sizes;
* :func:`read_wire` is a small reader of the wire format written here from the
  specification (each field a *tag* ``number << 3 | wire_type`` as a varint, then its
  value), :func:`wire_fields` labels its records with a schema, and :func:`decode_wire`
  decodes a whole message with it; the tests hold it equal to the runtime.

What proto3 does with default values: a singular field equal to its type's default (0,
``False``, ``""``, ``b""``) and an empty repeated field are not written at all, so a
message of defaults is 0 bytes, and a reader cannot tell "sent 0" from "not sent": both
read 0 (:func:`round_trip` lists such fields as ``omitted``). JSON, as written here,
keeps every key it is given.

The model stops at plain messages: no enums, maps, ``oneof``, proto3 ``optional``
(explicit presence), well-known types or services, and no HTTP/2 framing (gRPC adds a
5-byte prefix to each message: a compression flag and a 4-byte length).
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    message_factory,
)
from google.protobuf.message import DecodeError

from msatheory.errors import (
    TheoryError,
    require_count,
    require_distinct,
    require_instance,
    require_items,
    require_name,
)

__all__ = [
    "I32",
    "I64",
    "LEN",
    "MAX_NUMBER",
    "ORDER",
    "PRODUCT",
    "PROTOBUF_RESERVED",
    "SCALARS",
    "VARINT",
    "WIRE_TYPE_NAMES",
    "Field",
    "RoundTrip",
    "Schema",
    "Sizes",
    "WireField",
    "WireRecord",
    "as_values",
    "compare",
    "decode",
    "decode_wire",
    "encode_json",
    "encode_protobuf",
    "message_class",
    "order_values",
    "parse",
    "product_values",
    "read_wire",
    "round_trip",
    "samples",
    "to_descriptor",
    "wire_fields",
]

VARINT, I64, LEN, I32 = 0, 1, 2, 5
WIRE_TYPE_NAMES = {VARINT: "VARINT", I64: "I64", LEN: "LEN", I32: "I32"}

#: The largest field number protobuf allows, 2**29 - 1.
MAX_NUMBER = 2**29 - 1
#: Field numbers protobuf keeps for its own implementation; no schema may use them.
PROTOBUF_RESERVED = range(19000, 20000)

_T = descriptor_pb2.FieldDescriptorProto


@dataclass(frozen=True)
class _Scalar:
    """How protobuf writes a scalar type: descriptor constant, wire type, default."""

    code: int
    wire_type: int
    default: object


#: The proto3 scalar types, by their ``.proto`` names.
SCALARS: Mapping[str, _Scalar] = {
    "double": _Scalar(_T.TYPE_DOUBLE, I64, 0.0),
    "float": _Scalar(_T.TYPE_FLOAT, I32, 0.0),
    "int64": _Scalar(_T.TYPE_INT64, VARINT, 0),
    "uint64": _Scalar(_T.TYPE_UINT64, VARINT, 0),
    "int32": _Scalar(_T.TYPE_INT32, VARINT, 0),
    "uint32": _Scalar(_T.TYPE_UINT32, VARINT, 0),
    "sint32": _Scalar(_T.TYPE_SINT32, VARINT, 0),
    "sint64": _Scalar(_T.TYPE_SINT64, VARINT, 0),
    "fixed64": _Scalar(_T.TYPE_FIXED64, I64, 0),
    "sfixed64": _Scalar(_T.TYPE_SFIXED64, I64, 0),
    "fixed32": _Scalar(_T.TYPE_FIXED32, I32, 0),
    "sfixed32": _Scalar(_T.TYPE_SFIXED32, I32, 0),
    "bool": _Scalar(_T.TYPE_BOOL, VARINT, False),
    "string": _Scalar(_T.TYPE_STRING, LEN, ""),
    "bytes": _Scalar(_T.TYPE_BYTES, LEN, b""),
}

_PACKAGE = "msatheory.wire"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _require_identifier(owner: str, what: str, value: object) -> str:
    name = require_name(owner, what, value)
    if not _IDENTIFIER.match(name):
        raise TheoryError(f"{owner}: {what} must be a .proto identifier (a letter or _, then "
                          f"letters, digits or _), not {name!r}")
    return name


def _require_number(owner: str, what: str, value: object) -> int:
    number = require_count(owner, what, value, least=1)
    if number > MAX_NUMBER or number in PROTOBUF_RESERVED:
        raise TheoryError(f"{owner}: {what} must be a whole number from 1 to {MAX_NUMBER} "
                          f"outside 19000-19999 (kept by protobuf), not {number!r}")
    return number


@dataclass(frozen=True)
class Field:
    """One field of a message: ``name``, ``number``, ``type`` and whether it is ``repeated``.

    ``type`` is a scalar type named in :data:`SCALARS` (``"int32"``, ``"string"`` ...)
    or another :class:`Schema`, for a nested message. The number, not the name, is what
    the wire format carries; JSON carries the name.

    >>> Field("id", 1, "int64")
    Field(name='id', number=1, type='int64', repeated=False)
    >>> Field("id", 19500, "int64")
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: Field 'id': number must be a whole number from 1 to \
536870911 outside 19000-19999 (kept by protobuf), not 19500
    """

    name: str
    number: int
    type: str | Schema
    repeated: bool = False

    def __post_init__(self) -> None:
        _require_identifier("Field", "name", self.name)
        owner = f"Field {self.name!r}"
        _require_number(owner, "number", self.number)
        if not isinstance(self.type, Schema) and self.type not in SCALARS:
            raise TheoryError(f"{owner}: type must be a Schema or one of "
                              f"{', '.join(SCALARS)}, not {self.type!r}")
        require_instance(owner, "repeated", self.repeated, bool)

    @property
    def type_name(self) -> str:
        """The type as a ``.proto`` file writes it: ``"int64"`` or a message's name."""
        return self.type.name if isinstance(self.type, Schema) else self.type

    @property
    def wire_type(self) -> int:
        """The wire type of one value: VARINT 0, I64 1, LEN 2 or I32 5."""
        return LEN if isinstance(self.type, Schema) else SCALARS[self.type].wire_type

    @property
    def packed(self) -> bool:
        """True for a repeated number field: proto3 packs its values into one LEN record."""
        return self.repeated and self.wire_type != LEN

    @property
    def default(self) -> object:
        """What a reader reads when the field is absent: the type's zero, ``[]`` for a
        repeated field, ``None`` for a nested message."""
        if self.repeated:
            return []
        return None if isinstance(self.type, Schema) else SCALARS[self.type].default

    def __str__(self) -> str:
        label = "repeated " if self.repeated else ""
        return f"{label}{self.type_name} {self.name} = {self.number}"


@dataclass(frozen=True)
class Schema:
    """Protocol 5.2.2 (gRPC): a protobuf message type, as a ``.proto`` file declares it.

    ``fields`` are its :class:`Field` s, with distinct names and numbers; ``reserved``
    holds numbers and ``reserved_names`` names that earlier versions used and no field
    may take again (the ``reserved`` statement of a ``.proto`` file).

    Parameters
    ----------
    name : str
        The message's name, a ``.proto`` identifier.
    fields : iterable of Field
        Its fields.
    reserved : iterable of int, optional
        Field numbers no field may use (a ``range`` reserves a block).
    reserved_names : iterable of str, optional
        Field names no field may use.

    Raises
    ------
    TheoryError
        If two fields share a name or number, a field uses a reserved number or name, a
        reserved number is not a valid field number, or two nested messages share a name
        but differ.

    Examples
    --------
    >>> point = Schema("Point", [Field("x", 1, "sint32"), Field("y", 2, "sint32")])
    >>> print(point)
    message Point { sint32 x = 1; sint32 y = 2; }
    >>> Schema("Point", [Field("x", 1, "sint32"), Field("y", 1, "sint32")])
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: Schema 'Point': fields 'x' and 'y' both have number 1

    References
    ----------
    .. [1] Protocol 5.2.2 of the theory (gRPC): 基于HTTP/2的RPC框架，使用Protocol Buffers.
    .. [2] Protocol Buffers, "Language Guide (proto3)", protobuf.dev: field numbers
       1 to 536,870,911, 19,000-19,999 reserved for the implementation; ``reserved``.
    """

    name: str
    fields: tuple[Field, ...]
    reserved: tuple[int, ...]
    reserved_names: tuple[str, ...]

    def __init__(self, name: str, fields: Iterable[Field], reserved: Iterable[int] = (),
                 reserved_names: Iterable[str] = ()):
        _require_identifier("Schema", "name", name)
        owner = f"Schema {name!r}"
        items = require_items(owner, "fields", fields, Field, distinct=True)
        numbers = tuple(sorted({_require_number(owner, "a reserved number", n)
                                for n in _iterable(owner, "reserved", reserved)}))
        names = tuple(_require_identifier(owner, "a reserved name", n)
                      for n in _iterable(owner, "reserved_names", reserved_names))
        require_distinct(owner, "reserved_names", names)
        by_number: dict[int, Field] = {}
        for field in items:
            if field.number in by_number:
                raise TheoryError(f"{owner}: fields {by_number[field.number].name!r} and "
                                  f"{field.name!r} both have number {field.number}")
            by_number[field.number] = field
            if field.number in numbers:
                raise TheoryError(f"{owner}: field {field.name!r} uses number {field.number}, "
                                  "which is reserved")
            if field.name in names:
                raise TheoryError(f"{owner}: field {field.name!r} uses a reserved name")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fields", items)
        object.__setattr__(self, "reserved", numbers)
        object.__setattr__(self, "reserved_names", tuple(sorted(names)))
        self.messages()  # two different nested messages may not share a name

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for field in self.fields:
            if field.name == name:
                return field
        raise TheoryError(f"Schema {self.name!r} has no field {name!r}; its fields are "
                          f"{', '.join(f.name for f in self.fields)}")

    @property
    def numbers(self) -> Mapping[int, Field]:
        """The fields by number."""
        return {field.number: field for field in self.fields}

    def messages(self) -> tuple[Schema, ...]:
        """This message and every message nested in it, each once, this one first."""
        found: dict[str, Schema] = {}
        stack: list[Schema] = [self]
        while stack:
            schema = stack.pop()
            seen = found.setdefault(schema.name, schema)
            if seen != schema:
                raise TheoryError(f"Schema {self.name!r}: two different messages are named "
                                  f"{schema.name!r}")
            if seen is schema:
                stack.extend(f.type for f in reversed(schema.fields)
                             if isinstance(f.type, Schema))
        return tuple(found.values())

    def __str__(self) -> str:
        lines = [f"{field};" for field in self.fields]
        if self.reserved:
            lines.append(f"reserved {', '.join(map(str, self.reserved))};")
        if self.reserved_names:
            lines.append(f"reserved {', '.join(map(repr, self.reserved_names))};")
        return f"message {self.name} {{ {' '.join(lines)} }}"


def _iterable(owner: str, what: str, values: object) -> tuple[Any, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TheoryError(f"{owner}: {what} must be a list, not {values!r}")
    return tuple(values)


def to_descriptor(schema: Schema) -> descriptor_pb2.FileDescriptorProto:
    """Protocol 5.2.2 (gRPC): the ``.proto`` file of ``schema`` as a descriptor.

    Every message (``schema`` and those nested in it) becomes a message of one proto3
    file in package ``msatheory.wire``; each field's ``json_name`` is its own name, so the
    runtime's JSON uses the same keys as :func:`encode_json`.

    Parameters
    ----------
    schema : Schema
        The message type.

    Returns
    -------
    google.protobuf.descriptor_pb2.FileDescriptorProto
        What ``protoc`` would produce from the ``.proto`` file.

    Examples
    --------
    >>> file = to_descriptor(Schema("Ping", [Field("seq", 1, "uint32")]))
    >>> file.syntax, file.message_type[0].name, file.message_type[0].field[0].number
    ('proto3', 'Ping', 1)

    References
    ----------
    .. [1] Protocol Buffers, ``google/protobuf/descriptor.proto``.
    """
    require_instance("to_descriptor", "schema", schema, Schema)
    file = descriptor_pb2.FileDescriptorProto(
        name=f"msatheory/wire/{schema.name}.proto", package=_PACKAGE, syntax="proto3")
    for message in schema.messages():
        proto = file.message_type.add(name=message.name)
        for field in message.fields:
            entry = proto.field.add(
                name=field.name, number=field.number, json_name=field.name,
                label=_T.LABEL_REPEATED if field.repeated else _T.LABEL_OPTIONAL)
            if isinstance(field.type, Schema):
                entry.type = _T.TYPE_MESSAGE
                entry.type_name = f".{_PACKAGE}.{field.type.name}"
            else:
                entry.type = SCALARS[field.type].code
        for number in message.reserved:
            proto.reserved_range.add(start=number, end=number + 1)
        proto.reserved_name.extend(message.reserved_names)
    return file


@functools.lru_cache(maxsize=256)
def message_class(schema: Schema) -> type:
    """The runtime's message class for ``schema``, built from its descriptor in a pool of
    its own (cached: equal schemas share one class).

    >>> Ping = message_class(Schema("Ping", [Field("seq", 1, "uint32")]))
    >>> Ping(seq=150).SerializeToString()
    b'\\x08\\x96\\x01'
    """
    require_instance("message_class", "schema", schema, Schema)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(to_descriptor(schema))
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName(f"{_PACKAGE}.{schema.name}"))


# -- writing ------------------------------------------------------------------------------

def _build(schema: Schema, values: object, owner: str) -> Any:
    message = message_class(schema)()
    _fill(message, schema, values, owner, schema.name)
    return message


def _fill(message: Any, schema: Schema, values: object, owner: str, path: str) -> None:
    if not isinstance(values, Mapping):
        raise TheoryError(f"{owner}: the value of {path} must be a mapping of field names "
                          f"to values, not {values!r}")
    known = {field.name: field for field in schema.fields}
    for name, value in values.items():
        if name not in known:
            raise TheoryError(f"{owner}: {path} has no field {name!r}; its fields are "
                              f"{', '.join(known)}")
        field = known[name]
        where = f"{path}.{name}"
        if field.repeated:
            if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
                raise TheoryError(f"{owner}: {where} is repeated, so its value must be a "
                                  f"list, not {value!r}")
            if isinstance(field.type, Schema):
                for k, item in enumerate(value):
                    _fill(getattr(message, name).add(), field.type, item, owner, f"{where}[{k}]")
            else:
                _set(message, field, value, owner, where)
        elif isinstance(field.type, Schema):
            if value is not None:
                child = getattr(message, name)
                child.SetInParent()
                _fill(child, field.type, value, owner, where)
        else:
            _set(message, field, value, owner, where)


#: The Python type of each scalar the runtime would otherwise convert (it stores 2 or 1.0 in
#: a ``bool``, ``True`` in a ``double``, UTF-8 bytes in a ``string``); integers it checks.
_PYTHON_TYPES: Mapping[str, type] = {"bool": bool, "string": str, "bytes": bytes,
                                     "double": float, "float": float}


def _set(message: Any, field: Field, value: Any, owner: str, where: str) -> None:
    """Store a scalar (or a list of them) in ``message``, checking its type first."""
    kind = _PYTHON_TYPES.get(field.type_name)
    if kind is not None:
        for k, item in enumerate(value if field.repeated else [value]):
            require_instance(owner, f"{where}[{k}]" if field.repeated else where, item, kind)
    try:
        if field.repeated:
            getattr(message, field.name).extend(value)
        else:
            setattr(message, field.name, value)
    except (TypeError, ValueError) as error:
        raise TheoryError(f"{owner}: {where} ({field.type_name}) cannot hold {value!r}: "
                          f"{error}") from None


def encode_protobuf(schema: Schema, values: Mapping[str, object]) -> bytes:
    """Protocol 5.2.2 (gRPC): ``values`` in the protobuf wire format.

    The runtime's deterministic serialization: fields in number order, defaults left out.

    Parameters
    ----------
    schema : Schema
        The message type.
    values : mapping
        Field name to value: a list for a repeated field, a mapping (or ``None``) for a
        nested message.

    Returns
    -------
    bytes
        The encoded message.

    Raises
    ------
    TheoryError
        If a name is not a field of ``schema`` or a value does not fit its field's type.

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> encode_protobuf(ping, {"seq": 150, "note": "hi"}).hex(" ")
    '08 96 01 12 02 68 69'
    >>> encode_protobuf(ping, {"seq": -1})
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: encode_protobuf: Ping.seq (uint32) cannot hold -1: Value \
out of range: -1

    References
    ----------
    .. [1] Protocol Buffers, "Encoding", protobuf.dev.
    """
    require_instance("encode_protobuf", "schema", schema, Schema)
    data: bytes = _build(schema, values, "encode_protobuf").SerializeToString(deterministic=True)
    return data


def encode_json(schema: Schema, values: Mapping[str, object]) -> bytes:
    """Protocol 5.2.1 (REST): ``values`` as the JSON a REST service sends.

    UTF-8, keys sorted, no spaces (``separators=(",", ":")``); every key given is
    written, defaults included; ``bytes`` are written in base64 and an absent nested
    message (``None``) is left out. The values are first checked against ``schema``
    exactly as :func:`encode_protobuf` checks them.

    Parameters
    ----------
    schema : Schema
        The message type.
    values : mapping
        Field name to value, as for :func:`encode_protobuf`.

    Returns
    -------
    bytes
        The JSON text, UTF-8 encoded.

    Raises
    ------
    TheoryError
        If the values do not fit ``schema``, or hold a NaN or an infinity (JSON has none).

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> encode_json(ping, {"seq": 150, "note": "hi"})
    b'{"note":"hi","seq":150}'

    References
    ----------
    .. [1] T. Bray, RFC 8259, "The JavaScript Object Notation (JSON) Data Interchange
       Format", 2017.
    """
    require_instance("encode_json", "schema", schema, Schema)
    _build(schema, values, "encode_json")
    try:
        text = json.dumps(_jsonable(schema, values), separators=(",", ":"), sort_keys=True,
                          ensure_ascii=False, allow_nan=False)
    except ValueError as error:
        raise TheoryError(f"encode_json: {schema.name} holds a value JSON cannot write: "
                          f"{error}") from None
    return text.encode("utf-8")


def _jsonable(schema: Schema, values: Mapping[str, Any]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in values.items():
        field = schema.field(name)
        if value is None:
            continue
        items = value if field.repeated else [value]
        written = [_json_value(field, item) for item in items]
        out[name] = written if field.repeated else written[0]
    return out


def _json_value(field: Field, value: Any) -> object:
    if isinstance(field.type, Schema):
        return _jsonable(field.type, value)
    if field.type == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


# -- reading with the runtime -------------------------------------------------------------

def decode(schema: Schema, data: bytes) -> dict[str, object]:
    """Protocol 5.2.2 (gRPC): the values a reader with ``schema`` reads from ``data``.

    Parsed by the runtime. Every field of ``schema`` is in the result: a field absent
    from ``data`` reads as its default (:attr:`Field.default`), which in proto3 is also
    what a field sent with its default value reads as.

    Parameters
    ----------
    schema : Schema
        The reader's message type.
    data : bytes
        An encoded message.

    Returns
    -------
    dict
        Field name to value (lists for repeated fields, dicts or ``None`` for messages).

    Raises
    ------
    TheoryError
        If the runtime cannot parse ``data`` (with the runtime's reason).

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> decode(ping, bytes.fromhex("08 96 01"))
    {'seq': 150, 'note': ''}
    """
    require_instance("decode", "schema", schema, Schema)
    require_instance("decode", "data", data, bytes)
    try:
        message = parse(schema, data)
    except DecodeError as error:
        raise TheoryError(f"decode: the runtime cannot read these bytes as {schema.name}: "
                          f"{error}") from None
    return as_values(schema, message)


def parse(schema: Schema, data: bytes) -> Any:
    """The runtime's message of ``schema`` parsed from ``data`` (raises the runtime's
    ``DecodeError`` on bytes it cannot parse)."""
    message = message_class(schema)()
    message.ParseFromString(data)
    return message


def as_values(schema: Schema, message: Any) -> dict[str, object]:
    """The values of a runtime message, every field of ``schema`` included."""
    values: dict[str, object] = {}
    for field in schema.fields:
        value = getattr(message, field.name)
        if isinstance(field.type, Schema):
            nested = field.type
            if field.repeated:
                values[field.name] = [as_values(nested, item) for item in value]
            else:
                values[field.name] = (as_values(nested, value)
                                      if message.HasField(field.name) else None)
        else:
            values[field.name] = list(value) if field.repeated else value
    return values


@dataclass(frozen=True)
class Sizes:
    """One message's size as JSON and as protobuf, in bytes; ``ratio`` is
    ``json_bytes / protobuf_bytes`` (infinite when protobuf writes nothing)."""

    message: str
    json_bytes: int
    protobuf_bytes: int
    ratio: float

    def __str__(self) -> str:
        return (f"{self.message}: JSON {self.json_bytes} B, protobuf {self.protobuf_bytes} B, "
                f"ratio {self.ratio:.2f}")


def compare(schema: Schema, values: Mapping[str, object], *, label: str = "") -> Sizes:
    """Protocols 5.2.1 and 5.2.2: the size of ``values`` as JSON and as protobuf.

    Parameters
    ----------
    schema : Schema
        The message type.
    values : mapping
        Field name to value, as for :func:`encode_protobuf`.
    label : str, optional
        What the record calls the message; the schema's name by default.

    Returns
    -------
    Sizes
        Both sizes and their ratio.

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> print(compare(ping, {"seq": 150, "note": "hi"}))
    Ping: JSON 23 B, protobuf 7 B, ratio 3.29

    References
    ----------
    .. [1] M. Kleppmann, *Designing Data-Intensive Applications*, O'Reilly, 2017, ch. 4
       (one record in JSON, MessagePack, Thrift and Protocol Buffers).
    """
    require_instance("compare", "schema", schema, Schema)
    json_size = len(encode_json(schema, values))
    protobuf_size = len(encode_protobuf(schema, values))
    ratio = json_size / protobuf_size if protobuf_size else math.inf
    return Sizes(label or schema.name, json_size, protobuf_size, ratio)


@dataclass(frozen=True)
class RoundTrip:
    """What a protobuf reader reads back of ``sent``.

    ``received`` is :func:`decode` of ``data`` (every field, defaults filled in);
    ``omitted`` names the fields sent with their default value, which proto3 did not
    write; ``changed`` names the fields sent but read back different (a ``float``
    rounded to 32 bits).
    """

    sent: Mapping[str, object]
    data: bytes
    received: Mapping[str, object]
    omitted: tuple[str, ...]
    changed: tuple[str, ...]


def round_trip(schema: Schema, values: Mapping[str, object]) -> RoundTrip:
    """Protocol 5.2.2 (gRPC): encode ``values``, parse them back with the runtime, compare.

    Parameters
    ----------
    schema : Schema
        The message type.
    values : mapping
        Field name to value, as for :func:`encode_protobuf`.

    Returns
    -------
    RoundTrip
        The bytes, what was read back, the fields left off the wire as defaults and the
        fields read back different.

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> trip = round_trip(ping, {"seq": 0, "note": ""})
    >>> trip.data, trip.omitted, trip.received
    (b'', ('seq', 'note'), {'seq': 0, 'note': ''})

    References
    ----------
    .. [1] Protocol Buffers, "Language Guide (proto3)", "Default Field Values".
    """
    require_instance("round_trip", "schema", schema, Schema)
    data = encode_protobuf(schema, values)
    received = decode(schema, data)
    present = {record.number for record in read_wire(data)}
    omitted = tuple(name for name in values if schema.field(name).number not in present)
    changed = tuple(name for name in values if name not in omitted
                    and received[name] != _filled(schema.field(name), values[name]))
    return RoundTrip(dict(values), data, received, omitted, changed)


def _filled(field: Field, value: Any) -> object:
    """``value`` as :func:`decode` reads it when nothing is lost: nested messages with
    every field, defaults filled in."""
    if not isinstance(field.type, Schema) or value is None:
        return value
    nested = field.type
    if field.repeated:
        return [_filled(Field(field.name, field.number, nested), item) for item in value]
    return {f.name: _filled(f, value[f.name]) if f.name in value else f.default
            for f in nested.fields}


# -- reading the wire format by hand ------------------------------------------------------

@dataclass(frozen=True)
class WireRecord:
    """One record of the wire format, as :func:`read_wire` finds it.

    ``tag`` holds the bytes of the tag varint (``number << 3 | wire_type``), ``length``
    those of a LEN record's length varint (empty otherwise) and ``payload`` the value's
    bytes: a varint, 4 or 8 little-endian bytes, or a LEN record's content. ``offset`` is
    where the record starts.
    """

    offset: int
    number: int
    wire_type: int
    tag: bytes
    length: bytes
    payload: bytes

    @property
    def size(self) -> int:
        """The record's size in bytes."""
        return len(self.tag) + len(self.length) + len(self.payload)


def _varint(data: bytes, start: int) -> tuple[int, int]:
    """The varint at ``start`` and where it ends: 7 bits a byte, least significant first,
    the top bit set on every byte but the last."""
    value, shift, at = 0, 0, start
    while True:
        if at >= len(data) or at - start >= 10:
            raise TheoryError(f"read_wire: the varint at byte {start} is truncated or "
                              "longer than 10 bytes")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        shift += 7
        at += 1
        if byte < 0x80:
            return value, at


def read_wire(data: bytes) -> tuple[WireRecord, ...]:
    """Protocol 5.2.2 (gRPC): the records of an encoded message, read without a schema.

    Each record starts with its tag, a varint ``number << 3 | wire_type``; the wire
    type says how long the value is: VARINT (0) a varint, I64 (1) 8 bytes, LEN (2) a
    varint length then that many bytes, I32 (5) 4 bytes. That is all a reader needs to
    skip a field it does not know, which is why unknown fields are harmless.

    Parameters
    ----------
    data : bytes
        An encoded message.

    Returns
    -------
    tuple of WireRecord
        The records in the order written.

    Raises
    ------
    TheoryError
        On truncated data, a field number outside 1 to 536,870,911, or the group wire
        types 3 and 4 (proto2 only) and the undefined 6 and 7.

    Examples
    --------
    >>> [(r.number, r.wire_type, r.payload.hex()) for r in read_wire(bytes.fromhex("089601"))]
    [(1, 0, '9601')]

    References
    ----------
    .. [1] Protocol Buffers, "Encoding", protobuf.dev ("Message Structure", "Varints").
    """
    require_instance("read_wire", "data", data, bytes)
    records = []
    at = 0
    while at < len(data):
        key, after_tag = _varint(data, at)
        number, wire_type = key >> 3, key & 7
        if not 1 <= number <= MAX_NUMBER:
            raise TheoryError(f"read_wire: the record at byte {at} has field number {number}, "
                              f"outside 1 to {MAX_NUMBER}")
        length = b""
        if wire_type == VARINT:
            _, end = _varint(data, after_tag)
            start = after_tag
        elif wire_type in (I64, I32):
            start, end = after_tag, after_tag + (8 if wire_type == I64 else 4)
        elif wire_type == LEN:
            size, start = _varint(data, after_tag)
            length = data[after_tag:start]
            end = start + size
        else:
            raise TheoryError(f"read_wire: the record at byte {at} has wire type {wire_type}, "
                              "which proto3 does not use")
        if end > len(data):
            raise TheoryError(f"read_wire: the record at byte {at} runs past the end of the data")
        records.append(WireRecord(at, number, wire_type, data[at:after_tag], length,
                                  data[start:end]))
        at = end
    return tuple(records)


def _signed(value: int, bits: int) -> int:
    """``value`` read as a two's-complement integer of ``bits`` bits."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _scalar(kind: str, wire_type: int, payload: bytes) -> object:
    """The value of one scalar of type ``kind`` from its payload."""
    if wire_type == VARINT:
        raw, _ = _varint(payload, 0)
        if kind in ("sint32", "sint64"):
            bits = 32 if kind == "sint32" else 64
            raw &= (1 << bits) - 1  # cut to the type's width first, then undo ZigZag
            return _signed((raw >> 1) ^ -(raw & 1), bits)
        return {"int32": _signed(raw, 32), "int64": _signed(raw, 64),
                "uint32": raw & 0xFFFFFFFF, "uint64": raw & (2**64 - 1),
                "bool": raw != 0}[kind]
    if wire_type in (I32, I64):
        form = {"fixed32": "<I", "sfixed32": "<i", "float": "<f",
                "fixed64": "<Q", "sfixed64": "<q", "double": "<d"}[kind]
        return struct.unpack(form, payload)[0]
    if kind == "string":
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            raise TheoryError("decode_wire: a string field holds bytes that are not UTF-8") \
                from None
    return bytes(payload)


def _packed(kind: str, payload: bytes) -> list[object]:
    """The values of a packed repeated field: varints, or 4- or 8-byte words, back to back."""
    wire_type = SCALARS[kind].wire_type
    if wire_type == VARINT:
        values, at = [], 0
        while at < len(payload):
            _, end = _varint(payload, at)
            values.append(_scalar(kind, VARINT, payload[at:end]))
            at = end
        return values
    width = 8 if wire_type == I64 else 4
    if len(payload) % width:
        raise TheoryError(f"decode_wire: a packed {kind} field holds {len(payload)} bytes, "
                          f"not a multiple of {width}")
    return [_scalar(kind, wire_type, payload[at:at + width])
            for at in range(0, len(payload), width)]


def decode_wire(schema: Schema, data: bytes) -> dict[str, object]:
    """What :func:`decode` reads, read by hand with :func:`read_wire`.

    The rules of the specification: a record whose number the schema lacks, or whose
    wire type does not match its field, is skipped; a singular scalar takes the last
    value written; a singular message merges every record written for it (parsing
    their concatenated payloads); a repeated number field accepts packed and unpacked
    records alike.

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> decode_wire(ping, bytes.fromhex("08 96 01 12 02 68 69"))
    {'seq': 150, 'note': 'hi'}
    """
    require_instance("decode_wire", "schema", schema, Schema)
    values: dict[str, Any] = {f.name: f.default for f in schema.fields}
    merged: dict[str, bytes] = {}
    by_number = schema.numbers
    for record in read_wire(data):
        field = by_number.get(record.number)
        if field is None:
            continue
        if isinstance(field.type, Schema):
            if record.wire_type != LEN:
                continue
            if field.repeated:
                values[field.name] = [*values[field.name], decode_wire(field.type,
                                                                       record.payload)]
            else:
                merged[field.name] = merged.get(field.name, b"") + record.payload
        elif field.packed and record.wire_type == LEN:
            values[field.name] = [*values[field.name], *_packed(field.type, record.payload)]
        elif record.wire_type == SCALARS[field.type].wire_type:
            value = _scalar(field.type, record.wire_type, record.payload)
            values[field.name] = [*values[field.name], value] if field.repeated else value
    for name, payload in merged.items():
        values[name] = decode_wire(schema.field(name).type, payload)  # type: ignore[arg-type]
    return values


@dataclass(frozen=True)
class WireField:
    """One record of a message, labelled with its field: ``name``, ``number``, ``type``,
    the wire type's name, the bytes of the tag, length and payload in hex, and the value
    they hold (a list for a packed field, a dict for a nested message)."""

    name: str
    number: int
    type: str
    wire_type: str
    tag: str
    length: str
    payload: str
    value: object

    def __str__(self) -> str:
        """One line of at most about 90 characters: long payloads and values are cut."""
        payload = self.payload if len(self.payload) <= 23 else f"{self.payload[:23]} ..."
        written = " | ".join(part for part in (self.tag, self.length, payload) if part)
        value = repr(self.value)
        value = value if len(value) <= 30 else f"{value[:26]} ..."
        return f"{written:<24} {self.name} = {value} ({self.type}, {self.wire_type})"


def wire_fields(schema: Schema, values: Mapping[str, object]) -> tuple[WireField, ...]:
    """Protocol 5.2.2 (gRPC): the bytes of ``values`` field by field.

    Encodes with the runtime (:func:`encode_protobuf`), splits the bytes with
    :func:`read_wire` and names each record's field; the value is read by hand.

    Parameters
    ----------
    schema : Schema
        The message type.
    values : mapping
        Field name to value, as for :func:`encode_protobuf`.

    Returns
    -------
    tuple of WireField
        One per record, in the order written (number order).

    Examples
    --------
    >>> ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    >>> for row in wire_fields(ping, {"seq": 150, "note": "hi"}):
    ...     print(row)
    08 | 96 01                seq = 150 (uint32, VARINT)
    12 | 02 | 68 69           note = 'hi' (string, LEN)

    References
    ----------
    .. [1] Protocol Buffers, "Encoding", protobuf.dev: 150 is ``96 01``, the tag of
       field 1 with wire type 0 is ``08``.
    """
    require_instance("wire_fields", "schema", schema, Schema)
    by_number = schema.numbers
    rows = []
    for record in read_wire(encode_protobuf(schema, values)):
        field = by_number[record.number]
        value: object
        if isinstance(field.type, Schema):
            value = decode_wire(field.type, record.payload)
        elif field.packed:
            value = _packed(field.type, record.payload)
        else:
            value = _scalar(field.type, record.wire_type, record.payload)
        rows.append(WireField(field.name, field.number, field.type_name,
                              WIRE_TYPE_NAMES[record.wire_type], record.tag.hex(" "),
                              record.length.hex(" "), record.payload.hex(" "), value))
    return tuple(rows)


# -- realistic messages -------------------------------------------------------------------

_ITEM = Schema("LineItem", [
    Field("sku", 1, "string"),
    Field("quantity", 2, "uint32"),
    Field("unit_price_cents", 3, "int64"),
])

#: An order of a web shop: who ordered what, when, for how much.
ORDER = Schema("Order", [
    Field("order_id", 1, "string"),
    Field("customer_id", 2, "int64"),
    Field("items", 3, _ITEM, repeated=True),
    Field("total_cents", 4, "int64"),
    Field("currency", 5, "string"),
    Field("created_at", 6, "int64"),
    Field("status", 7, "string"),
])

#: What a product page shows: the product, its price, stock, rating and pictures.
PRODUCT = Schema("ProductPage", [
    Field("product_id", 1, "int64"),
    Field("title", 2, "string"),
    Field("description", 3, "string"),
    Field("price_cents", 4, "int64"),
    Field("currency", 5, "string"),
    Field("in_stock", 6, "bool"),
    Field("rating", 7, "float"),
    Field("review_count", 8, "uint32"),
    Field("tags", 9, "string", repeated=True),
    Field("image_urls", 10, "string", repeated=True),
])


def order_values(items: int = 3) -> dict[str, object]:
    """A realistic :data:`ORDER` with ``items`` line items (0 or more).

    >>> order_values(1)["items"]
    [{'sku': 'SKU-100001', 'quantity': 1, 'unit_price_cents': 1299}]
    """
    items = require_count("order_values", "items", items)
    lines: list[dict[str, object]] = []
    total = 0
    for k in range(items):
        quantity, price = 1 + k % 3, 1299 + 500 * k
        lines.append({"sku": f"SKU-{100001 + k}", "quantity": quantity,
                      "unit_price_cents": price})
        total += quantity * price
    return {
        "order_id": "ord-2024-000042",
        "customer_id": 7340031,
        "items": lines,
        "total_cents": total,
        "currency": "EUR",
        "created_at": 1718000000,
        "status": "PAID",
    }


def product_values() -> dict[str, object]:
    """A realistic :data:`PRODUCT` page."""
    return {
        "product_id": 90210,
        "title": "Trail running shoe, waterproof",
        "description": ("Lightweight trail shoe with a waterproof membrane, a 6 mm drop "
                        "and a grippy outsole for wet rock."),
        "price_cents": 12995,
        "currency": "EUR",
        "in_stock": True,
        "rating": 4.5,
        "review_count": 1287,
        "tags": ["running", "trail", "waterproof"],
        "image_urls": [f"https://cdn.example.com/p/90210/{k}.jpg" for k in range(1, 4)],
    }


def samples() -> tuple[Sizes, ...]:
    """Protocols 5.2.1 and 5.2.2: JSON and protobuf sizes of realistic messages.

    An order with 1, 3 and 20 line items and a product page (:func:`order_values`,
    :func:`product_values`).

    Returns
    -------
    tuple of Sizes
        One per message.

    Examples
    --------
    >>> for sizes in samples():
    ...     print(sizes)
    Order, 1 item: JSON 196 B, protobuf 61 B, ratio 3.21
    Order, 3 items: JSON 313 B, protobuf 99 B, ratio 3.16
    Order, 20 items: JSON 1302 B, protobuf 423 B, ratio 3.08
    ProductPage: JSON 436 B, protobuf 298 B, ratio 1.46

    References
    ----------
    .. [1] M. Kleppmann, *Designing Data-Intensive Applications*, O'Reilly, 2017, ch. 4.
    """
    orders = tuple(compare(ORDER, order_values(n), label=f"Order, {n} item{'s' * (n > 1)}")
                   for n in (1, 3, 20))
    return (*orders, compare(PRODUCT, product_values()))
