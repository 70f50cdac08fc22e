"""Protocols 5.2.1 and 5.2.2: one message as JSON and as protobuf, and the wire format."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.encoding import (
    ORDER,
    PRODUCT,
    SCALARS,
    Field,
    Schema,
    compare,
    decode,
    decode_wire,
    encode_json,
    encode_protobuf,
    message_class,
    order_values,
    product_values,
    read_wire,
    round_trip,
    samples,
    to_descriptor,
    wire_fields,
)
from msatheory.errors import TheoryError

PING = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])

RANGES = {
    "int32": (-2**31, 2**31 - 1), "sint32": (-2**31, 2**31 - 1),
    "sfixed32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1),
    "sint64": (-2**63, 2**63 - 1), "sfixed64": (-2**63, 2**63 - 1),
    "uint32": (0, 2**32 - 1), "fixed32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1), "fixed64": (0, 2**64 - 1),
}


def scalar_values(kind: str) -> st.SearchStrategy[Any]:
    """Every value of a proto3 scalar type (finite floats, UTF-8 text)."""
    if kind in RANGES:
        low, high = RANGES[kind]
        edges = [v for v in (low, high, -1, 1, 2**31 - 1, 2**31, 2**32, 2**53 + 1, -2**31 - 1)
                 if low <= v <= high]
        return st.sampled_from(edges) | st.integers(low, high)
    return {
        "bool": st.booleans(),
        "float": st.floats(width=32, allow_nan=False, allow_infinity=False),
        "double": st.floats(allow_nan=False, allow_infinity=False),
        "string": st.text(st.characters(codec="utf-8"), max_size=6),
        "bytes": st.binary(max_size=6),
    }[kind]


def field_values(field: Field) -> st.SearchStrategy[Any]:
    """Values of one field: a list if repeated, a mapping or None for a message."""
    if isinstance(field.type, Schema):
        one: st.SearchStrategy[Any] = message_values(field.type)
        if not field.repeated:
            return st.none() | one
    else:
        one = scalar_values(field.type)
    return st.lists(one, max_size=3) if field.repeated else one


def message_values(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Values of some of ``schema``'s fields."""
    return st.fixed_dictionaries({}, optional={f.name: field_values(f) for f in schema.fields})


INNER = Schema("Inner", [Field("x", 1, "sint64"), Field("y", 2, "string"),
                         Field("z", 3, "fixed32", repeated=True)])
EVERY = Schema("Every", [
    *(Field(f"s_{kind}", k, kind) for k, kind in enumerate(SCALARS, start=1)),
    *(Field(f"r_{kind}", 100 + k, kind, repeated=True)
      for k, kind in enumerate(SCALARS, start=1)),
    Field("inner", 2000, INNER), Field("inners", 2**29 - 1, INNER, repeated=True),
])


# -- sizes and bytes, by hand ---------------------------------------------------------------

def test_a_tiny_message_byte_by_byte() -> None:
    data = encode_protobuf(PING, {"seq": 150, "note": "hi"})
    # tag 1 << 3 | 0 = 0x08; 150 = 0b1_0010110 -> 0x96 0x01; tag 2 << 3 | 2 = 0x12, length 2
    assert data == bytes([0x08, 0x96, 0x01, 0x12, 0x02, ord("h"), ord("i")])
    assert encode_json(PING, {"seq": 150, "note": "hi"}) == b'{"note":"hi","seq":150}'
    sizes = compare(PING, {"seq": 150, "note": "hi"})
    assert (sizes.json_bytes, sizes.protobuf_bytes) == (23, 7)
    assert sizes.ratio == 23 / 7


def test_wire_fields_label_each_record() -> None:
    rows = wire_fields(PING, {"seq": 150, "note": "hi"})
    assert [(r.name, r.number, r.wire_type, r.tag, r.length, r.payload, r.value)
            for r in rows] == [("seq", 1, "VARINT", "08", "", "96 01", 150),
                               ("note", 2, "LEN", "12", "02", "68 69", "hi")]


