"""NARs over castore: rendered from a root node on demand, and ingested into castore.

- :mod:`~tvix_store.nar.renderer`: a node's NAR as a stream, from any offset, and its hash;
- :mod:`~tvix_store.nar.ingest`: a NAR stream stored as blobs and directories, checked.
"""

from tvix_store.nar.ingest import IngestedNar, ingest_nar
from tvix_store.nar.renderer import NarCalculator, RenderedNar, calculate_nar, render_nar

__all__ = [
    "IngestedNar",
    "NarCalculator",
    "RenderedNar",
    "calculate_nar",
    "ingest_nar",
    "render_nar",
]
