"""Derivations the reference C++ Nix wrote: exact ATerm round trip, the JSON that
``nix derivation show`` prints, the output paths and ``.drv`` paths it computed, and the same
derivations rebuilt from nothing but their inputs, as ``builtins.derivation`` will."""

from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from nix_compat.cli import main
from nix_compat.derivation import (
    DeferredOutput,
    Derivation,
    DerivationHasher,
    FixedOutput,
    FloatingOutput,
    ImpureOutput,
    InputAddressedOutput,
    check_derivation,
    derivation_path,
    drv_name_from_path,
    fill_output_paths,
    from_json,
    output_paths,
    parse_aterm,
    show_json,
    to_json,
    write_aterm,
)
from nix_compat.errors import DerivationError
from nix_compat.store_path import StorePath

ref = importlib.import_module("drv_reference")

#: Every attribute of the reference set (the set's source names them; a test below checks).
NAMES = [
    "simple", "via-builtins", "fod-flat-sha256", "fod-nar-sha256", "fod-flat-sha1",
    "fod-nar-sha1", "fod-flat-sha512", "fod-nar-sha512", "fod-flat-md5", "fod-nar-md5",
    "fod-text", "fod-git", "structured", "many-outputs", "odd-env", "non-utf8", "srcs",
    "drvpath-ref", "chain", "fod-inputs", "long-name", "long-output", "odd-system",
    "empty-args", "floating", "deferred", "deferred-chain", "impure", "dynamic",
]  # fmt: skip


