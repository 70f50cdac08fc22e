"""Chapter 6, data management (数据管理理论): Def 6.1.1, Strategies 6.1.1-6.1.2, Def 6.2.1,
Strategies 6.2.1-6.2.2, Def 6.3.1, Strategies 6.3.1-6.3.2, and transactions across services.

* Def 6.1.1 (数据一致性): a :class:`History` of :class:`Operation` s on replicated keys, and
  checkers that judge it with a witness: :func:`check_linearizable` (Strategy 6.1.2, 强一致性;
  the Wing-Gong-Lowe search Knossos runs), :func:`check_sequential`, the session guarantees
  :func:`check_read_your_writes` and :func:`check_monotonic_reads`, and
  :func:`check_convergence` (Strategy 6.1.1, 最终一致性);
* partial quorums as PBS measures them: :func:`stale_probability` (exact) and
  :func:`t_visibility` (the WARS model), and a :class:`ReplicatedRegister` with N, R, W;
* Def 6.2.1 (数据分片) and Strategy 6.2.1 (水平分片): the :class:`Placement` s :class:`ModN`,
  :class:`HashRing` (ketama), :class:`JumpHash` (:func:`jump_hash`), :class:`Rendezvous` and
  :class:`RangeSharding`; :func:`horizontal_shards`; :func:`moved_fraction_mod_n`;
* Strategy 6.2.2 (垂直分片): a :class:`VerticalSplit` of an entity's columns and
  :func:`best_split` for a query mix;
* Def 6.3.1 (数据复制) and Strategy 6.3.1 (主从复制): a :class:`PrimaryReplicaGroup`,
  asynchronous, semi-synchronous or synchronous, with failover, and :func:`failover_loss`;
* Strategy 6.3.2 (对等复制): :class:`VersionVector` s and the CRDTs :class:`GCounter`,
  :class:`PNCounter`, :class:`ORSet` and :class:`LWWRegister`;
* transactions across services: a :class:`Saga` with compensations,
  :func:`check_semantic_atomicity` and :func:`find_dirty_reads`;
* ``msatheory check`` on data stores: :func:`check_replication` reports each store's copies;
* the theory's Go ``DataManager`` as written (:mod:`.sketch`), and its :data:`ERRATA`.

The package exports the model and its checkers. Simulations, sketches, latency profiles and
generators are imported from their modules: ``from msatheory.data.quorum import PRODUCTION``.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "STUBS",
    "GCounter",
    "HashRing",
    "History",
    "JumpHash",
    "LWWRegister",
    "ModN",
    "ORSet",
    "Operation",
    "PNCounter",
    "Placement",
    "PrimaryReplicaGroup",
    "RangeSharding",
    "Rendezvous",
    "ReplicatedRegister",
    "Saga",
    "VersionVector",
    "VerticalSplit",
    "best_split",
    "check_convergence",
    "check_linearizable",
    "check_monotonic_reads",
    "check_read_your_writes",
    "check_replication",
    "check_semantic_atomicity",
    "check_sequential",
    "failover_loss",
    "find_dirty_reads",
    "horizontal_shards",
    "jump_hash",
    "moved_fraction_mod_n",
    "stale_probability",
    "t_visibility",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the storage checker, not mpmath (sharding) or hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "consistency": ("check_convergence", "check_linearizable", "check_monotonic_reads",
                    "check_read_your_writes", "check_sequential"),
    "crdt": ("GCounter", "LWWRegister", "ORSet", "PNCounter"),
    "errata": ("ERRATA", "STUBS"),
    "history": ("History", "Operation"),
    "peers": ("VersionVector",),
    "quorum": ("ReplicatedRegister", "stale_probability", "t_visibility"),
    "replication": ("PrimaryReplicaGroup", "failover_loss"),
    "saga": ("Saga", "check_semantic_atomicity", "find_dirty_reads"),
    "sharding": ("HashRing", "JumpHash", "ModN", "Placement", "RangeSharding", "Rendezvous",
                 "horizontal_shards", "jump_hash", "moved_fraction_mod_n"),
    "storage": ("check_replication",),
    "vertical": ("VerticalSplit", "best_split"),
})