def test_a_long_record_prints_on_one_short_line() -> None:
    rows = wire_fields(ORDER, order_values(1))
    assert str(rows[0]) == ("0a | 0f | 6f 72 64 2d 32 30 32 34 ... order_id = "
                            "'ord-2024-000042' (string, LEN)")
    assert str(rows[2]) == ("1a | 11 | 0a 0a 53 4b 55 2d 31 30 ... items = "
                            "{'sku': 'SKU-100001', 'qua ... (LineItem, LEN)")
    assert all(len(str(row)) <= 100 for row in rows)


def test_a_tag_takes_a_second_byte_from_field_16() -> None:
    for number, tag in ((15, b"\x78"), (16, b"\x80\x01"), (2047, b"\xf8\x7f"),
                        (2048, b"\x80\x80\x01")):
        schema = Schema("T", [Field("n", number, "uint32")])
        data = encode_protobuf(schema, {"n": 1})
        assert data == tag + b"\x01"
        assert read_wire(data)[0].tag == tag


def test_negative_numbers_cost_ten_bytes_unless_zigzag() -> None:
    schema = Schema("N", [Field("plain", 1, "int32"), Field("zigzag", 2, "sint32")])
    assert encode_protobuf(schema, {"plain": -1}) == b"\x08" + b"\xff" * 9 + b"\x01"
    assert encode_protobuf(schema, {"zigzag": -1}) == b"\x10\x01"  # ZigZag: -1 -> 1
    assert encode_protobuf(schema, {"zigzag": 1}) == b"\x10\x02"
    assert wire_fields(schema, {"plain": -1, "zigzag": -2})[1].value == -2


def test_fixed_width_types_are_little_endian() -> None:
    schema = Schema("F", [Field("a", 1, "fixed32"), Field("b", 2, "double")])
    assert encode_protobuf(schema, {"a": 1, "b": 1.0}) == (
        b"\x0d\x01\x00\x00\x00" + b"\x11" + bytes.fromhex("000000000000f03f"))


def test_repeated_numbers_are_packed_and_strings_are_not() -> None:
    schema = Schema("R", [Field("ns", 1, "uint32", repeated=True),
                          Field("ss", 2, "string", repeated=True)])
    data = encode_protobuf(schema, {"ns": [1, 2, 300], "ss": ["a", "b"]})
    assert data == bytes.fromhex("0a 04 01 02 ac 02 12 01 61 12 01 62")
    rows = wire_fields(schema, {"ns": [1, 2, 300], "ss": ["a", "b"]})
    assert [r.value for r in rows] == [[1, 2, 300], "a", "b"]


def test_defaults_are_not_written_and_read_back_as_defaults() -> None:
    schema = Schema("D", [Field("n", 1, "int64"), Field("flag", 2, "bool"),
                          Field("text", 3, "string"), Field("list", 4, "int32", repeated=True),
                          Field("inner", 5, INNER)])
    values = {"n": 0, "flag": False, "text": "", "list": []}
    trip = round_trip(schema, values)
    assert trip.data == b""
    assert trip.omitted == ("n", "flag", "text", "list")
    assert trip.received == {"n": 0, "flag": False, "text": "", "list": [], "inner": None}
    assert encode_json(schema, values) == b'{"flag":false,"list":[],"n":0,"text":""}'
    # an empty nested message is present: tag and a zero length
    assert encode_protobuf(schema, {"inner": {}}) == b"\x2a\x00"
    assert decode(schema, b"\x2a\x00")["inner"] == {"x": 0, "y": "", "z": []}


def test_a_float_comes_back_rounded_to_32_bits() -> None:
    schema = Schema("F", [Field("ratio", 1, "float"), Field("exact", 2, "double")])
    trip = round_trip(schema, {"ratio": 0.1, "exact": 0.1})
    assert trip.changed == ("ratio",)
    assert trip.received["ratio"] == 0.10000000149011612