@pytest.fixture(scope="module")
def drvs(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ref.shared(oracle, tmp_path_factory)


def _store_path(path: str) -> StorePath:
    return StorePath.from_absolute_path(path)


def _loader(drvs: Any) -> Any:
    def load(path: StorePath) -> Derivation:
        return parse_aterm(drvs.data(path.to_absolute_path()), name=drv_name_from_path(path))

    return load


def _parse(drvs: Any, path: str) -> Derivation:
    return parse_aterm(drvs.data(path), name=drv_name_from_path(_store_path(path)))


def _out_path(drv: Derivation, output: str = "out") -> StorePath:
    """The path an output has in the file (input-addressed or fixed)."""
    value = drv.outputs[output]
    assert isinstance(value, InputAddressedOutput | FixedOutput) and value.path is not None
    return value.path


def test_the_reference_set_is_the_one_these_tests_name(drvs: Any) -> None:
    assert sorted(drvs.top) == sorted(NAMES)
    # Inputs add derivations the set does not name (chain links, fixed-output inputs).
    assert len(drvs.all_drvs) > len(NAMES)


def test_every_reference_drv_round_trips_byte_for_byte(drvs: Any) -> None:
    for path in drvs.all_drvs:
        data = drvs.data(path)
        assert write_aterm(_parse(drvs, path)) == data, path


def test_json_is_byte_for_byte_what_nix_derivation_show_prints(drvs: Any) -> None:
    shown = {_store_path(p): _parse(drvs, p) for p in drvs.all_drvs if p in drvs.show}
    assert len(shown) == len(drvs.all_drvs) - len(ref.NOT_JSON)
    ours = show_json(shown)
    assert json.loads(ours) == drvs.show
    assert ours + "\n" == drvs.show_text


@pytest.mark.parametrize("name", NAMES)
def test_output_paths_and_drv_path_are_the_references(drvs: Any, name: str) -> None:
    path = drvs.top[name]
    drv = _parse(drvs, path)
    hasher = DerivationHasher(_loader(drvs))
    check_derivation(drv, hasher, drv_path=_store_path(path))
    assert derivation_path(drv).to_absolute_path() == path
    computed = output_paths(drv, hasher)
    for output, value in drv.outputs.items():
        if isinstance(value, InputAddressedOutput | FixedOutput):
            assert computed[output] == value.path, (name, output)
            assert drv.env[output] == _out_path(drv, output).to_absolute_path()
        else:
            assert computed[output] is None, (name, output)


def test_every_input_derivation_checks_too(drvs: Any) -> None:
    hasher = DerivationHasher(_loader(drvs))
    for path in drvs.all_drvs:
        check_derivation(_parse(drvs, path), hasher, drv_path=_store_path(path))


def test_json_names_the_paths_the_reference_computed(drvs: Any) -> None:
    for path, shown in drvs.show.items():
        drv = _parse(drvs, path)
        paths = output_paths(drv, _loader(drvs))
        for output, value in shown["outputs"].items():
            got = paths[output]
            assert (got.to_absolute_path() if got else None) == value.get("path"), (path, output)


def test_non_utf8_strings_round_trip_but_cannot_be_json(oracle: Any, drvs: Any) -> None:
    path = drvs.top["non-utf8"]
    drv = _parse(drvs, path)
    assert b"\xff\xfe" in drv.env["v"].encode("utf-8", "surrogateescape")
    assert write_aterm(drv) == drvs.data(path)
    theirs = oracle.run("nix", *ref.XP, "derivation", "show", path, check=False)
    assert theirs.returncode != 0
    with pytest.raises(DerivationError) as caught:
        show_json({_store_path(path): drv})
    # The reference stops at the same string and byte.
    message = str(caught.value)
    phrase = message[message.index("invalid UTF-8 byte") :].split(" (field")[0]
    assert phrase in theirs.stderr.decode()


def _stripped(drv: Derivation) -> Derivation:
    """The derivation as ``builtins.derivation`` starts it: no output path, no output env."""
    outputs: dict[str, Any] = {}
    for name, output in drv.outputs.items():
        if isinstance(output, InputAddressedOutput):
            outputs[name] = DeferredOutput()
        elif isinstance(output, FixedOutput):
            outputs[name] = FixedOutput(output.ca)
        else:
            outputs[name] = output
    env = {k: v for k, v in drv.env.items() if k not in drv.outputs}
    return dataclasses.replace(drv, outputs=outputs, env=env)


@pytest.mark.parametrize("name", NAMES)
def test_filling_in_outputs_rebuilds_the_reference_drv(drvs: Any, name: str) -> None:
    path = drvs.top[name]
    original = _parse(drvs, path)
    filled = fill_output_paths(_stripped(original), _loader(drvs))
    assert write_aterm(filled) == drvs.data(path)
    assert derivation_path(filled).to_absolute_path() == path


@pytest.mark.parametrize("name", NAMES)
def test_completing_a_derivation_gives_the_reference_drv_and_hash_modulo(
    drvs: Any, name: str
) -> None:
    """The one-pass way (``DerivationHasher.complete``) against the references' bytes and
    against the general way (fill in, write, hash the written derivation as an input)."""
    path = drvs.top[name]
    filled, own, modulo = DerivationHasher(_loader(drvs)).complete(_stripped(_parse(drvs, path)))
    assert own == drvs.data(path)
    assert filled == fill_output_paths(_stripped(_parse(drvs, path)), _loader(drvs))
    assert modulo == DerivationHasher(_loader(drvs)).hash_of_path(_store_path(path))


def test_kinds_of_outputs_are_read_as_the_reference_means_them(drvs: Any) -> None:
    kinds = {
        name: {type(o) for o in _parse(drvs, drvs.top[name]).outputs.values()} for name in NAMES
    }
    assert kinds["floating"] == {FloatingOutput}
    assert kinds["impure"] == {ImpureOutput}
    assert kinds["deferred"] == kinds["deferred-chain"] == kinds["dynamic"] == {DeferredOutput}
    assert kinds["fod-git"] == kinds["fod-text"] == {FixedOutput}
    assert kinds["chain"] == kinds["structured"] == {InputAddressedOutput}


def test_two_fixed_inputs_with_one_output_hash_as_one(drvs: Any) -> None:
    drv = _parse(drvs, drvs.top["fod-inputs"])
    # Three fixed-output inputs, two of which promise the same path.
    assert len(drv.input_drvs) == 3
    fixed = [_loader(drvs)(p) for p in drv.input_drvs]
    assert len({_out_path(f) for f in fixed}) == 2


def test_json_reads_back_to_the_same_drv(drvs: Any) -> None:
    for path, value in drvs.show.items():
        drv = from_json(value)
        assert write_aterm(drv) == drvs.data(path), path
        assert to_json(drv) == value


def test_cli_check_passes_on_every_reference_drv(
    drvs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(drvs.file(p)) for p in drvs.all_drvs]
    assert main(["drv", "check", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"ok: {p}" for p in drvs.all_drvs]


def test_cli_check_reads_inputs_from_drv_dir(
    drvs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = drvs.top["chain"]
    lone = tmp_path / Path(path).name
    lone.write_bytes(drvs.data(path))
    assert main(["drv", "check", str(lone), "--drv-dir", str(drvs.drv_dir)]) == 0
    assert capsys.readouterr().out == f"ok: {path}\n"


def test_cli_show_prints_what_the_reference_prints(
    drvs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [drvs.top[n] for n in ("chain", "structured", "dynamic", "fod-git", "odd-env")]
    assert main(["drv", "show", *(str(drvs.file(p)) for p in paths)]) == 0
    assert json.loads(capsys.readouterr().out) == {p: drvs.show[p] for p in paths}


def test_cli_show_recursive_includes_every_input(
    drvs: Any, oracle: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = drvs.top["chain"]
    theirs = json.loads(oracle.out("nix", *ref.XP, "derivation", "show", "-r", path))
    assert main(["drv", "show", "-r", str(drvs.file(path))]) == 0
    assert json.loads(capsys.readouterr().out) == theirs


def test_cli_names_a_file_without_a_store_name_by_its_contents(
    drvs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = drvs.top["simple"]
    file = tmp_path / "anything.drv"
    file.write_bytes(drvs.data(path))
    assert main(["drv", "show", str(file)]) == 0
    assert json.loads(capsys.readouterr().out) == {path: drvs.show[path]}
    assert main(["drv", "check", str(file)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {path} (file name is not")
