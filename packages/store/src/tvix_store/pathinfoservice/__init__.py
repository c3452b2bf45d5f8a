"""PathInfo services: the protocol, and the memory, sqlite, gRPC and combinator backends.

Each backend lives in a module of its own; ``registration`` makes them known to castore's
composition under the family ``pathinfoservices``.
"""

from tvix_store.pathinfoservice.service import NarCalculationService, PathInfoService

__all__ = ["NarCalculationService", "PathInfoService"]
