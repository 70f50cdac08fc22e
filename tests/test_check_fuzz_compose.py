"""Fuzzing the compose importer: generated compose files, alone and merged, and the .env files
and interpolation they use."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msatheory.check.compose import import_compose_files
from msatheory.check.environment import Variable, interpolate, parse_dotenv
from msatheory.check.report import check_system
from msatheory.check.source import parse
from msatheory.errors import TheoryError
from tests.fuzz_helpers import (
    FEWER,
    FUZZ,
    documents,
    dump,
    hosts,
    images,
    names,
    sometimes,
    survives,
)

pytestmark = pytest.mark.fuzz  # make fuzz runs them; make check runs both sets

environment = st.one_of(
    st.dictionaries(st.sampled_from(["DB_HOST", "ORDERS_URL", "X", "BROKERS",
                                     "KAFKA_DEFAULT_REPLICATION_FACTOR", "REDIS_MASTER_HOST",
                                     "REDIS_REPLICATION_MODE", "discovery.type"]),
                    st.one_of(hosts, st.integers(), st.none())),
    st.lists(st.builds("{}={}".format, st.sampled_from(
        ["DB_HOST", "URL", "A", "KAFKA_CFG_MIN_INSYNC_REPLICAS", "MONGODB_PRIMARY_HOST",
         "MONGODB_REPLICA_SET_MODE"]), st.one_of(hosts, st.sampled_from(
             ["3", "-1", "three", "slave", "secondary", "single-node"])))),
)
compose = st.fixed_dictionaries(
    {"services": st.dictionaries(names, st.fixed_dictionaries({}, optional={
        "image": sometimes(images), "environment": sometimes(environment),
        "command": sometimes(st.one_of(hosts, st.lists(st.one_of(hosts, st.just("-h"))))),
        "entrypoint": sometimes(st.lists(hosts, max_size=2)),
        "depends_on": sometimes(st.one_of(st.lists(names), st.dictionaries(
            names, st.fixed_dictionaries({"condition": st.just("service_healthy")})))),
        "links": sometimes(st.lists(st.one_of(names, st.just("db:database")))),
        "ports": sometimes(st.lists(st.one_of(st.sampled_from(["80", "8080:80", "1-3:1-3"]),
                                              st.integers(), st.fixed_dictionaries(
                                                  {"target": st.integers(),
                                                   "published": st.integers()})))),
        "healthcheck": sometimes(st.fixed_dictionaries({}, optional={
            "test": st.one_of(st.just(["NONE"]), st.just(["CMD", "true"]), st.text()),
            "disable": st.booleans()})),
        "hostname": sometimes(names), "container_name": sometimes(names),
        "networks": sometimes(st.one_of(st.lists(names), st.dictionaries(
            names, st.one_of(st.none(), st.fixed_dictionaries({}, optional={
                "aliases": st.lists(names),
                "ipv6_address": st.sampled_from(["fd00::2", "fd00::3", "x"])}))))),
        "deploy": sometimes(st.fixed_dictionaries({"replicas": st.integers(-1, 4)})),
        "scale": sometimes(st.one_of(st.integers(-1, 4), st.sampled_from(["3", "³", "9" * 40]))),
        "env_file": sometimes(st.one_of(names, st.lists(st.one_of(
            names, st.fixed_dictionaries({"path": names, "required": st.booleans()}))))),
    }), min_size=1, max_size=6)},
    optional={"version": st.just("3"), "name": sometimes(names)},
)


@FUZZ
@given(document=compose)
def test_generated_compose_files(document):
    survives(dump(document, False))


@FEWER
@given(first=compose, second=st.one_of(compose, documents))
def test_merged_compose_files(first, second):
    try:
        system = import_compose_files([parse(dump(first, False), "a.yaml"),
                                       parse(dump(second, False), "b.yaml")])
    except TheoryError as error:
        assert all(line.startswith(("a.yaml: ", "b.yaml: ")) for line in str(error).splitlines())
        return
    json.dumps(check_system(system).as_dict())


DOTENV = st.text(alphabet="AB_=:#'\"\\$ {}-+?\nx1\t.", max_size=80)


@FUZZ
@given(text=st.one_of(DOTENV, st.text(max_size=40)))
def test_dotenv_files_are_read_or_refused_by_line(text):
    try:
        found = parse_dotenv(text, "x.env")
    except TheoryError as error:
        assert str(error).startswith("x.env: line ") and "\n" not in str(error)
        return
    assert all(v.origin.startswith("x.env line ") for v in found.values())


@FUZZ
@given(text=DOTENV, values=st.dictionaries(st.sampled_from(["A", "B", "A_1"]),
                                            st.text(alphabet="ab$", max_size=3)))
def test_interpolation_substitutes_what_it_can_and_keeps_the_rest(text, values):
    variables = {k: Variable(v, "t") for k, v in values.items()}
    result = interpolate(text, variables)
    if "$" not in text:
        assert result.value == text
    assert all(name not in values and name in text for name in result.unset)
    assert all(used.split(" from ")[0] in values for used in result.used)
    assert interpolate(text.replace("$", "$$"), variables).value == text  # $$ escapes