def test_realistic_messages_round_trip_and_shrink() -> None:
    values = order_values(5)
    assert decode(ORDER, encode_protobuf(ORDER, values)) == values
    page = product_values()
    back = decode(PRODUCT, encode_protobuf(PRODUCT, page))
    assert back == page  # 4.5 is exact in 32 bits
    sizes = samples()
    assert [s.message for s in sizes] == ["Order, 1 item", "Order, 3 items", "Order, 20 items",
                                          "ProductPage"]
    assert [(s.json_bytes, s.protobuf_bytes) for s in sizes] == [
        (196, 61), (313, 99), (1302, 423), (436, 298)]
    assert all(s.ratio > 1 for s in sizes)
    assert order_values(0)["total_cents"] == 0
    assert order_values(3)["total_cents"] == 1299 * 1 + 1799 * 2 + 2299 * 3


def test_json_is_compact_sorted_utf8() -> None:
    schema = Schema("J", [Field("b", 1, "string"), Field("a", 2, "bytes"),
                          Field("inner", 3, INNER)])
    text = encode_json(schema, {"b": "Grüße", "a": b"\x00\xff", "inner": {"y": "é"}})
    assert text == '{"a":"AP8=","b":"Grüße","inner":{"y":"é"}}'.encode()
    assert json.loads(text) == {"a": "AP8=", "b": "Grüße", "inner": {"y": "é"}}
    assert encode_json(schema, {"inner": None}) == b"{}"


# -- the hand-written reader against the runtime ------------------------------------------

@settings(max_examples=150)
@given(message_values(EVERY))
def test_the_hand_reader_reads_what_the_runtime_reads(values: dict[str, Any]) -> None:
    data = encode_protobuf(EVERY, values)
    assert decode_wire(EVERY, data) == decode(EVERY, data)
    records = read_wire(data)
    assert b"".join(r.tag + r.length + r.payload for r in records) == data
    assert sum(r.size for r in records) == len(data)
    numbers = [r.number for r in records]
    assert numbers == sorted(numbers)  # deterministic serialization: number order


@settings(max_examples=150)
@given(message_values(EVERY))
def test_the_runtime_reads_our_json_as_the_same_message(values: dict[str, Any]) -> None:
    message = message_class(EVERY)()
    json_format.Parse(encode_json(EVERY, values).decode("utf-8"), message)
    assert message.SerializeToString(deterministic=True) == encode_protobuf(EVERY, values)


@settings(max_examples=100)
@given(message_values(EVERY))
def test_round_trip_loses_nothing_but_float_precision(values: dict[str, Any]) -> None:
    trip = round_trip(EVERY, values)
    assert set(trip.changed) <= {"s_float", "r_float"}
    for name in trip.changed:
        field = EVERY.field(name)
        sent = values[name] if field.repeated else [values[name]]
        got = trip.received[name] if field.repeated else [trip.received[name]]
        assert all(math.isclose(a, b, rel_tol=2**-23) for a, b in zip(sent, got, strict=True))


CROSS_VALUES: dict[str, list[Any]] = {
    **{kind: [v for v in (0, 1, -1, 2**31, -2**31 - 1, 2**32, 2**53 + 1, 2**63 - 1, 2**64 - 1)
              if RANGES[kind][0] <= v <= RANGES[kind][1]] for kind in RANGES},
    "bool": [True], "float": [0.5, -3.0e38], "double": [0.1, -1e300],
    "string": ["abc", "é"], "bytes": [b"\xff\xfe", b"\x08\x96\x01"],
}


