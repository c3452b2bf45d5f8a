"""nixbase32 against the reference's own encoder and decoder."""

from __future__ import annotations

import random

import pytest
from nix_compat import nixbase32
from nix_compat.errors import Nixbase32Error


def random_digests(count: int, size: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    special = [bytes(size), b"\xff" * size, bytes([1]) + bytes(size - 1), bytes(size - 1) + b"\x80"]
    return special + [rng.randbytes(size) for _ in range(count)]


@pytest.mark.parametrize(
    ("algo", "size"), [("md5", 16), ("sha1", 20), ("sha256", 32), ("sha512", 64)]
)
def test_encoding_equals_the_reference(oracle, algo: str, size: int) -> None:
    digests = random_digests(40, size, seed=size)
    expected = oracle.out(
        "nix", "hash", "convert", "--hash-algo", algo, "--to", "nix32", *(d.hex() for d in digests)
    ).split()
    assert [nixbase32.encode(d) for d in digests] == expected
    assert [nixbase32.decode(e, size) for e in expected] == digests


def test_lengths() -> None:
    assert [nixbase32.encoded_len(n) for n in (0, 1, 16, 20, 32, 64)] == [0, 2, 26, 32, 52, 103]
    assert nixbase32.decoded_len(52) == 32


@pytest.mark.parametrize(
    "text",
    [
        "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e",  # 'e' is not in the alphabet
        "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7",  # one character short
        "2mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",  # bits above 256 set
        "0MDQA9W1P6CMLI6976V4WI0SW9R4P5PRKJ7LZFD1877WK11C9C73",  # upper case
    ],
)
def test_bad_sha256_strings_are_refused_like_the_reference(oracle, text: str) -> None:
    ref = oracle.run(
        "nix",
        "hash",
        "convert",
        "--hash-algo",
        "sha256",
        "--to",
        "base16",
        f"sha256:{text}",
        check=False,
    )
    assert ref.returncode != 0
    with pytest.raises(Nixbase32Error):
        nixbase32.decode(text, 32)


def test_error_names_the_position_of_a_bad_character() -> None:
    with pytest.raises(Nixbase32Error) as info:
        nixbase32.decode("00000000000000000000000000000u00", 20)
    assert info.value.position == 29
    assert "'u'" in str(info.value) and "29" in str(info.value)


def test_is_valid() -> None:
    assert nixbase32.is_valid("0" * 32, 20)
    assert not nixbase32.is_valid("0" * 31, 20)
    assert not nixbase32.is_valid("0" * 33)
