"""The operation codes a client sends to the daemon, one u64 before each request.

The numbers are those of C++ Nix 2.26's ``WorkerProto::Op``. Some are obsolete but still
served (QueryPathHash, ExportPath...); 24 and 25 are answered "Removed operation"; numbers not
listed (2, 15, 17, above 47) "invalid operation".
"""

from __future__ import annotations

import enum

__all__ = ["Op"]


class Op(enum.IntEnum):
    IS_VALID_PATH = 1
    HAS_SUBSTITUTES = 3  # obsolete
    QUERY_PATH_HASH = 4  # obsolete
    QUERY_REFERENCES = 5  # obsolete
    QUERY_REFERRERS = 6
    ADD_TO_STORE = 7
    ADD_TEXT_TO_STORE = 8  # obsolete since 1.25: AddToStore does it
    BUILD_PATHS = 9
    ENSURE_PATH = 10
    ADD_TEMP_ROOT = 11
    ADD_INDIRECT_ROOT = 12
    SYNC_WITH_GC = 13  # obsolete: does nothing
    FIND_ROOTS = 14
    EXPORT_PATH = 16  # obsolete
    QUERY_DERIVER = 18  # obsolete: QueryPathInfo has the deriver
    SET_OPTIONS = 19
    COLLECT_GARBAGE = 20
    QUERY_SUBSTITUTABLE_PATH_INFO = 21
    QUERY_DERIVATION_OUTPUTS = 22  # obsolete
    QUERY_ALL_VALID_PATHS = 23
    QUERY_FAILED_PATHS = 24  # removed
    CLEAR_FAILED_PATHS = 25  # removed
    QUERY_PATH_INFO = 26
    IMPORT_PATHS = 27  # obsolete
    QUERY_DERIVATION_OUTPUT_NAMES = 28  # obsolete
    QUERY_PATH_FROM_HASH_PART = 29
    QUERY_SUBSTITUTABLE_PATH_INFOS = 30
    QUERY_VALID_PATHS = 31
    QUERY_SUBSTITUTABLE_PATHS = 32
    QUERY_VALID_DERIVERS = 33
    OPTIMISE_STORE = 34
    VERIFY_STORE = 35
    BUILD_DERIVATION = 36
    ADD_SIGNATURES = 37
    NAR_FROM_PATH = 38
    ADD_TO_STORE_NAR = 39
    QUERY_MISSING = 40
    QUERY_DERIVATION_OUTPUT_MAP = 41
    REGISTER_DRV_OUTPUT = 42
    QUERY_REALISATION = 43
    ADD_MULTIPLE_TO_STORE = 44
    ADD_BUILD_LOG = 45
    BUILD_PATHS_WITH_RESULTS = 46
    ADD_PERM_ROOT = 47
