"""Building derivations through a build service (tvix-build) and registering what they made.

A derivation is built after the derivations it depends on, only when one of its outputs is
not yet in the store, with its whole input closure visible (every path the inputs refer to,
as C++ Nix's sandbox shows them). The outputs are registered only once the build succeeded
and, for a fixed-output derivation, its hash checked: each with its NAR hash and size, the
references found by scanning it (paths of the input closure and outputs of the same build)
and the derivation as deriver. A failed build registers nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tvix_eval.errors import NixError

if TYPE_CHECKING:
    from nix_compat.derivation.model import Derivation, FixedOutput
    from nix_compat.store_path import StorePath
    from tvix_build.buildservice.service import BuildService
    from tvix_build.errors import BuildFailed
    from tvix_castore.nodes import Node
    from tvix_store.pathinfo import PathInfo

    from tvix_glue.store_io import TvixStoreIO

__all__ = ["BuilderFailed", "DerivationBuilder"]

#: Log lines a failure shows, as C++ Nix shows the last of them.
LOG_LINES = 10


class BuilderFailed(NixError):
    """A build failed or could not run here. A command that builds what it was asked to
    (``tvix build``) exits with 100 then, as ``nix-build`` does; an evaluation that needed the
    build (import from derivation) fails as any evaluation error does."""

    exit_status = 1


class DerivationBuilder:
    """Builds derivations of ``io``'s store with ``service``."""

    def __init__(
        self,
        io: TvixStoreIO,
        service: BuildService,
        *,
        cores: int | None = None,
    ):
        self.io = io
        self.service = service
        self.cores = cores

    def build(self, drv_path: StorePath) -> None:
        """Make every output of ``drv_path`` valid, building what is needed first."""
        for path in self._order(drv_path):
            drv = self.io.known.derivation(path)
            if not all(self._valid(p) for p in _outputs(drv)):
                self._build_one(path, drv)

    def _order(self, root: StorePath) -> list[StorePath]:
        """``root`` and the derivations it needs, each after those it depends on."""
        order: list[StorePath] = []
        done: set[StorePath] = set()
        stack: list[tuple[StorePath, bool]] = [(root, False)]
        while stack:
            path, expanded = stack.pop()
            if path in done:
                continue
            if expanded:
                done.add(path)
                order.append(path)
                continue
            stack.append((path, True))
            drv = self.io.known.derivation(path)
            stack.extend((dep, False) for dep in sorted(drv.input_drvs) if dep not in done)
        return order

    def _valid(self, path: StorePath) -> bool:
        return self.io.path_info(path) is not None

    def _closure(self, drv: Derivation) -> dict[StorePath, Node]:
        """The paths the build sees: its sources, the outputs it uses, all they refer to."""
        start = set(drv.input_srcs)
        for dep, used in drv.input_drvs.items():
            outputs = self.io.known.derivation(dep).outputs
            for name in used.outputs:
                path = getattr(outputs.get(name), "path", None)
                if path is not None:
                    start.add(path)
        closure: dict[StorePath, Node] = {}
        pending = sorted(start)
        while pending:
            path = pending.pop()
            if path in closure:
                continue
            info = self.io.path_info(path)
            if info is None:
                shown = path.to_absolute_path(self.io.store_dir)
                raise NixError(f"path '{shown}' is not valid")
            closure[path] = info.node
            pending.extend(r for r in info.references if r not in closure)
        return closure

    def _build_one(self, drv_path: StorePath, drv: Derivation) -> None:
        from tvix_build.errors import BuildError, BuildFailed

        from tvix_glue.build_request import derivation_build_request

        shown = drv_path.to_absolute_path(self.io.store_dir)
        _check_host(shown, drv)
        inputs = self._closure(drv)
        request = derivation_build_request(
            drv, inputs, store_dir=self.io.store_dir, cores=self.cores
        )
        from tvix_eval.builtins.log import log

        log(f"building '{shown}'...")
        try:
            build = self.service.do_build(request)
        except BuildFailed as failed:
            raise _failure(shown, failed) from None
        except BuildError as exc:
            raise NixError(f"cannot build '{shown}': {exc}") from None
        produced = zip(build.outputs, build.outputs_needles, strict=True)
        by_path = dict(zip(request.outputs, produced, strict=True))
        candidates = {p.hash_part: p for p in inputs} | {o.hash_part: o for o in _outputs(drv)}
        infos = []
        for name, output in sorted(drv.outputs.items()):
            path = getattr(output, "path", None)
            assert path is not None
            node, found = by_path[path.to_absolute_path(self.io.store_dir).lstrip("/")]
            hits = (request.refscan_needles[i] for i in found)
            references = sorted(candidates[h] for h in hits if h in candidates)
            infos.append(self._path_info(drv_path, drv, name, path, node, references))
        for info in infos:
            self.io.store.path_infos.put(info)

    def _path_info(
        self,
        drv_path: StorePath,
        drv: Derivation,
        output: str,
        path: StorePath,
        node: Node,
        references: list[StorePath],
    ) -> PathInfo:
        from nix_compat.derivation.model import FixedOutput
        from tvix_store.nar.renderer import calculate_nar
        from tvix_store.pathinfo import PathInfo

        store = self.io.store
        nar_size, nar_sha256 = calculate_nar(node, store.blobs, store.directories)
        declared = drv.outputs[output]
        ca = None
        if isinstance(declared, FixedOutput):
            ca = declared.ca
            self._check_fixed(drv_path, declared, node, nar_sha256)
        return PathInfo(
            store_path=path,
            node=node,
            nar_size=nar_size,
            nar_sha256=nar_sha256,
            references=tuple(references),
            deriver=drv_path,
            ca=ca,
        )

    def _check_fixed(
        self, drv_path: StorePath, output: FixedOutput, node: Node, nar_sha256: bytes
    ) -> None:
        """The output is what the derivation's hash says, or C++ Nix's mismatch error."""
        from nix_compat.content_address import ContentAddressMethod
        from nix_compat.hash import NixHash
        from tvix_castore.nodes import FileNode
        from tvix_store.nar.renderer import nar_hash

        from tvix_glue.fetchers.fetch import fixed_output_mismatch

        expected = output.ca.hash
        store = self.io.store
        if output.ca.method == ContentAddressMethod.FLAT:
            if not isinstance(node, FileNode):
                raise NixError(f"fixed-output derivation '{drv_path}' produced a non-file output")
            with store.blobs.open_read(node.digest) as reader:
                got = NixHash.of_bytes(expected.algo, reader.read())
        else:
            got = nar_hash(node, expected.algo, store.blobs, store.directories, sha256=nar_sha256)
        if got != expected:
            raise fixed_output_mismatch(drv_path.to_absolute_path(self.io.store_dir), expected, got)


