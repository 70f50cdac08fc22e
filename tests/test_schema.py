"""Protocol 5.2.2: schema evolution checked by rule, and each verdict proved with the runtime."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.encoding import SCALARS, Field, Schema
from msatheory.communication.schema import (
    Mode,
    Violation,
    compatibility,
    read_across,
    rule_examples,
)
from msatheory.errors import TheoryError
from msatheory.theory import Kind, get
from tests.test_encoding import RANGES, message_values

BOTH = (Mode.BACKWARD, Mode.FORWARD)
KINDS = sorted(SCALARS)


def one(name: str, number: int, kind: str | Schema, repeated: bool = False) -> Schema:
    return Schema("M", [Field("id", 1, "string"), Field(name, number, kind, repeated)])


def rules(old: Schema, new: Schema, *, json: bool = False) -> dict[str, tuple[Mode, ...]]:
    """Each rule found, with the directions it breaks."""
    found = compatibility(old, new, Mode.FULL, json=json)
    return {v.rule: v.breaks for v in (*found.violations, *found.warnings)}


# -- each rule ------------------------------------------------------------------------------

def test_a_reused_number_is_read_as_the_wrong_field() -> None:
    old, new = one("email", 2, "string"), one("phone", 2, "string")
    assert rules(old, new) == {"FIELD_SAME_NAME": BOTH}
    seen = read_across(old, new, {"id": "u1", "email": "ada@example.com"})
    assert seen.read == {"id": "u1", "phone": "ada@example.com"}
    assert seen.misread == ("phone",) and seen.lost == ()
    back = read_across(new, old, {"phone": "+44 20 7946 0000"})
    assert back.read == {"id": "", "email": "+44 20 7946 0000"} and back.misread == ("email",)


def test_a_moved_name_is_found_by_neither_version() -> None:
    old = one("email", 2, "string")
    new = Schema("M", [Field("id", 1, "string"), Field("email", 3, "string")], reserved=[2])
    assert rules(old, new) == {"FIELD_SAME_NUMBER": BOTH}
    seen = read_across(old, new, {"email": "ada@example.com"})
    assert seen.lost == ("email",) and seen.unknown == (2,)
    # JSON carries names, so a moved number is harmless there
    assert read_across(old, new, {"email": "ada@example.com"}, format="json").faithful


@pytest.mark.parametrize(("before", "after", "breaks"), [
    ("int32", "int64", (Mode.FORWARD,)),
    ("int64", "int32", (Mode.BACKWARD,)),
    ("uint32", "int64", (Mode.FORWARD,)),
    ("uint32", "uint64", (Mode.FORWARD,)),
    ("bool", "uint64", (Mode.FORWARD,)),
    ("sint32", "sint64", (Mode.FORWARD,)),
    ("string", "bytes", (Mode.FORWARD,)),
    ("int32", "uint32", BOTH),
    ("fixed32", "sfixed32", BOTH),
    ("int64", "sint64", BOTH),
    ("double", "fixed64", BOTH),
    ("float", "double", BOTH),
    ("int64", "string", BOTH),
])
def test_a_type_change_breaks_the_directions_that_lose_values(
        before: str, after: str, breaks: tuple[Mode, ...]) -> None:
    found = rules(one("n", 2, before), one("n", 2, after))
    assert found == {"FIELD_WIRE_COMPATIBLE_TYPE": breaks}


@pytest.mark.parametrize(("before", "after", "value", "read", "how"), [
    ("int64", "int32", 2**32 + 7, 7, "misread"),           # truncated to 32 bits
    ("int64", "int32", 2**31, -2**31, "misread"),          # the sign bit
    ("int32", "uint32", -1, 2**32 - 1, "misread"),
    ("int64", "sint64", 1, -1, "misread"),                 # ZigZag reads 1 as -1
    ("sint64", "int64", -1, 1, "misread"),
    ("fixed32", "sfixed32", 2**32 - 1, -1, "misread"),
    ("double", "fixed64", 1.0, 0x3FF0000000000000, "misread"),
    ("int64", "string", 42, "", "lost"),                   # VARINT where LEN expected
    ("string", "int64", "42", 0, "lost"),
    ("float", "double", 0.5, 0.0, "lost"),                 # I32 where I64 expected
    ("int64", "bool", 2, True, "misread"),
])
def test_the_runtime_misreads_as_the_rule_says(before: str, after: str, value: object,
                                               read: object, how: str) -> None:
    seen = read_across(one("n", 2, before), one("n", 2, after), {"n": value})
    assert seen.error is None
    assert seen.read is not None and seen.read["n"] == read
    assert (seen.lost, seen.misread) == ((("n",), ()) if how == "lost" else ((), ("n",)))


def test_bytes_read_as_a_string_fail_to_parse() -> None:
    seen = read_across(one("n", 2, "bytes"), one("n", 2, "string"), {"n": b"\xff"})
    assert seen.read is None and not seen.faithful
    assert seen.error is not None and "UTF-8" in seen.error
    assert read_across(one("n", 2, "bytes"), one("n", 2, "string"), {"n": b"ok"}).faithful


def test_widening_reads_every_old_value() -> None:
    for value in (-2**31, -1, 0, 2**31 - 1):
        assert read_across(one("n", 2, "int32"), one("n", 2, "int64"), {"n": value}).faithful
    seen = read_across(one("n", 2, "string"), one("n", 2, "bytes"), {"n": "Grüße"})
    assert seen.faithful and seen.read == {"id": "", "n": "Grüße".encode()}


def test_cardinality_a_single_value_becomes_a_list_of_one() -> None:
    single, many = one("tag", 2, "string"), one("tag", 2, "string", repeated=True)
    assert rules(single, many) == {"FIELD_WIRE_COMPATIBLE_CARDINALITY": (Mode.FORWARD,)}
    assert read_across(single, many, {"tag": "gift"}).read == {"id": "", "tag": ["gift"]}
    seen = read_across(many, single, {"tag": ["gift", "express"]})
    assert seen.read == {"id": "", "tag": "express"} and seen.misread == ("tag",)
    # packed numbers: one LEN record, which a singular reader skips
    packed = read_across(one("n", 2, "int32", True), one("n", 2, "int32"), {"n": [1, 2]})
    assert packed.lost == ("n",) and packed.unknown == (2,)
    assert rules(single, many, json=True) == {
        "FIELD_WIRE_COMPATIBLE_CARDINALITY": (Mode.FORWARD,),
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": BOTH}
    assert read_across(single, many, {"tag": "gift"}, format="json").error is not None


def test_adding_and_deleting_break_no_reader_but_deleting_warns() -> None:
    base = Schema("M", [Field("id", 1, "string")])
    added = one("email", 2, "string")
    for mode in Mode:
        assert compatibility(base, added, mode).holds
        assert compatibility(added, base, mode).holds
    deleted = compatibility(added, base)
    assert [(w.rule, w.field, w.breaks) for w in deleted.warnings] == [
        ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", "M.email", ())]
    reserved = Schema("M", [Field("id", 1, "string")], reserved=[2], reserved_names=["email"])
    assert compatibility(added, reserved, json=True).warnings == ()
    json_warnings = compatibility(added, Schema("M", base.fields, reserved=[2]), json=True)
    assert [w.rule for w in json_warnings.warnings] == ["FIELD_NO_DELETE_UNLESS_NAME_RESERVED"]
    assert read_across(added, base, {"id": "u1", "email": "a@b.c"}).unknown == (2,)


def test_dropping_a_reservation_warns_and_names_the_reuse() -> None:
    old = Schema("M", [Field("id", 1, "string")], reserved=[2, 3], reserved_names=["email"])
    new = Schema("M", [Field("id", 1, "string"), Field("email", 2, "string")])
    found = compatibility(old, new, Mode.FULL, json=True)
    assert found.holds
    assert [(w.field, w.rule) for w in found.warnings] == [
        ("M#2", "RESERVED_MESSAGE_NO_DELETE"), ("M#3", "RESERVED_MESSAGE_NO_DELETE"),
        ("M.email", "RESERVED_MESSAGE_NO_DELETE")]
    assert "field 'email' now uses it" in found.warnings[0].detail


def test_json_readers_match_names_and_json_types() -> None:
    assert rules(one("n", 2, "int32"), one("n", 2, "int64"), json=True) == {
        "FIELD_WIRE_COMPATIBLE_TYPE": (Mode.FORWARD,),
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE": (Mode.FORWARD,)}
    assert rules(one("n", 2, "sint32"), one("n", 2, "int32"), json=True) == {
        "FIELD_WIRE_COMPATIBLE_TYPE": BOTH}  # JSON has no ZigZag: the number is the number
    assert rules(one("n", 2, "float"), one("n", 2, "double"), json=True) == {
        "FIELD_WIRE_COMPATIBLE_TYPE": BOTH,
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE": (Mode.FORWARD,)}
    assert rules(one("n", 2, "string"), one("n", 2, "bytes"), json=True) == {
        "FIELD_WIRE_COMPATIBLE_TYPE": (Mode.FORWARD,),
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE": BOTH}
    # the runtime: a JSON string is base64 to a bytes reader; a renamed field is lost
    text = read_across(one("n", 2, "string"), one("n", 2, "bytes"), {"n": "abcd"},
                       format="json")
    assert text.read == {"id": "", "n": b"i\xb7\x1d"} and text.misread == ("n",)
    big = read_across(one("n", 2, "int64"), one("n", 2, "int32"), {"n": 2**40}, format="json")
    assert big.error is not None
    renamed = read_across(one("email", 2, "string"), one("phone", 2, "string"),
                          {"email": "a@b.c"}, format="json")
    assert renamed.read == {"id": "", "phone": ""} and renamed.faithful


def test_nested_messages_are_compared_field_by_field() -> None:
    item = Schema("Item", [Field("sku", 1, "string"), Field("qty", 2, "int32")])
    item2 = Schema("LineItem", [Field("sku", 1, "string"), Field("qty", 2, "int64"),
                                Field("gift", 3, "bool")])
    item3 = Schema("Item", [Field("sku", 1, "int64"), Field("qty", 2, "int32")])
    old = Schema("Order", [Field("items", 1, item, repeated=True)])
    assert compatibility(old, Schema("Order", [Field("items", 1, item2, repeated=True)])).holds
    broken = compatibility(old, Schema("Order", [Field("items", 1, item3, repeated=True)]))
    assert [(v.field, v.rule) for v in broken.violations] == [
        ("Order.items.sku", "FIELD_WIRE_COMPATIBLE_TYPE")]
    seen = read_across(old, Schema("Order", [Field("items", 1, item3, repeated=True)]),
                       {"items": [{"sku": "A-1", "qty": 2}]})
    assert seen.read == {"items": [{"sku": 0, "qty": 2}]} and seen.lost == ()
    assert seen.misread == ("items",)
    assert rules(Schema("O", [Field("a", 1, item)]), Schema("O", [Field("a", 1, "bytes")])) == {
        "FIELD_WIRE_COMPATIBLE_TYPE": BOTH}


def test_modes_select_the_directions() -> None:
    old, new = one("n", 2, "int32"), one("n", 2, "int64")
    assert compatibility(old, new, "BACKWARD").holds
    assert not compatibility(old, new, Mode.FORWARD).holds
    assert not compatibility(old, new, "FULL").holds
    backward = compatibility(old, new)
    assert backward.mode is Mode.BACKWARD
    assert [v.rule for v in backward.warnings] == ["FIELD_WIRE_COMPATIBLE_TYPE"]
    assert Mode.FULL.directions == BOTH and Mode.FORWARD.directions == (Mode.FORWARD,)


def test_the_verdict_cites_the_protocol() -> None:
    verdict = compatibility(one("email", 2, "string"), one("phone", 2, "string")).verdict()
    assert verdict.statement is get(Kind.PROTOCOL, "5.2.2")
    assert not verdict.holds
    assert [(w.what, w.involves) for w in verdict.witnesses] == [
        ("FIELD_SAME_NAME", ("M.phone",))]
    json_verdict = compatibility(one("n", 2, "int32"), one("n", 2, "int32"), json=True).verdict()
    assert json_verdict.statement is get(Kind.PROTOCOL, "5.2.1") and json_verdict.holds
    text = str(compatibility(one("email", 2, "string"), one("phone", 2, "string")))
    assert text.splitlines()[0] == ("M: new version incompatible in BACKWARD mode for "
                                    "protobuf readers, 1 violation, 0 warnings.")


def test_every_rule_example_shows_its_misreading() -> None:
    examples = rule_examples()
    assert [e.rule for e in examples] == [
        "FIELD_SAME_NAME", "FIELD_SAME_NUMBER", "FIELD_WIRE_COMPATIBLE_TYPE",
        "FIELD_WIRE_COMPATIBLE_TYPE", "FIELD_WIRE_COMPATIBLE_TYPE",
        "FIELD_WIRE_COMPATIBLE_CARDINALITY", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"]
    reads = [e.reading.read for e in examples]
    assert all(r is not None for r in reads)
    assert reads[0] is not None and reads[0]["coupon_code"] == "leave at the door"
    assert reads[2] is not None and reads[2]["customer_id"] == ""
    assert reads[3] is not None and reads[3]["customer_id"] == 1  # 2**53 + 1 in 32 bits
    assert reads[4] is not None and reads[4]["total_cents"] == 5_000_000_000 - 2**32
    assert reads[5] is not None and reads[5]["tags"] == "express"
    assert [e.reading.faithful for e in examples] == [False] * 6 + [True]
    assert [e.direction for e in examples] == [Mode.BACKWARD] * 4 + [Mode.FORWARD] + [
        Mode.BACKWARD] * 2
    for example in examples:
        assert example.violation.rule == example.rule
        assert compatibility(example.old, example.new, example.direction).holds == (
            example.reading.faithful)


# -- every pair of types, exhaustively -------------------------------------------------------

EDGES: dict[str, list[Any]] = {
    **{kind: [v for v in (0, 1, 2, -1, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32 - 1, 2**32,
                          2**53 + 1, 2**63 - 1, -2**63, 2**64 - 1)
              if low <= v <= high] for kind, (low, high) in RANGES.items()},
    "bool": [False, True], "float": [0.0, 0.5, -1.5, 3.0e38], "double": [0.0, 0.1, -2.5, 1e300],
    "string": ["", "abcd", "é"], "bytes": [b"", b"ok", b"\xff"],
}


@pytest.mark.parametrize("writer", KINDS)
def test_a_type_change_is_compatible_exactly_when_every_value_reads_back(writer: str) -> None:
    for reader in KINDS:
        for repeated in ((False, False), (False, True), (True, False), (True, True)):
            old, new = one("n", 2, writer, repeated[0]), one("n", 2, reader, repeated[1])
            for form, json in (("protobuf", False), ("json", True)):
                faithful = all(
                    read_across(old, new, {"n": [v, v] if repeated[0] else v},
                                format=form).faithful
                    and (not json or read_across(old, new, {"n": [v, v] if repeated[0] else v},
                                                 format="protobuf").faithful)
                    for v in EDGES[writer])
                holds = compatibility(old, new, Mode.BACKWARD, json=json).holds
                assert holds == faithful, (writer, reader, repeated, form)


# -- bad input ------------------------------------------------------------------------------

def test_bad_arguments_are_refused() -> None:
    schema = one("n", 2, "int32")
    with pytest.raises(TheoryError, match="compatibility: mode must be one of BACKWARD, "
                                          "FORWARD, FULL, not 'SIDEWAYS'"):
        compatibility(schema, schema, "SIDEWAYS")
    with pytest.raises(TheoryError, match="compatibility: new must be a Schema"):
        compatibility(schema, "M")  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="compatibility: json must be a bool"):
        compatibility(schema, schema, json=1)  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="read_across: format must be 'protobuf' or 'json'"):
        read_across(schema, schema, {}, format="xml")
    with pytest.raises(TheoryError, match="M has no field 'x'"):
        read_across(schema, schema, {"x": 1})
    assert isinstance(compatibility(schema, schema).violations, tuple)
    assert Violation("M.n", "R", (), "d") < Violation("M.n", "S", (), "d")


# -- the property: a compatible change loses nothing --------------------------------------

NAMES = ("a", "b", "c", "d", "e", "f")
INNER = Schema("Inner", [Field("x", 1, "int32"), Field("y", 2, "string")])
INNER_WIDER = Schema("InnerWider", [Field("x", 1, "int64"), Field("y", 2, "bytes"),
                                    Field("z", 3, "bool")])
INNER_OTHER = Schema("InnerOther", [Field("x", 1, "sint32"), Field("w", 2, "string")])
NESTED = st.sampled_from([INNER, INNER_WIDER, INNER_OTHER])
TYPES = st.sampled_from(KINDS) | NESTED
#: Changes that protobuf's guide says keep every value: a reader of the second type
#: reads every value of the first.
WIDER: dict[str | Schema, list[str | Schema]] = {
    "int32": ["int64"], "uint32": ["int64", "uint64"], "sint32": ["sint64"],
    "bool": ["int32", "int64", "uint32", "uint64"], "string": ["bytes"],
    INNER: [INNER_WIDER],
}
NARROWER: dict[str | Schema, list[str | Schema]] = {}
for _narrow, _wides in WIDER.items():
    for _wide in _wides:
        NARROWER.setdefault(_wide, []).append(_narrow)
NEIGHBOURS = set(WIDER) | set(NARROWER)


@st.composite
def versions(draw: st.DrawFn) -> tuple[Schema, Schema]:
    """A schema and a second version made by a few edits of the kinds teams make."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    numbers = draw(st.permutations(range(1, 8)))[:len(names)]
    kinds = st.sampled_from(sorted(NEIGHBOURS, key=str)) | st.sampled_from(KINDS)
    fields = {n: Field(n, k, draw(kinds), draw(st.booleans()))
              for n, k in zip(names, numbers, strict=False)}
    old = Schema("M", fields.values())
    new = dict(fields)
    reserved: set[int] = set()
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["widen", "narrow", "retype", "widen", "narrow", "renest",
                                     "rename", "renumber", "cardinality", "delete", "add"]))
        if not new and edit != "add":
            continue
        name = draw(st.sampled_from(sorted(new))) if new else ""
        used = {f.number for f in new.values()} | reserved
        free_numbers = [k for k in range(1, 9) if k not in used]
        free_names = [n for n in NAMES if n not in new]
        if edit == "retype":
            f = new[name]
            new[name] = Field(name, f.number, draw(TYPES), f.repeated)
        elif edit in ("widen", "narrow"):
            f = new[name]
            choices = (WIDER if edit == "widen" else NARROWER).get(f.type, [])
            if choices:
                new[name] = Field(name, f.number, draw(st.sampled_from(choices)), f.repeated)
        elif edit == "renest" and isinstance(new[name].type, Schema):
            f = new[name]
            new[name] = Field(name, f.number, draw(NESTED), f.repeated)
        elif edit == "rename" and free_names:
            f = new.pop(name)
            fresh = draw(st.sampled_from(free_names))
            new[fresh] = Field(fresh, f.number, f.type, f.repeated)
        elif edit == "renumber" and free_numbers:
            f = new[name]
            new[name] = Field(name, draw(st.sampled_from(free_numbers)), f.type, f.repeated)
        elif edit == "cardinality":
            f = new[name]
            new[name] = Field(name, f.number, f.type, not f.repeated)
        elif edit == "delete":
            f = new.pop(name)
            if draw(st.booleans()):
                reserved.add(f.number)
        elif edit == "add" and free_names and free_numbers:
            fresh = draw(st.sampled_from(free_names))
            new[fresh] = Field(fresh, draw(st.sampled_from(free_numbers)), draw(TYPES),
                               draw(st.booleans()))
    reserved -= {f.number for f in new.values()}
    return old, Schema("M", new.values(), reserved=reserved)