@pytest.mark.parametrize("writer", sorted(SCALARS))
def test_the_hand_reader_misreads_as_the_runtime_does(writer: str) -> None:
    """Bytes of one type read as another: both readers agree, or both refuse."""
    readers = [*(Schema("R", [Field("n", 1, kind, repeated)]) for kind in SCALARS
                 for repeated in (False, True)), Schema("R", [Field("n", 1, INNER)])]
    for repeated in (False, True):
        source = Schema("W", [Field("n", 1, writer, repeated)])
        for value in CROSS_VALUES[writer]:
            data = encode_protobuf(source, {"n": [value, value] if repeated else value})
            for reader in readers:
                try:
                    expected: object = decode(reader, data)
                except TheoryError:
                    expected = "refused"
                try:
                    got: object = decode_wire(reader, data)
                except TheoryError:
                    got = "refused"
                # repr, so that NaN (a garbled float's bits) equals NaN
                assert repr(got) == repr(expected), (writer, repeated, value, str(reader))


def test_the_reader_merges_a_message_written_twice_and_keeps_the_last_scalar() -> None:
    outer = Schema("Outer", [Field("n", 1, "int32"), Field("inner", 2, INNER)])
    first = encode_protobuf(outer, {"n": 1, "inner": {"x": 5}})
    second = encode_protobuf(outer, {"n": 2, "inner": {"y": "b"}})
    data = first + second
    assert decode_wire(outer, data) == decode(outer, data) == {
        "n": 2, "inner": {"x": 5, "y": "b", "z": []}}


def test_the_reader_skips_unknown_numbers_and_wrong_wire_types() -> None:
    wide = Schema("W", [Field("a", 1, "string"), Field("b", 2, "int64")])
    narrow = Schema("W", [Field("a", 1, "int64")])
    data = encode_protobuf(wide, {"a": "text", "b": 7})
    assert decode_wire(narrow, data) == decode(narrow, data) == {"a": 0}


