"""Broken derivations: each is refused with one clear error saying what and where (byte
offset, line and column, or the field), and the command line prints ``error: ...`` and exits 1
without a traceback."""

from __future__ import annotations

import dataclasses
import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from nix_compat.cli import main
from nix_compat.derivation import (
    DeferredOutput,
    Derivation,
    FixedOutput,
    InputAddressedOutput,
    InputDrvOutputs,
    check_derivation,
    derivation_path,
    drv_name_from_path,
    fill_output_paths,
    from_json,
    parse_aterm,
    validate,
    write_aterm,
)
from nix_compat.errors import DerivationError
from nix_compat.store_path import StorePath

ref = importlib.import_module("drv_reference")


@pytest.fixture(scope="module")
def drvs(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ref.shared(oracle, tmp_path_factory)


def _parse(drvs: Any, name: str) -> Derivation:
    path = StorePath.from_absolute_path(drvs.top[name])
    return parse_aterm(drvs.data(drvs.top[name]), name=drv_name_from_path(path))


def _out_path(drv: Derivation, output: str = "out") -> StorePath:
    """The path an output has in the file (input-addressed or fixed)."""
    value = drv.outputs[output]
    assert isinstance(value, InputAddressedOutput | FixedOutput) and value.path is not None
    return value.path


def _error(data: bytes, **kwargs: Any) -> DerivationError:
    with pytest.raises(DerivationError) as caught:
        parse_aterm(data, **kwargs)
    return caught.value


# -- syntax ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["simple", "odd-env", "dynamic", "fod-nar-sha512", "odd-system"])
def test_every_truncation_is_refused_with_a_position(drvs: Any, name: str) -> None:
    data = drvs.data(drvs.top[name])
    for cut in range(len(data)):
        error = _error(data[:cut], name="x")
        assert error.offset is not None and 0 <= error.offset <= cut, (cut, error)
        assert error.line is not None and error.column is not None


def test_line_and_column_count_raw_newlines(drvs: Any) -> None:
    # The system is written without escapes, so its newline is a real line break.
    data = drvs.data(drvs.top["odd-system"])
    broken = data.replace(b'"/bin/sh",[]', b'"/bin/sh";[]')
    error = _error(broken, name="odd-system")
    offset = broken.index(b";[]")
    assert error.offset == offset
    assert error.line == 2
    assert error.column == offset - broken.index(b"\n")
    assert "expected ','" in str(error)


def test_unknown_escape_is_refused_where_it_is(drvs: Any) -> None:
    data = drvs.data(drvs.top["odd-env"])
    at = data.index(b"\\n")
    error = _error(data[:at] + b"\\a" + data[at + 2 :], name="odd-env")
    assert error.offset == at
    assert "invalid escape '\\\\a'" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"Derive(", b"Derivx(", "expected 'Derive('"),
        (b"Derive(", b'DrvWithVersion("v9",', "unknown derivation ATerm version 'v9'"),
        (b'"/bin/sh"', b'"/bin/\nsh"', "not in the canonical form"),
        (b'[("out",', b'[ ("out",', "expected '('"),
    ],
)
def test_malformed_syntax_is_refused(drvs: Any, old: bytes, new: bytes, message: str) -> None:
    data = drvs.data(drvs.top["simple"]).replace(old, new, 1)
    assert message in str(_error(data, name="simple"))


def test_trailing_bytes_are_refused(drvs: Any) -> None:
    data = drvs.data(drvs.top["simple"])
    error = _error(data + b"\n", name="simple")
    assert error.offset == len(data)
    assert "after the end" in str(error)


def test_garbage_is_refused() -> None:
    for data in (b"", b"\x00\xff", b"Derive", b"Derive([", b"{}"):
        assert _error(data, name="x").offset is not None


def _swap_env(data: bytes, a: bytes, b: bytes) -> bytes:
    return data.replace(a, b"\x00").replace(b, a).replace(b"\x00", b)


def test_unsorted_environment_is_refused(drvs: Any) -> None:
    data = drvs.data(drvs.top["simple"])
    swapped = _swap_env(data, b'("builder","/bin/sh")', b'("name","simple")')
    error = _error(swapped, name="simple")
    assert error.field == "env" and "out of order" in str(error)


