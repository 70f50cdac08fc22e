"""Chapter 6's errata (msatheory.data.errata): each found by its search, described, and
kept by the corrected model."""

from __future__ import annotations

import importlib

import pytest

from msatheory.data import errata
from msatheory.data.errata import ERRATA, STUBS

CHAPTER_6_ERRATA = {
    "6.map-order-shard": ((3, 2), ("3 shards", "the write went to shard-3",
                                    "the reads to shard-3, shard-2",
                                    "answering 1, key not found: user:42")),
    "6.mod-n-moves": (2, ("1000 keys on 2 shards", "at most 0.378", "0.677 move",
                          "2/3 of all hash values")),
    "6.fire-and-forget": ((2, 2), ("quorum 2", "acknowledged with 1 copy",
                                   "shard-1/r2 died unrun", "0 survivors")),
    "6.primary-unchecked": (["fail primary", "write"], (
        "user:42=1 acknowledged [shard-1/r1, Unhealthy]", "nothing promotes")),
    "6.eventual-goes-back": (["write", "read", "fail primary", "read"], (
        "read: user:42=1 [shard-1/r1, Healthy]", 'error "no healthy replica available"',
        "read user:42=1 and then user:42's initial value",
        "concurrent map read and map write")),
    "6.unordered-replication": ((2, [2, 1]), ("run in the order 2, 1",
                                               "shard-1/r1 holds 2; shard-1/r2 holds 1",
                                               "concurrent map writes")),
}


def test_chapter_6_has_these_errata_and_no_stubs():
    assert [e.key for e in ERRATA] == list(CHAPTER_6_ERRATA)
    assert STUBS == ()


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_finds_its_smallest_counterexample(erratum):
    example, fragments = CHAPTER_6_ERRATA[erratum.key]
    assert erratum.find() == example
    text = str(erratum.describe(example))
    for fragment in fragments:
        assert fragment in text


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_the_corrected_model_keeps_the_property(erratum):
    assert erratum.verify_corrected()


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_is_well_formed(erratum):
    assert erratum.key.startswith("6.") and erratum.concerns.startswith("Go DataManager.")
    assert erratum.wrong.endswith(".") and erratum.breaks.__doc__.startswith("Property: ")
    module, _, name = erratum.corrected_by.split(" ")[0].rpartition(".")
    assert hasattr(importlib.import_module(module), name)


def test_the_sketch_is_fine_when_the_defects_are_not_touched():
    """Each property holds on inputs that avoid the defect: the errata are not artefacts
    of the harness."""
    assert not errata.map_order_misses((1, 8))
    assert not errata.mod_n_moves(1)
    assert not errata.acknowledged_short((3, 1))
    assert not errata.primary_serves_unhealthy(["write", "read", "replicate", "read"])
    assert not errata.reads_go_back(["write", "read", "write", "read", "read"])
    assert not errata.replicas_diverge((3, [1, 2, 3]))


def test_mod_n_moves_what_the_closed_form_says():
    for n in (1, 2, 3, 9):
        assert abs(errata.moved_mod_n(n) - n / (n + 1)) < 0.04


def test_the_goes_back_correction_needs_both_semi_sync_and_sticky_reads():
    """Sticky reads on an async group go back when the failover loses a write the client
    read; plain replica reads on a semi-sync group go back between replicas."""
    script = ["write", "read", "fail primary", "read"]
    assert errata.goes_back_in((script, 0), "async", "sticky")
    assert not errata.goes_back_in((script, 0), "semi-sync", "sticky")
    reads = ["write", "read", "read", "read"]
    assert errata.goes_back_in((reads, 15), "semi-sync", "replica")
    assert not errata.goes_back_in((reads, 15), "semi-sync", "sticky")


def test_run_script_records_what_the_client_saw():
    manager, steps, history = errata.run_script(["write", "replicate", "read"],
                                                strategy="eventual")
    assert [str(step) for step in steps] == [
        "write: user:42=1 acknowledged [shard-1/r1, Healthy]",
        f"replicate: {steps[1].outcome.split()[0]} gets user:42=1",
        "read: user:42=1 [shard-1/r1, Healthy]"]
    assert [(op.kind, op.value) for op in history] == [("write", 1), ("read", 1)]
    assert len(manager.goroutines.pending) == 1
