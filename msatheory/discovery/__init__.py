"""Chapter 3, service discovery (服务发现理论): Def 3.1.1 and Def 3.1.2 so far.

A registry on a virtual clock whose registrations are leases.
"""

from msatheory.discovery.registry import (
    Instance,
    InstanceExists,
    InstanceNotFound,
    NoHealthyInstance,
    Registration,
    Registry,
    ServiceNotFound,
    Status,
)

__all__ = [
    "Instance",
    "InstanceExists",
    "InstanceNotFound",
    "NoHealthyInstance",
    "Registration",
    "Registry",
    "ServiceNotFound",
    "Status",
]