def test_duplicate_environment_variable_is_refused(drvs: Any) -> None:
    data = drvs.data(drvs.top["simple"])
    doubled = data.replace(b'("name","simple")', b'("name","simple"),("name","other")')
    error = _error(doubled, name="simple")
    assert error.field == "env" and "duplicate environment variable 'name'" in str(error)
    assert error.offset == doubled.index(b'"name","other"')


def test_unsorted_outputs_and_inputs_are_refused(drvs: Any) -> None:
    drv = _parse(drvs, "chain")
    data = write_aterm(drv)
    first, second = (p.to_absolute_path().encode() for p, _ in drv.sorted_input_drvs()[:2])
    error = _error(_swap_env(data, first, second), name="chain-4")
    assert error.field == "inputDrvs" and "out of order" in str(error)


# -- fields ----------------------------------------------------------------------------------


def test_bad_store_path_names_its_field(drvs: Any) -> None:
    data = drvs.data(drvs.top["srcs"])
    src = next(iter(_parse(drvs, "srcs").sorted_input_srcs())).to_absolute_path().encode()
    error = _error(data.replace(src, b"/nix/store/not-a-store-path", 1), name="srcs")
    assert error.field == "inputSrcs[0]" and "bad store path" in str(error)
    error = _error(data.replace(src, b"/elsewhere/" + src[11:], 1), name="srcs")
    assert "not in the Nix store" in str(error)


def test_bad_hash_algorithm_and_hash_name_their_field(drvs: Any) -> None:
    data = drvs.data(drvs.top["fod-nar-sha256"])
    error = _error(data.replace(b'"r:sha256"', b'"r:sha3"'), name="fod-nar-sha256")
    assert error.field == "outputs.out.hashAlgo" and "unknown hash algorithm 'r:sha3'" in str(error)
    error = _error(data.replace(b'"r:sha256"', b'"r:sha1"'), name="fod-nar-sha256")
    assert error.field == "outputs.out.hash" and "wrong length" in str(error)


def test_wrong_input_addressed_path_is_found_and_named(
    oracle: Any, drvs: Any, tmp_path: Path
) -> None:
    right = _out_path(_parse(drvs, "chain"))
    wrong = drvs.top["simple"][: -len("-simple.drv")] + "-chain-4"
    data = drvs.data(drvs.top["chain"]).replace(right.to_absolute_path().encode(), wrong.encode())
    drv = parse_aterm(data, name="chain-4")
    with pytest.raises(DerivationError) as caught:
        check_derivation(drv, _loader(drvs))
    assert caught.value.field == "outputs.out.path"
    ours = str(caught.value)
    assert f"incorrect output '{wrong}', should be '{right.to_absolute_path()}'" in ours
    # The reference, asked to store the same bytes as a .drv, names the same right path.
    (tmp_path / "bad.drv").write_bytes(data)
    theirs = oracle.run(
        "nix-instantiate",
        "--read-write-mode",
        "--eval",
        "-E",
        f'builtins.toFile "chain-4.drv" (builtins.readFile {tmp_path / "bad.drv"})',
        check=False,
    )
    assert theirs.returncode != 0
    should = re.search(r"should be '([^']+)'", theirs.stderr.decode())
    assert should is not None and should.group(1) == right.to_absolute_path()


def _loader(drvs: Any) -> Any:
    def load(path: StorePath) -> Derivation:
        return parse_aterm(drvs.data(path.to_absolute_path()), name=drv_name_from_path(path))

    return load


def test_output_environment_variables_are_checked(drvs: Any) -> None:
    drv = _parse(drvs, "many-outputs")
    env = dict(drv.env)
    del env["dev"]
    with pytest.raises(DerivationError, match="'dev' for output 'dev' is missing") as caught:
        validate(dataclasses.replace(drv, env=env))
    assert caught.value.field == "env.dev"
    env["dev"] = drv.env["out"]
    with pytest.raises(DerivationError, match="should be") as caught:
        validate(dataclasses.replace(drv, env=env))
    assert caught.value.field == "env.dev"


def test_fixed_output_path_is_checked(drvs: Any) -> None:
    drv = _parse(drvs, "fod-flat-sha1")
    drv_other = _parse(drvs, "fod-flat-md5")
    fixed = drv.outputs["out"]
    assert isinstance(fixed, FixedOutput)
    bad = dataclasses.replace(drv, outputs={"out": FixedOutput(fixed.ca, _out_path(drv_other))})
    with pytest.raises(DerivationError, match="should be") as caught:
        validate(bad)
    assert caught.value.field == "outputs.out.path"


