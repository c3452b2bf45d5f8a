"""Narinfo files: exact round trip of what C++ Nix writes, the meaning of each field as the
reference reads it, the reference's own normalisation, and refusal of bad files."""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import NarInfoError
from nix_compat.hash import NixHash
from nix_compat.narinfo import NarInfo, fingerprint
from nix_compat.signing import Signature
from nix_compat.store_path import StorePath, make_fixed_output_path, make_text_path

ref = importlib.import_module("reference_cache")


@pytest.fixture(scope="module")
def cache(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ref.shared(oracle, tmp_path_factory)


# -- what the reference writes -------------------------------------------------------------


def test_reference_narinfos_round_trip_byte_for_byte(cache: Any) -> None:
    files = cache.narinfo_files()
    assert len(files) == len(cache.paths) * len(cache.caches)
    for file in files:
        original = file.read_bytes()
        assert NarInfo.parse(original).to_string().encode() == original, file


@pytest.mark.parametrize("compression", ["none", "xz", "zstd", "bzip2"])
def test_fields_mean_what_the_reference_reads(oracle: Any, cache: Any, compression: str) -> None:
    infos = ref.path_info(oracle, cache.url(compression), list(cache.paths.values()))
    for path, expected in infos.items():
        info = NarInfo.parse(cache.narinfo_file(compression, path).read_text())
        assert info.store_path.to_absolute_path() == path
        assert info.url == expected["url"]
        assert info.compression == expected["compression"] == compression
        assert info.file_hash == NixHash.parse(expected["downloadHash"])
        assert info.file_size == expected["downloadSize"]
        assert info.nar_hash == NixHash.parse(expected["narHash"])
        assert info.nar_size == expected["narSize"]
        assert sorted(r.to_absolute_path() for r in info.references) == expected["references"]
        deriver = info.deriver.to_absolute_path() if info.deriver else None
        assert deriver == expected["deriver"]
        assert (str(info.ca) if info.ca else None) == expected["ca"]
        assert sorted(str(s) for s in info.signatures) == expected["signatures"]


def test_the_sample_covers_every_kind_of_field(cache: Any) -> None:
    """Guards the other tests: the reference's narinfos have what they are meant to check."""
    infos = {
        role: NarInfo.parse(cache.narinfo_file(ref.SIGNED, path).read_text())
        for role, path in cache.paths.items()
    }
    built = infos["built"]
    assert built.deriver is not None and built.deriver.name.endswith(".drv")
    assert built.store_path in built.references and len(built.references) == 3
    assert built.ca is None and built.signatures
    methods = {role: info.ca.method for role, info in infos.items() if info.ca}
    assert methods == {
        "text-a": ContentAddressMethod.TEXT,
        "text-b": ContentAddressMethod.TEXT,
        "flat": ContentAddressMethod.FLAT,
        "nar-sha512": ContentAddressMethod.NAR,
        "tree": ContentAddressMethod.NAR,
    }
    assert infos["text-b"].references == (infos["text-a"].store_path,)


def test_content_addresses_give_back_the_store_paths(cache: Any) -> None:
    for path in cache.paths.values():
        info = NarInfo.parse(cache.narinfo_file("none", path).read_text())
        if info.ca is None:
            continue
        name = info.store_path.name
        if info.ca.method is ContentAddressMethod.TEXT:
            computed = make_text_path(name, info.ca.hash, info.references)
        else:
            recursive = info.ca.method is ContentAddressMethod.NAR
            computed = make_fixed_output_path(name, info.ca.hash, recursive, info.references)
        assert computed == info.store_path, path


# -- the reference's normalisation, compared with ours ---------------------------------------


def odd_narinfo(cache: Any) -> str:
    """A narinfo C++ Nix reads but would not write: other hash spellings, unsorted and
    doubly spaced references, no Compression or FileSize, an unknown field, fields out of
    order, an ``unknown-deriver``."""
    info = NarInfo.parse(cache.narinfo_file("none", cache.paths["built"]).read_text())
    refs = sorted((r.base_name for r in info.references), reverse=True)
    assert info.file_hash is not None
    return (
        "Provenance: from a future Nix\n"
        f"NarHash: {info.nar_hash.to_sri()}\n"
        f"StorePath: {info.store_path.to_absolute_path()}\n"
        f"References: {'  '.join(refs)}\n"
        f"URL: {info.url}\n"
        f"FileHash: sha256:{info.file_hash.to_base16()}\n"
        f"NarSize: {info.nar_size}\n"
        "Deriver: unknown-deriver\n"
    )


def test_we_rewrite_and_sign_a_narinfo_as_the_reference_does(
    oracle: Any, cache: Any, tmp_path: Path
) -> None:
    from nix_compat.signing import SigningKey

    folder = ref.make_cache(tmp_path / "odd")
    path = cache.paths["built"]
    text = odd_narinfo(cache)
    (folder / f"{ref.hash_part(path)}.narinfo").write_text(text)
    # `nix store sign` on a binary cache reads the narinfo, signs its fingerprint and writes
    # it back out through its own writer.
    oracle.run(
        "nix", *ref.XP, "store", "sign", "--store", f"file://{folder}",
        "--key-file", cache.secret_key_file, path,
    )  # fmt: skip
    rewritten = (folder / f"{ref.hash_part(path)}.narinfo").read_text()
    ours = NarInfo.parse(text).sign(SigningKey.parse(cache.secret_key))
    assert ours.to_string() == rewritten


# -- building and checking values ------------------------------------------------------------

SAMPLE = (
    "StorePath: /nix/store/njkkw287yk24sz4v9491klxr1rnqa9ii-built2\n"
    "URL: nar/0kw6f2m971db8fv6zy8k9d4c6l70cs7whgm7g5r4g8f9c21w0sql.nar.zst\n"
    "Compression: zstd\n"
    "FileHash: sha256:0kw6f2m971db8fv6zy8k9d4c6l70cs7whgm7g5r4g8f9c21w0sql\n"
    "FileSize: 130\n"
    "NarHash: sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"
    "NarSize: 168\n"
    "References: abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt\n"
    "Deriver: anlnqvrsf42wl9b73k8y6a8j3xdgjnxa-built2.drv\n"
    "Sig: test-key-1:M23NOmOCnLZjlz1+eScUMqQH2NAMhIyUjoTC6+KcWNCKHKmG1eK3ddpOH7XuXI7hcC9poT5W77"
    "ybd9LAaKK4CQ==\n"
)
SAMPLE_PATH = "/nix/store/njkkw287yk24sz4v9491klxr1rnqa9ii-built2"
DEP = "abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt"
TEXT_CA = "CA: text:sha256:0cfzzvyc0byk59pffqr7k9f02xmgbpxn7i4ssszsl69zzvd50qzj\n"


def test_fingerprint_layout() -> None:
    info = NarInfo.parse(SAMPLE)
    assert info.fingerprint() == (
        f"1;{SAMPLE_PATH};sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml;168;"
        "/nix/store/abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt"
    )


def test_fingerprint_refuses_an_unknown_size() -> None:
    info = NarInfo.parse(SAMPLE)
    with pytest.raises(NarInfoError, match="size is not known") as e:
        fingerprint(info.store_path, info.nar_hash, 0, info.references)
    assert e.value.field == "NarSize"


def test_fields_are_checked_when_built_in_code() -> None:
    info = NarInfo.parse(SAMPLE)
    ref_path = info.references[0]
    bad: list[dict[str, Any]] = [
        {"nar_size": 0},
        {"nar_size": 2**64},
        {"file_size": -1},
        {"url": ""},
        {"url": "a\nStorePath: /nix/store/evil"},
        {"compression": ""},
        {"system": "x\n"},
        {"references": (ref_path, ref_path)},
        {"signatures": (info.signatures[0], info.signatures[0])},
    ]
    for change in bad:
        with pytest.raises(NarInfoError):
            dataclasses.replace(info, **change)


def test_store_dir_is_kept() -> None:
    text = SAMPLE.replace("/nix/store/", "/gnu/store/")
    info = NarInfo.parse(text, store_dir="/gnu/store")
    assert info.to_string() == text
    assert info.fingerprint().startswith("1;/gnu/store/njkkw")
    with pytest.raises(NarInfoError) as e:
        NarInfo.parse(text)
    assert (e.value.line, e.value.field) == (1, "StorePath")


def test_content_address_spellings() -> None:
    nix32 = "0vc5ygnd3bz4kxfwrbm1hjakvyc99ggpp70wij5i409hqpli6069"
    nar = ContentAddress.parse(f"fixed:r:sha256:{nix32}")
    assert nar.render() == f"fixed:r:sha256:{nix32}"
    base16 = ContentAddress.parse(f"fixed:r:sha256:{nar.hash.to_base16()}")
    assert base16 == nar
    git = ContentAddress.parse("fixed:git:sha1:" + "0" * 40)
    assert git.method is ContentAddressMethod.GIT
    assert git.render() == "fixed:git:sha1:" + "0" * 32


# -- refusing bad files ------------------------------------------------------------------------


def replace_line(field: str, value: str | None) -> str:
    """SAMPLE with ``field``'s line replaced by ``value`` (a whole line) or removed."""
    lines = SAMPLE.splitlines(keepends=True)
    out = [
        (value if value is not None else "") if ln.startswith(field + ":") else ln for ln in lines
    ]
    return "".join(out)


# (what, text, line, field, whether C++ Nix refuses it too)
BAD: list[tuple[str, str | bytes, int | None, str | None, bool]] = [
    ("missing StorePath", replace_line("StorePath", None), None, "StorePath", True),
    ("missing NarHash", replace_line("NarHash", None), None, "NarHash", True),
    ("missing URL", replace_line("URL", None), None, "URL", True),
    ("missing NarSize", replace_line("NarSize", None), None, "NarSize", True),
    ("empty file", "", None, "StorePath", True),
    ("zero NarSize", replace_line("NarSize", "NarSize: 0\n"), 7, "NarSize", True),
    ("negative NarSize", replace_line("NarSize", "NarSize: -1\n"), 7, "NarSize", True),
    ("NarSize words", replace_line("NarSize", "NarSize: many\n"), 7, "NarSize", True),
    ("NarSize over 64 bits", replace_line("NarSize", f"NarSize: {2**64}\n"), 7, "NarSize", True),
    ("FileSize words", replace_line("FileSize", "FileSize: 1k\n"), 5, "FileSize", True),
    (
        "bad nix32 in NarHash",
        replace_line("NarHash", "NarHash: sha256:" + "e" * 52 + "\n"),
        6,
        "NarHash",
        True,
    ),
    ("NarHash too short", replace_line("NarHash", "NarHash: sha256:0b0yr5\n"), 6, "NarHash", True),
    ("unknown algorithm", replace_line("NarHash", "NarHash: sha3:abcd\n"), 6, "NarHash", True),
    (
        "bare NarHash",
        replace_line("NarHash", "NarHash: 0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"),
        6,
        "NarHash",
        True,
    ),
    ("bad FileHash", replace_line("FileHash", "FileHash: sha256:xyz\n"), 4, "FileHash", True),
    (
        "StorePath outside the store",
        replace_line("StorePath", "StorePath: /tmp/njkkw287yk24sz4v9491klxr1rnqa9ii-built2\n"),
        1,
        "StorePath",
        True,
    ),
    (
        "StorePath with a bad hash",
        replace_line("StorePath", "StorePath: /nix/store/eeee-built2\n"),
        1,
        "StorePath",
        True,
    ),
    (
        "absolute reference",
        replace_line(
            "References", "References: /nix/store/abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt\n"
        ),
        8,
        "References",
        True,
    ),
    ("bad Deriver", replace_line("Deriver", "Deriver: some.drv\n"), 9, "Deriver", True),
    ("bad CA", SAMPLE + "CA: sometimes:sha256:abc\n", 11, "CA", True),
    ("no final newline", SAMPLE[:-1], 10, None, True),
    ("no colon", SAMPLE + "garbage\n", 11, None, True),
    ("CRLF line ends", SAMPLE.replace("\n", "\r\n"), 1, None, True),
    (
        "second References line",
        SAMPLE + "References: abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt\n",
        11,
        "References",
        True,
    ),
    ("second CA line", SAMPLE + TEXT_CA + TEXT_CA, 12, "CA", True),
    # Where C++ Nix keeps the last value, or does not look (the text-hash rule is checked only
    # when a path is computed from it), we refuse.
    ("text CA with sha1", SAMPLE + "CA: text:sha1:" + "0" * 40 + "\n", 11, "CA", False),
    ("second StorePath line", SAMPLE + SAMPLE.splitlines(keepends=True)[0], 11, "StorePath", False),
    ("second URL line", SAMPLE + "URL: nar/other.nar\n", 11, "URL", False),
    (
        "repeated reference",
        replace_line("References", f"References: {DEP} {DEP}\n"),
        8,
        "References",
        False,
    ),
    ("Sig not base64", SAMPLE + "Sig: k:not*base64\n", 11, "Sig", False),
    ("Sig of 32 bytes", SAMPLE + "Sig: k:" + "A" * 43 + "=\n", 11, "Sig", False),
    ("Sig without a key name", SAMPLE + "Sig: " + "A" * 86 + "==\n", 11, "Sig", False),
    ("repeated Sig", SAMPLE + SAMPLE.splitlines(keepends=True)[-1], 11, "Sig", False),
    ("empty URL", replace_line("URL", "URL: \n"), 2, "URL", True),
    ("value without a space", replace_line("URL", "URL:nar/x.nar\n"), 2, None, False),
    ("invalid UTF-8", SAMPLE.encode() + b"System: \xff\n", 11, None, False),
]


@pytest.mark.parametrize(("text", "line", "field"), [b[1:4] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_narinfo_is_refused_with_its_place(
    text: str | bytes, line: int | None, field: str | None
) -> None:
    with pytest.raises(NarInfoError) as e:
        NarInfo.parse(text)
    assert (e.value.line, e.value.field) == (line, field), str(e.value)


def test_reference_agrees_on_what_is_refused(oracle: Any, tmp_path: Path) -> None:
    """Each bad file through C++ Nix's own reader: it refuses what we say it refuses."""
    for i, (what, text, _, _, refused) in enumerate(BAD):
        folder = ref.make_cache(tmp_path / f"case{i}")
        data = text.encode() if isinstance(text, str) else text
        (folder / f"{ref.hash_part(SAMPLE_PATH)}.narinfo").write_bytes(data)
        result = oracle.run(
            "nix", *ref.XP, "path-info", "--store", f"file://{folder}", SAMPLE_PATH, check=False
        )
        assert (result.returncode != 0) == refused, (what, result.stderr.decode())


def test_unknown_fields_are_skipped() -> None:
    info = NarInfo.parse(SAMPLE + "Provenance: {}\n")
    assert info.to_string() == SAMPLE


def test_system_line_is_kept_in_place() -> None:
    lines = SAMPLE.splitlines(keepends=True)
    text = "".join([*lines[:9], "System: x86_64-linux\n", *lines[9:]])
    info = NarInfo.parse(text)
    assert info.system == "x86_64-linux"
    assert info.to_string() == text


def test_signatures_are_parsed_not_verified() -> None:
    sig = NarInfo.parse(SAMPLE).signatures[0]
    assert isinstance(sig, Signature)
    assert sig.key_name == "test-key-1"
    assert str(sig) == SAMPLE.splitlines()[-1].removeprefix("Sig: ")


def test_unknown_deriver_means_none() -> None:
    info = NarInfo.parse(replace_line("Deriver", "Deriver: unknown-deriver\n"))
    assert info.deriver is None
    assert "Deriver" not in info.to_string()
    assert StorePath.from_base_name("abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt") in info.references


# -- the command line --------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    from nix_compat.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("compression", ["none", "xz"])
def test_cli_show_json_is_what_reference_path_info_prints(
    oracle: Any, cache: Any, compression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = list(cache.paths.values())
    theirs = ref.path_info(oracle, cache.url(compression), paths)
    for path in paths:
        file = cache.narinfo_file(compression, path)
        code, out, _ = run_cli(capsys, "narinfo", "show", "--json", file)
        assert code == 0
        assert json.loads(out) == {path: theirs[path]}
    # and byte for byte, for one path
    built = cache.paths["built"]
    single = oracle.out(
        "nix", *ref.XP, "path-info", "--json", "--store", cache.url(compression), built
    )
    _, out, _ = run_cli(capsys, "narinfo", "show", "--json", cache.narinfo_file(compression, built))
    assert out == single + "\n"


def test_cli_show_normalises_and_fingerprint_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "x.narinfo"
    file.write_text("Extra: field\n" + SAMPLE)
    assert run_cli(capsys, "narinfo", "show", file) == (0, SAMPLE, "")
    code, out, _ = run_cli(capsys, "narinfo", "fingerprint", file)
    assert (code, out) == (0, NarInfo.parse(SAMPLE).fingerprint() + "\n")


def test_cli_reports_a_corrupt_narinfo_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "bad.narinfo"
    file.write_text(replace_line("NarHash", "NarHash: sha256:nope\n"))
    code, out, err = run_cli(capsys, "narinfo", "show", file)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: narinfo '{file}' is corrupt: ")
    assert "line 6" in err and "NarHash" in err and err.count("\n") == 1


# -- hashes and sizes as the reference reads them --------------------------------------------------

_NAR_HASH = NixHash.parse("sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml")
_B64 = _NAR_HASH.to_base64()
NAR_HASH_SPELLINGS = {
    "SRI": f"sha256-{_B64}",
    "SRI without padding": f"sha256-{_B64.rstrip('=')}",
    "SRI with text after the padding": f"sha256-{_B64}xyz",
    "prefixed base64": f"sha256:{_B64}",
    "prefixed base64 without padding": f"sha256:{_B64.rstrip('=')}",
}
SIZE_SPELLINGS = {
    "leading zeros": "0" * 30 + "168",
    "plus sign": "+168",
    "largest": str(2**64 - 1),
    "one too large": str(2**64),
    "thirty digits": "1" * 30,
    "5000 digits": "1" * 5000,
    "minus sign": "-1",
    "two signs": "++1",
}


def reference_path_info(oracle: Any, folder: Path, text: str) -> dict[str, Any] | None:
    """What ``nix path-info --json`` reads from a cache holding the narinfo ``text``."""
    ref.make_cache(folder)
    (folder / f"{ref.hash_part(SAMPLE_PATH)}.narinfo").write_text(text)
    result = oracle.run(
        "nix", *ref.XP, "path-info", "--json", "--store", f"file://{folder}", SAMPLE_PATH,
        check=False,
    )  # fmt: skip
    info: dict[str, Any] | None = (
        json.loads(result.stdout)[SAMPLE_PATH] if result.returncode == 0 else None
    )
    return info


@pytest.mark.parametrize("spelling", NAR_HASH_SPELLINGS.values(), ids=NAR_HASH_SPELLINGS.keys())
def test_nar_hash_spellings_are_read_as_the_reference_reads_them(
    oracle: Any, tmp_path: Path, spelling: str
) -> None:
    text = replace_line("NarHash", f"NarHash: {spelling}\n")
    expected = reference_path_info(oracle, tmp_path, text)
    try:
        ours: str | None = NarInfo.parse(text).nar_hash.to_sri()
    except NarInfoError:
        ours = None
    assert ours == (expected["narHash"] if expected else None)


@pytest.mark.parametrize("field", ["NarSize", "FileSize"])
@pytest.mark.parametrize("spelling", SIZE_SPELLINGS.values(), ids=SIZE_SPELLINGS.keys())
def test_sizes_are_read_as_the_reference_reads_them(
    oracle: Any, tmp_path: Path, field: str, spelling: str
) -> None:
    text = replace_line(field, f"{field}: {spelling}\n")
    expected = reference_path_info(oracle, tmp_path, text)
    key = {"NarSize": "narSize", "FileSize": "downloadSize"}[field]
    try:
        info = NarInfo.parse(text)
        ours: int | None = info.nar_size if field == "NarSize" else info.file_size
    except NarInfoError:
        ours = None
    assert ours == (expected[key] if expected else None)


@pytest.mark.parametrize("field", ["NarSize", "FileSize"])
def test_a_size_of_thousands_of_digits_is_a_clean_error(field: str) -> None:
    """Python's int() refuses over 4300 digits with its own ValueError: never let it get there."""
    line = {"NarSize": 7, "FileSize": 5}[field]
    with pytest.raises(NarInfoError) as e:
        NarInfo.parse(replace_line(field, f"{field}: {'9' * 5000}\n"))
    assert (e.value.line, e.value.field) == (line, field)
    assert "out of range" in str(e.value) and len(str(e.value)) < 200


def test_narinfo_show_of_a_huge_size_is_one_error_line(tmp_path: Path) -> None:
    file = tmp_path / "huge.narinfo"
    file.write_text(replace_line("NarSize", f"NarSize: {'1' * 5000}\n"))
    result = subprocess.run(
        [sys.executable, "-m", "nix_compat", "narinfo", "show", str(file)],
        capture_output=True,
        check=False,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert "line 7" in stderr and "'NarSize'" in stderr
