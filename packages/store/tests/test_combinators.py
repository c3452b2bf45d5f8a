"""The PathInfo services made of others: priority list, first answer wins, signing."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tvix_castore.composition import Composition
from tvix_castore.errors import CompositionError
from tvix_store.errors import PathInfoServiceError
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.combinators import (
    FirstAnswerPathInfoService,
    PriorityPathInfoService,
    SigningPathInfoService,
)
from tvix_store.pathinfoservice.memory import MemoryPathInfoService
from tvix_store.pathinfoservice.registration import path_info_service
from tvix_store.pathinfoservice.service import PathInfoService
from tvix_store.testing import PathInfoServiceTests, sample_key, sample_path_info


class TestPriority(PathInfoServiceTests):
    def make_service(self) -> PathInfoService:
        return PriorityPathInfoService([MemoryPathInfoService(), MemoryPathInfoService()])


class TestFirstAnswer(PathInfoServiceTests):
    def make_service(self) -> PathInfoService:
        return FirstAnswerPathInfoService([MemoryPathInfoService(), MemoryPathInfoService()])


class TestSigning(PathInfoServiceTests):
    def make_service(self) -> PathInfoService:
        return _ResigningView(MemoryPathInfoService())


class _ResigningView(SigningPathInfoService):
    """The conformance tests compare what they put with what they get: hand them back the
    PathInfo as put, having checked the signature was added."""

    def __init__(self, inner: PathInfoService):
        super().__init__(inner, sample_key("signer-1"))

    def put(self, info: PathInfo) -> PathInfo:
        return self._unsigned(super().put(info))

    def get(self, digest: bytes) -> PathInfo | None:
        info = super().get(digest)
        return None if info is None else self._unsigned(info)

    def _unsigned(self, info: PathInfo) -> PathInfo:
        assert info.valid_signatures([self.key.verifying_key])
        unsigned = tuple(s for s in info.signatures if s.key_name != "signer-1")
        return dataclasses.replace(info, signatures=unsigned)


class _Failing(MemoryPathInfoService):
    def get(self, digest: bytes) -> PathInfo | None:
        raise PathInfoServiceError("failing", "broken on purpose")

    def list(self) -> Iterator[PathInfo]:
        raise PathInfoServiceError("failing", "cannot list")


class _Blocking(MemoryPathInfoService):
    """Never answers until released: first answer wins must not wait for it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get(self, digest: bytes) -> PathInfo | None:
        self.release.wait()
        return None


def test_priority_asks_in_order_and_puts_to_the_first() -> None:
    first, second = MemoryPathInfoService(), MemoryPathInfoService()
    older = sample_path_info(seed=1)
    newer = sample_path_info(seed=1, nar_size=99)
    first.put(newer)
    second.put(older)
    service = PriorityPathInfoService([first, second])
    assert service.get(newer.store_path.digest) == newer
    only_second = sample_path_info("only-second")
    second.put(only_second)
    assert service.get(only_second.store_path.digest) == only_second
    service.put(sample_path_info("put"))
    assert first.get(sample_path_info("put").store_path.digest) is not None
    assert second.get(sample_path_info("put").store_path.digest) is None


def test_first_answer_does_not_wait_for_a_slow_service() -> None:
    blocking, fast = _Blocking(), MemoryPathInfoService()
    info = sample_path_info()
    fast.put(info)
    service = FirstAnswerPathInfoService([blocking, fast])
    try:
        assert service.get(info.store_path.digest) == info
    finally:
        blocking.release.set()
        service.close()


def test_first_answer_errors_only_when_no_one_has_it() -> None:
    info = sample_path_info()
    having = MemoryPathInfoService()
    having.put(info)
    assert FirstAnswerPathInfoService([_Failing(), having]).get(info.store_path.digest) == info
    with pytest.raises(PathInfoServiceError, match="broken on purpose"):
        FirstAnswerPathInfoService([_Failing(), MemoryPathInfoService()]).get(bytes(20))
    assert list(PriorityPathInfoService([_Failing(), having]).list()) == [info]


def test_descriptions_of_the_combinators(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text(sample_key("signer-1").to_text())
    composition = Composition(
        {
            "pathinfoservices": {
                "root": {"type": "keyfile-signing", "inner": "either", "keyfile": str(key)},
                "either": {"type": "first-answer", "services": ["ordered", "b"]},
                "ordered": {"type": "priority", "services": ["a", "b"]},
                "a": {"type": "memory"},
                "b": {"type": "memory"},
            }
        }
    )
    service = path_info_service(composition)
    info = sample_path_info(signatures=())
    service.put(info)
    stored = path_info_service(composition, "a").get(info.store_path.digest)
    assert stored is not None and stored.valid_signatures([sample_key("signer-1").verifying_key])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "priority", "services": []}, "must be a list of service names"),
        ({"type": "priority", "services": "a"}, "must be a list of service names"),
        ({"type": "first-answer", "services": ["nope"]}, "no such service"),
        ({"type": "keyfile-signing", "inner": "x", "keyfile": "/nonexistent"}, "No such file"),
    ],
)
def test_bad_combinator_descriptions(spec: dict[str, object], message: str) -> None:
    with pytest.raises(CompositionError, match=message):
        path_info_service(Composition({"pathinfoservices": {"root": spec}}))