def test_drv_path_is_checked_against_the_name_it_claims(drvs: Any) -> None:
    drv = _parse(drvs, "simple")
    elsewhere = StorePath.from_absolute_path(drvs.top["empty-args"])
    with pytest.raises(DerivationError, match="does not match its path"):
        check_derivation(drv, {}, drv_path=elsewhere)
    renamed = StorePath(elsewhere.digest, "simple.drv")
    with pytest.raises(DerivationError, match="belong at") as caught:
        check_derivation(drv, {}, drv_path=renamed)
    assert drvs.top["simple"] in str(caught.value)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"outputs": {}}, "outputs", "at least one output"),
        ({"outputs": {"drv": DeferredOutput()}}, "outputs.drv", "'drv'"),
        ({"outputs": {"a b": DeferredOutput()}}, "outputs.a b", "illegal character"),
        ({"name": "x" * 210}, "name", "no longer than"),
        ({"system": ""}, "system", "system"),
        ({"builder": ""}, "builder", "builder"),
    ],
)
def test_validation_names_the_field(
    drvs: Any, change: dict[str, Any], field: str, message: str
) -> None:
    drv = dataclasses.replace(_parse(drvs, "simple"), **change)
    with pytest.raises(DerivationError, match=re.escape(message)) as caught:
        validate(drv)
    assert caught.value.field == field


def test_mixed_and_misnamed_fixed_outputs_are_refused(drvs: Any) -> None:
    fixed = _parse(drvs, "fod-flat-sha1").outputs["out"]
    plain = _parse(drvs, "simple")
    mixed = dataclasses.replace(plain, outputs={"out": fixed, "dev": DeferredOutput()})
    with pytest.raises(DerivationError, match="can't mix derivation output types"):
        validate(mixed)
    with pytest.raises(DerivationError, match='must be named "out"'):
        validate(dataclasses.replace(plain, outputs={"dev": fixed}))


def test_input_derivations_must_be_derivations(drvs: Any) -> None:
    drv = _parse(drvs, "chain")
    src = StorePath.from_absolute_path(drvs.top["simple"][:-4] + "-not-drv")
    bad = dataclasses.replace(drv, input_drvs={**drv.input_drvs, src: InputDrvOutputs.of(["out"])})
    with pytest.raises(DerivationError, match="not a derivation"):
        validate(bad)
    empty = dataclasses.replace(drv, input_drvs={p: InputDrvOutputs() for p in drv.input_drvs})
    with pytest.raises(DerivationError, match="used for no output"):
        validate(empty)


# -- made in code, no reference needed --------------------------------------------------------


def _plain(name: str, **env: str) -> Derivation:
    return Derivation(
        name=name,
        outputs={"out": DeferredOutput()},
        system="x86_64-linux",
        builder="/bin/sh",
        env={"name": name, "builder": "/bin/sh", "system": "x86_64-linux", **env},
    )


def test_deep_dynamic_nesting_is_refused_not_a_crash() -> None:
    path = b'"/nix/store/' + b"0" * 32 + b'-x.drv"'
    node = b'["out"]'
    for _ in range(500):
        node = b'(["out"],[("out",' + node + b")])"
    data = b'DrvWithVersion("xp-dyn-drv",[("out","","","")],[(' + path + b"," + node
    data += b')],[],"x","/bin/sh",[],[])'
    assert "nested deeper" in str(_error(data, name="x"))


def test_a_cycle_among_hand_made_inputs_is_reported() -> None:
    a_path = StorePath(b"\x01" * 20, "a.drv")
    b_path = StorePath(b"\x02" * 20, "b.drv")
    a = dataclasses.replace(_plain("a"), input_drvs={b_path: InputDrvOutputs.of(["out"])})
    b = dataclasses.replace(_plain("b"), input_drvs={a_path: InputDrvOutputs.of(["out"])})
    top = dataclasses.replace(_plain("top"), input_drvs={a_path: InputDrvOutputs.of(["out"])})
    with pytest.raises(DerivationError, match="cycle"):
        fill_output_paths(top, {a_path: a, b_path: b})