@settings(max_examples=200)
@given(versions(), st.data())
def test_backward_compatible_means_new_readers_lose_nothing_of_old_data(
        pair: tuple[Schema, Schema], data: st.DataObject) -> None:
    old, new = pair
    values: dict[str, Any] = data.draw(message_values(old))
    if compatibility(old, new, Mode.BACKWARD).holds:
        seen = read_across(old, new, values)
        assert seen.faithful, (seen.error, seen.lost, seen.misread)


@settings(max_examples=200)
@given(versions(), st.data())
def test_forward_compatible_means_old_readers_lose_nothing_of_new_data(
        pair: tuple[Schema, Schema], data: st.DataObject) -> None:
    old, new = pair
    values: dict[str, Any] = data.draw(message_values(new))
    if compatibility(old, new, Mode.FORWARD).holds:
        seen = read_across(new, old, values)
        assert seen.faithful, (seen.error, seen.lost, seen.misread)


@settings(max_examples=150)
@given(versions(), st.data())
def test_json_compatible_means_json_readers_lose_nothing(
        pair: tuple[Schema, Schema], data: st.DataObject) -> None:
    old, new = pair
    values: dict[str, Any] = data.draw(message_values(old))
    if compatibility(old, new, Mode.BACKWARD, json=True).holds:
        for form in ("protobuf", "json"):
            seen = read_across(old, new, values, format=form)
            assert seen.faithful, (form, seen.error, seen.lost, seen.misread)


@settings(max_examples=100)
@given(versions())
def test_the_verdict_is_the_two_directions_together(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    full = compatibility(old, new, Mode.FULL)
    assert full.holds == (compatibility(old, new, Mode.BACKWARD).holds
                          and compatibility(old, new, Mode.FORWARD).holds)
    assert compatibility(old, old, Mode.FULL, json=True).violations == ()
    assert set(full.violations) | set(full.warnings) == set(
        compatibility(old, new, Mode.BACKWARD).violations
        + compatibility(old, new, Mode.BACKWARD).warnings)