#: What this machine is and can do, as C++ Nix's ``system`` and ``system-features`` say by
#: default (``kvm`` where ``/dev/kvm`` is there).
HOST_SYSTEM = "x86_64-linux"


def _host_features() -> list[str]:
    import os

    features = ["benchmark", "big-parallel", "nixos-test", "uid-range"]
    return sorted([*features, "kvm"] if os.path.exists("/dev/kvm") else features)


def _check_host(shown: str, drv: Derivation) -> None:
    """Refuse, as C++ Nix does, a derivation for another system or needing features this
    machine does not have."""
    required = drv.env.get("requiredSystemFeatures", "").split()
    features = _host_features()
    if drv.system in (HOST_SYSTEM, "builtin") and all(f in features for f in required):
        return
    raise BuilderFailed(
        f"a '{drv.system}' with features {{{', '.join(sorted(set(required)))}}} is required to "
        f"build '{shown}', but I am a '{HOST_SYSTEM}' with features {{{', '.join(features)}}}"
    )


def _outputs(drv: Derivation) -> list[StorePath]:
    paths = [getattr(o, "path", None) for o in drv.outputs.values()]
    return [p for p in paths if p is not None]


def _failure(shown: str, failed: BuildFailed) -> BuilderFailed:
    """C++ Nix's words for a failed build, with the last lines of its log."""
    status = failed.status
    how = (
        f"failed due to signal {-status}"
        if status is not None and status < 0
        else f"failed with exit code {status}"
        if status is not None
        else f"failed: {failed.reason}"
    )
    message = f"builder for '{shown}' {how}"
    lines = failed.log.decode("utf-8", "replace").splitlines()[-LOG_LINES:]
    if lines:
        message += f";\nlast {len(lines)} log lines:\n" + "\n".join(f"> {line}" for line in lines)
    return BuilderFailed(message)