def test_missing_input_and_missing_output_of_an_input_are_named() -> None:
    dep = fill_output_paths(_plain("dep"), {})
    dep_path = derivation_path(dep)
    top = dataclasses.replace(_plain("top"), input_drvs={dep_path: InputDrvOutputs.of(["dev"])})
    with pytest.raises(DerivationError, match=f"'{dep_path.to_absolute_path()}' is not available"):
        fill_output_paths(top, {})
    with pytest.raises(DerivationError, match="has no output 'dev'"):
        fill_output_paths(top, {dep_path: dep})


DEEP_CHAIN_NIX = """
let
  link = prev: i: derivation {
    name = "link-${toString i}"; system = "x86_64-linux"; builder = "/bin/sh"; inherit prev;
  };
in (builtins.foldl' link "" (builtins.genList (i: i) 1200)).drvPath
"""


def test_a_chain_deeper_than_the_python_stack_hashes(oracle: Any, tmp_path: Path) -> None:
    (tmp_path / "deep.nix").write_text(DEEP_CHAIN_NIX)
    top = oracle.out("nix-instantiate", "--read-write-mode", "--eval", tmp_path / "deep.nix")
    top = top.strip('"')
    chain = oracle.out("nix-store", "--query", "--requisites", top).split()
    assert len(chain) == 1200
    folder = tmp_path / "drvs"
    folder.mkdir()
    oracle.run("cp", *chain, folder)
    top_path = StorePath.from_absolute_path(top)
    drv = parse_aterm((folder / top_path.base_name).read_bytes(), name="link-1199")
    files = {p: (folder / p.base_name) for p in map(StorePath.from_absolute_path, chain)}

    def load(path: StorePath) -> Derivation:
        return parse_aterm(files[path].read_bytes(), name=drv_name_from_path(path))

    # A fresh hasher walks all 1200 links at once, without recursing.
    check_derivation(drv, load, drv_path=top_path)
    assert isinstance(drv.outputs["out"], InputAddressedOutput)


# -- the command line -------------------------------------------------------------------------