def test_the_descriptor_is_what_protoc_writes() -> None:
    file = to_descriptor(ORDER)
    assert file.syntax == "proto3" and file.package == "msatheory.wire"
    assert [m.name for m in file.message_type] == ["Order", "LineItem"]
    items = file.message_type[0].field[2]
    assert items.label == descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
    assert items.type_name == ".msatheory.wire.LineItem"
    reserved = to_descriptor(Schema("R", [Field("a", 1, "int32")], reserved=[2, 3],
                                    reserved_names=["b"])).message_type[0]
    assert [(r.start, r.end) for r in reserved.reserved_range] == [(2, 3), (3, 4)]
    assert list(reserved.reserved_name) == ["b"]
    assert message_class(Schema("Ping", PING.fields)) is message_class(PING)


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("build", "message"), [
    (lambda: Schema("P", [Field("a", 1, "int32"), Field("b", 1, "string")]),
     "Schema 'P': fields 'a' and 'b' both have number 1"),
    (lambda: Schema("P", [Field("a", 1, "int32"), Field("a", 2, "string")]),
     "Schema 'P': fields lists 'a' twice"),
    (lambda: Field("a", 19000, "int32"), "outside 19000-19999 (kept by protobuf), not 19000"),
    (lambda: Field("a", 19999, "int32"), "not 19999"),
    (lambda: Field("a", 0, "int32"), "Field 'a': number must be a positive whole number, not 0"),
    (lambda: Field("a", -3, "int32"), "not -3"),
    (lambda: Field("a", 2**29, "int32"), "from 1 to 536870911"),
    (lambda: Field("a", 1.0, "int32"), "not 1.0"),
    (lambda: Field("a", 1, "int"), "Field 'a': type must be a Schema or one of double, float"),
    (lambda: Field("a", 1, "int32", repeated=1), "Field 'a': repeated must be a bool, not 1"),
    (lambda: Field("my-field", 1, "int32"), "must be a .proto identifier"),
    (lambda: Schema("P", [Field("a", 2, "int32")], reserved=[2]),
     "field 'a' uses number 2, which is reserved"),
    (lambda: Schema("P", [Field("a", 2, "int32")], reserved_names=["a"]),
     "field 'a' uses a reserved name"),
    (lambda: Schema("P", [], reserved=[19500]), "a reserved number must be"),
    (lambda: Schema("P", [Field("a", 1, Schema("I", [])),
                          Field("b", 2, Schema("I", [Field("x", 1, "int32")]))]),
     "two different messages are named 'I'"),
    (lambda: Schema("P", ["a"]), "fields holds 'a', not a Field"),
])
def test_bad_schemas_are_refused(build: Any, message: str) -> None:
    with pytest.raises(TheoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


@pytest.mark.parametrize(("values", "message"), [
    ({"seq": -1}, "Ping.seq (uint32) cannot hold -1"),
    ({"seq": "1"}, "Ping.seq (uint32) cannot hold '1'"),
    ({"seq": True}, "Ping.seq (uint32) cannot hold True"),
    ({"seq": 2**32}, "cannot hold 4294967296"),
    ({"seq": 1.5}, "cannot hold 1.5"),
    ({"size": 1}, "Ping has no field 'size'; its fields are seq, note"),
    ({"note": b"hi"}, "encode_[a-z]+: Ping.note must be a str, not b'hi'"),
    ([("seq", 1)], "the value of Ping must be a mapping"),
])
def test_bad_values_are_refused(values: Any, message: str) -> None:
    for encode in (encode_protobuf, encode_json):
        with pytest.raises(TheoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
            encode(PING, values)


def test_bad_lists_and_nested_values_are_refused() -> None:
    with pytest.raises(TheoryError, match=r"R\.ns is repeated, so its value must be a list"):
        encode_protobuf(Schema("R", [Field("ns", 1, "int32", repeated=True)]), {"ns": "12"})
    outer = Schema("O", [Field("inner", 1, INNER)])
    with pytest.raises(TheoryError, match=r"the value of O\.inner must be a mapping"):
        encode_protobuf(outer, {"inner": 3})
    with pytest.raises(TheoryError, match=r"O\.inner has no field 'w'"):
        encode_protobuf(outer, {"inner": {"w": 1}})


def test_the_runtime_s_lax_conversions_are_refused() -> None:
    schema = Schema("L", [Field("flag", 1, "bool"), Field("x", 2, "double"),
                          Field("xs", 3, "float", repeated=True)])
    with pytest.raises(TheoryError, match=r"L\.flag must be a bool, not 2"):
        encode_protobuf(schema, {"flag": 2})
    with pytest.raises(TheoryError, match=r"L\.x must be a float, not True"):
        encode_protobuf(schema, {"x": True})
    with pytest.raises(TheoryError, match=r"L\.xs\[1\] must be a float, not 1"):
        encode_json(schema, {"xs": [0.5, 1]})


def test_json_refuses_nan() -> None:
    schema = Schema("F", [Field("x", 1, "double")])
    assert encode_protobuf(schema, {"x": math.nan}) == b"\x09" + b"\x00" * 6 + b"\xf8\x7f"
    with pytest.raises(TheoryError, match="encode_json: F holds a value JSON cannot write"):
        encode_json(schema, {"x": math.nan})


@pytest.mark.parametrize(("data", "message"), [
    (b"\x08", "the varint at byte 1 is truncated"),
    (b"\x08\xff", "the varint at byte 1 is truncated"),
    (b"\x12\x05ab", "the record at byte 0 runs past the end"),
    (b"\x0b", "wire type 3, which proto3 does not use"),
    (b"\x00\x01", "field number 0, outside 1 to 536870911"),
    (b"\x80\x80\x80\x80\x10\x01", "field number 536870912"),
    (b"\x08" + b"\xff" * 10 + b"\x01", "longer than 10 bytes"),
])
def test_malformed_wire_data_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        read_wire(data)


def test_decode_reports_what_the_runtime_cannot_parse() -> None:
    with pytest.raises(TheoryError, match="decode: the runtime cannot read these bytes as Ping"):
        decode(PING, b"\x12\x02\xff\xfe")  # 'note' holding bytes that are not UTF-8
    with pytest.raises(TheoryError, match="a string field holds bytes that are not UTF-8"):
        decode_wire(PING, b"\x12\x02\xff\xfe")
