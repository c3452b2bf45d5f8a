"""Nix hashes: every spelling parses, and printing matches `nix hash convert`."""

from __future__ import annotations

import random

import pytest
from nix_compat.errors import HashError
from nix_compat.hash import ALGORITHMS, HashFormat, NixHash, compress_hash

FORMATS = ["base16", "nix32", "base64", "sri"]


def sample(algo: str, seed: int) -> NixHash:
    return NixHash(algo, random.Random(seed).randbytes(ALGORITHMS[algo]))


@pytest.mark.parametrize("algo", sorted(ALGORITHMS))
@pytest.mark.parametrize("to", FORMATS)
def test_conversion_equals_the_reference(oracle, algo: str, to: str) -> None:
    hashes = [sample(algo, seed) for seed in range(3)]
    inputs = [h.format(HashFormat.BASE16, prefixed=True) for h in hashes]
    expected = oracle.out("nix", "hash", "convert", "--to", to, *inputs).split()
    assert [h.format(HashFormat.from_name(to)) for h in hashes] == expected


@pytest.mark.parametrize("algo", sorted(ALGORITHMS))
def test_every_spelling_parses_to_the_same_hash(algo: str) -> None:
    h = sample(algo, 7)
    spellings = [h.to_sri()]
    for fmt in (HashFormat.BASE16, HashFormat.NIX32, HashFormat.BASE64):
        spellings += [h.format(fmt, prefixed=True)]
        assert NixHash.parse(h.format(fmt), algo) == h
    assert all(NixHash.parse(s) == h for s in spellings)
    assert all(NixHash.parse(s, algo) == h for s in spellings)


def test_digest_of_bytes_equals_the_reference(oracle, tmp_path) -> None:
    data = b"hello, nix\n"
    (tmp_path / "f").write_bytes(data)
    for algo in ALGORITHMS:
        expected = oracle.out("nix-hash", "--flat", "--type", algo, tmp_path / "f")
        assert NixHash.of_bytes(algo, data).to_base16() == expected


@pytest.mark.parametrize(
    "text",
    [
        "sha256:abc",  # wrong length
        "sha257:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",  # unknown algorithm
        "sha256-AAAA",  # SRI digest too short
        "sha256-!!!!qpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",  # bad base64
        "sha1:zz23456789abcdef0123456789abcdef01234567",  # bad hex
    ],
)
def test_malformed_hashes_are_refused_by_both(oracle, text: str) -> None:
    ref = oracle.run("nix", "hash", "convert", "--to", "base16", text, check=False)
    assert ref.returncode != 0
    with pytest.raises(HashError):
        NixHash.parse(text)


def test_prefix_disagreeing_with_expected_algorithm_is_an_error() -> None:
    with pytest.raises(HashError, match="should have type 'sha1'"):
        NixHash.parse("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "sha1")


def test_bare_hash_without_algorithm_is_an_error() -> None:
    with pytest.raises(HashError, match="does not include a type"):
        NixHash.parse("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73")


def test_wrong_digest_size_is_refused() -> None:
    with pytest.raises(HashError, match="32 bytes"):
        NixHash("sha256", b"\0" * 20)


def test_compression_folds_by_xor() -> None:
    # Spec: byte i of the input is XORed into byte i mod n of the output.
    digest = bytes(range(32))
    folded = compress_hash(digest, 20)
    assert folded[0] == 0 ^ 20 and folded[11] == 11 ^ 31 and folded[12] == 12
    assert len(folded) == 20