def _cli_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_cli_names_a_missing_input(
    drvs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = drvs.top["chain"]
    lone = tmp_path / Path(path).name
    lone.write_bytes(drvs.data(path))
    err = _cli_error(["drv", "check", str(lone)], capsys)
    assert "input derivation '/nix/store/" in err and "not found" in err and str(tmp_path) in err


def test_cli_names_a_mismatching_output(
    drvs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    right = drvs.top["simple"]
    drv = _parse(drvs, "simple")
    out = _out_path(drv).to_absolute_path()
    wrong = "/nix/store/" + "1" * 32 + "-simple"
    file = tmp_path / Path(right).name
    file.write_bytes(drvs.data(right).replace(out.encode(), wrong.encode()))
    err = _cli_error(["drv", "check", str(file)], capsys)
    assert f"incorrect output '{wrong}', should be '{out}'" in err


def test_cli_reports_a_file_that_is_not_where_its_name_says(
    drvs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / Path(drvs.top["empty-args"]).name.replace("empty-args", "simple")
    file.write_bytes(drvs.data(drvs.top["simple"]))
    err = _cli_error(["drv", "check", str(file), "--drv-dir", str(drvs.drv_dir)], capsys)
    assert f"belong at '{drvs.top['simple']}'" in err


def test_cli_reports_syntax_errors_with_the_file_and_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "broken.drv"
    file.write_bytes(b'Derive([("out","","","")],[],[],"x","/bin/sh",[],[("a","\\q")])')
    for action in ("show", "check"):
        err = _cli_error(["drv", action, str(file)], capsys)
        assert str(file) in err and "invalid escape" in err and "line 1, column 57, byte 56" in err
    assert "does not exist" in _cli_error(["drv", "show", str(tmp_path / "none.drv")], capsys)
    assert "error: " in _cli_error(["drv", "check", str(tmp_path)], capsys)


def test_cli_never_prints_a_traceback(drvs: Any, tmp_path: Path) -> None:
    file = tmp_path / "truncated.drv"
    file.write_bytes(drvs.data(drvs.top["dynamic"])[:100])
    result = subprocess.run(
        [sys.executable, "-m", "nix_compat", "drv", "check", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_string_that_is_not_bytes_cannot_be_written() -> None:
    drv = dataclasses.replace(_plain("x"), args=("fine", "lone \ud800 surrogate"))
    with pytest.raises(DerivationError, match="neither text nor a byte"):
        write_aterm(drv)


def test_the_name_comes_from_the_file_or_the_environment(drvs: Any) -> None:
    assert parse_aterm(drvs.data(drvs.top["simple"])).name == "simple"
    # Structured attributes keep the name inside __json.
    assert parse_aterm(drvs.data(drvs.top["structured"])).name == "structured"
    data = drvs.data(drvs.top["simple"]).replace(b'("name","simple"),', b"")
    with pytest.raises(DerivationError, match="name unknown") as caught:
        parse_aterm(data)
    assert caught.value.field == "name"
    assert parse_aterm(data, name="simple").name == "simple"


@pytest.mark.parametrize("variant", range(6))
def test_an_input_reached_twice_is_no_cycle(variant: int) -> None:
    # top -> mid -> left -> shared and mid -> shared: whichever of mid's inputs sorts
    # first, the walk below top's input meets shared twice and sees no cycle.
    known: dict[StorePath, Derivation] = {}

    def link(name: str, *inputs: StorePath) -> StorePath:
        drv = dataclasses.replace(
            _plain(f"{name}-{variant}"),
            input_drvs={p: InputDrvOutputs.of(["out"]) for p in inputs},
        )
        drv = fill_output_paths(drv, known)
        known[derivation_path(drv)] = drv
        return derivation_path(drv)

    shared = link("shared")
    mid = link("mid", shared, link("left", shared))
    top = known[link("top", mid)]
    check_derivation(top, dict(known))


# -- found by fuzzing (tests/test_fuzz_parsers.py) ---------------------------------------------


def test_json_env_nested_too_deep_gives_no_name_not_a_recursion_error() -> None:
    """``__json`` past Python's decoder depth raised RecursionError out of parse_aterm."""
    drv = Derivation("x", {"out": DeferredOutput()}, env={"__json": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(DerivationError, match="name unknown"):
        parse_aterm(write_aterm(drv))


def _document() -> dict[str, Any]:
    store = "/nix/store/abxcn50cldw72vl3shm3i34gsa7bnz7b"
    return {
        "args": [],
        "builder": "/bin/sh",
        "env": {},
        "inputDrvs": {},
        "inputSrcs": [],
        "name": "x",
        "outputs": {"out": {"path": f"{store}-x"}},
        "system": "x86_64-linux",
    }


def test_json_dynamic_outputs_nested_too_deep_are_refused() -> None:
    node: dict[str, Any] = {"outputs": ["out"], "dynamicOutputs": {}}
    for _ in range(10_000):
        node = {"outputs": [], "dynamicOutputs": {"out": node}}
    document = dict(
        _document(), inputDrvs={"/nix/store/abxcn50cldw72vl3shm3i34gsa7bnz7b-d.drv": node}
    )
    with pytest.raises(DerivationError, match="nested deeper than 200"):
        from_json(document)


def test_json_fixed_output_path_that_is_not_a_string_is_refused() -> None:
    sha = "0" * 64
    outputs = {"out": {"hashAlgo": "sha256", "method": "nar", "hash": sha, "path": 7}}
    with pytest.raises(DerivationError, match="must be a str") as caught:
        from_json(dict(_document(), outputs=outputs))
    assert caught.value.field == "outputs.out"


@pytest.mark.parametrize("where", ["env", "args", "name", "outputs"])
def test_json_strings_with_lone_surrogates_are_refused(where: str) -> None:
    """JSON's \\ud800 escapes spell strings that are not Unicode; C++ Nix's reader refuses them,
    and here they would escape the ATerm writer and ``show_json`` as UnicodeEncodeError."""
    bad = "\ud800"
    values: dict[str, Any] = {
        "env": {"x": bad},
        "args": ["ok", bad],
        "name": bad,
        "outputs": {bad: {}},
    }
    with pytest.raises(DerivationError, match="not valid Unicode") as caught:
        from_json(dict(_document(), **{where: values[where]}))
    assert caught.value.field is not None and caught.value.field.startswith(where)


def test_json_env_with_a_number_of_thousands_of_digits_still_names_the_derivation() -> None:
    """Valid JSON that Python's int() would refuse (over 4300 digits) must not lose the name."""
    attrs = '{"name": "big", "n": ' + "9" * 5000 + ', "f": 1e999}'
    drv = Derivation("big", {"out": DeferredOutput()}, env={"__json": attrs})
    assert parse_aterm(write_aterm(drv)).name == "big"
