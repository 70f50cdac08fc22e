"""Fuzzing the Kubernetes importer: generated manifests, in one file and split over two."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.report import check_system
from msatheory.check.source import Source, parse
from msatheory.errors import TheoryError
from tests.fuzz_helpers import FEWER, FUZZ, dump_all, hosts, images, names, sometimes, survives

pytestmark = pytest.mark.fuzz  # make fuzz runs them; make check runs both sets

labels = st.dictionaries(st.sampled_from(["app", "tier"]), names, max_size=2)
metadata = st.fixed_dictionaries({"name": sometimes(names)},
                                 optional={"namespace": sometimes(names),
                                           "labels": sometimes(labels)})
container = st.fixed_dictionaries({"name": names}, optional={
    "image": sometimes(images),
    "env": sometimes(st.lists(st.fixed_dictionaries({"name": names}, optional={
        "value": sometimes(hosts), "valueFrom": sometimes(st.fixed_dictionaries({}, optional={
            "configMapKeyRef": st.fixed_dictionaries({"name": names, "key": names}),
            "secretKeyRef": st.fixed_dictionaries({"name": names, "key": names},
                                                  optional={"optional": st.booleans()})}))}),
        max_size=3)),
    "envFrom": sometimes(st.lists(st.fixed_dictionaries({}, optional={
        "configMapRef": st.fixed_dictionaries({"name": names}),
        "secretRef": st.fixed_dictionaries({"name": names}), "prefix": names}), max_size=2)),
    "args": sometimes(st.lists(hosts, max_size=3)),
    "command": sometimes(st.lists(hosts, max_size=2)),
    "readinessProbe": sometimes(st.just({"httpGet": {"path": "/", "port": 80}})),
    "livenessProbe": sometimes(st.just({"tcpSocket": {"port": 80}})),
})
workload = st.fixed_dictionaries({
    "apiVersion": st.just("apps/v1"),
    "kind": st.sampled_from(["Deployment", "StatefulSet", "DaemonSet"]),
    "metadata": sometimes(metadata),
    "spec": sometimes(st.fixed_dictionaries({}, optional={
        "replicas": sometimes(st.integers(0, 3)),
        "selector": sometimes(st.fixed_dictionaries({"matchLabels": labels})),
        "template": sometimes(st.fixed_dictionaries({
            "metadata": sometimes(st.fixed_dictionaries({"labels": labels})),
            "spec": sometimes(st.fixed_dictionaries({}, optional={
                "containers": sometimes(st.lists(container, min_size=1, max_size=2)),
                "initContainers": sometimes(st.lists(container, max_size=2))}))}))})),
})
service = st.fixed_dictionaries({
    "apiVersion": st.just("v1"), "kind": st.just("Service"), "metadata": sometimes(metadata),
    "spec": sometimes(st.fixed_dictionaries({}, optional={
        "selector": sometimes(labels),
        "type": sometimes(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"])),
        "ports": sometimes(st.lists(st.fixed_dictionaries({"port": st.integers(0, 70000)})))})),
})
ingress = st.fixed_dictionaries({
    "apiVersion": st.just("networking.k8s.io/v1"), "kind": st.just("Ingress"),
    "metadata": sometimes(metadata),
    "spec": sometimes(st.fixed_dictionaries({}, optional={
        "defaultBackend": sometimes(st.fixed_dictionaries({"service": st.fixed_dictionaries(
            {"name": names})})),
        "rules": sometimes(st.lists(st.fixed_dictionaries({"http": st.fixed_dictionaries(
            {"paths": st.lists(st.fixed_dictionaries({"backend": st.fixed_dictionaries(
                {"service": st.fixed_dictionaries({"name": sometimes(names)})})}))})})))})),
})
config = st.fixed_dictionaries({
    "apiVersion": st.just("v1"), "kind": st.sampled_from(["ConfigMap", "Secret"]),
    "metadata": sometimes(metadata),
}, optional={"data": sometimes(st.dictionaries(names, st.one_of(hosts, st.sampled_from(
    ["aHR0cDovL3dlYjo4MA==", "!!", "//8="])))),
    "stringData": sometimes(st.dictionaries(names, hosts))})
kubernetes = st.lists(st.one_of(workload, workload, service, ingress, config), min_size=1,
                      max_size=6)


@FUZZ
@given(documents=kubernetes)
def test_generated_kubernetes_manifests(documents):
    survives(dump_all(documents))


@FEWER
@given(documents=kubernetes, cut=st.integers(0, 6))
def test_kubernetes_manifests_split_over_files(documents, cut):
    parts = [documents[:cut], documents[cut:]]
    sources = [parse(dump_all(part), f"{i}.yaml") for i, part in enumerate(parts)
               if part]
    try:
        system = import_kubernetes(Source.combine("k8s", sources))
    except TheoryError as error:
        assert str(error).startswith(("0.yaml: ", "1.yaml: ", "k8s: "))
        return
    json.dumps(check_system(system).as_dict())
