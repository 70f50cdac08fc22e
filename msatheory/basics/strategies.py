"""Hypothesis strategies that generate chapter 1 models, for properties in tests and notebooks."""

from __future__ import annotations

from hypothesis import strategies as st

from msatheory.basics.model import Architecture, Call, Service

__all__ = ["architectures", "calls_to"]


def calls_to(callee: str) -> st.SearchStrategy[str | Call]:
    """A call to ``callee``: mostly a bare name (a hard sync call), else a soft sync call,
    an async call, a sync call with only a timeout or with retries (still hard), or a
    monitoring call."""
    return st.one_of(
        st.just(callee), st.just(callee),
        st.just(Call(callee, timeout=0.5, fallback="cached")),
        st.just(Call(callee, kind="async")),
        st.just(Call(callee, timeout=1.0, retries=2)),
        st.just(Call(callee, kind="monitoring")),
    )


@st.composite
def architectures(draw: st.DrawFn, max_services: int = 8, acyclic: bool = False) -> Architecture:
    """Architectures of 1 to ``max_services`` services named s0, s1, ...

    Calls (hard and soft, :func:`calls_to`), topics, data stores (from a small shared
    pool, so sharing happens),
    deployment units, replicas and exposure are all drawn. With ``acyclic``, a
    service only calls services with a higher number, so there is no call cycle.
    """
    n = draw(st.integers(min_value=1, max_value=max_services))
    names = [f"s{i}" for i in range(n)]
    topics = st.lists(st.sampled_from(["t0", "t1", "t2"]), unique=True, max_size=2).map(tuple)
    services = []
    for i, name in enumerate(names):
        callees = names[i + 1:] if acyclic else names[:i] + names[i + 1:]
        services.append(
            Service(
                name,
                calls=tuple(draw(calls_to(c)) for c in draw(
                    st.lists(st.sampled_from(callees), unique=True, max_size=3)))
                if callees else (),
                publishes=draw(topics),
                subscribes=draw(topics),
                datastores=draw(
                    st.lists(st.sampled_from([f"d{j}" for j in range(4)]), unique=True,
                             max_size=2).map(tuple)
                ),
                technology=draw(st.sampled_from(["go", "java", "python", "node"])),
                replicas=draw(st.integers(min_value=0, max_value=3)),
                exposed=draw(st.booleans()),
                deployment=draw(st.sampled_from([name, name, "shared-unit"])),
            )
        )
    return Architecture(services, name="generated")
