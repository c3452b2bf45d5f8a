"""Ed25519 keys and narinfo signatures, both ways against the reference: its signatures verify
with our code, ours are byte-identical to its own, and it trusts a cache we sign."""

from __future__ import annotations

import base64
import dataclasses
import importlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import SignatureError
from nix_compat.hash import NixHash
from nix_compat.narinfo import NarInfo
from nix_compat.signing import Signature, SigningKey, VerifyingKey

ref = importlib.import_module("reference_cache")


@pytest.fixture(scope="module")
def cache(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ref.shared(oracle, tmp_path_factory)


def signed_narinfos(cache: Any) -> dict[str, NarInfo]:
    return {
        path: NarInfo.parse(cache.narinfo_file(ref.SIGNED, path).read_text())
        for path in cache.paths.values()
    }


def verify_with_reference(oracle: Any, folder: Path, public_key: str, path: str) -> int:
    """``nix store verify`` of one path in a cache: 0 when trusted (and its NAR matches)."""
    result = oracle.run(
        "nix", *ref.XP, "store", "verify", "--store", f"file://{folder}",
        "--trusted-public-keys", public_key, path, check=False,
    )  # fmt: skip
    return result.returncode


# -- keys --------------------------------------------------------------------------------------


def test_reference_keys_parse_and_print_back(cache: Any) -> None:
    secret = SigningKey.parse(cache.secret_key)
    public = VerifyingKey.parse(cache.public_key)
    assert secret.to_text() == cache.secret_key
    assert str(public) == cache.public_key
    assert secret.verifying_key == public
    assert public.name == secret.name == ref.KEY_NAME


def test_reference_derives_our_generated_key_s_public_half(oracle: Any, tmp_path: Path) -> None:
    ours = SigningKey.generate("made-by-nix-compat")
    public = oracle.out(
        "nix", *ref.XP, "key", "convert-secret-to-public", input=ours.to_text().encode()
    )
    assert public == str(ours.verifying_key)


def test_secret_key_is_not_shown_by_repr(cache: Any) -> None:
    secret = SigningKey.parse(cache.secret_key)
    seed_b64 = cache.secret_key.split(":", 1)[1][:40]
    assert seed_b64 not in repr(secret)
    assert seed_b64 not in str(secret)


# -- signatures both ways ----------------------------------------------------------------------


def test_reference_signatures_verify(cache: Any) -> None:
    public = VerifyingKey.parse(cache.public_key)
    for path, info in signed_narinfos(cache).items():
        assert len(info.signatures) == 1, path
        assert info.valid_signatures([public]) == info.signatures, path


def test_our_signatures_are_byte_identical_to_the_reference_s(cache: Any) -> None:
    secret = SigningKey.parse(cache.secret_key)
    for path, info in signed_narinfos(cache).items():
        assert secret.sign(info.fingerprint()) == info.signatures[0], path
        unsigned = dataclasses.replace(info, signatures=())
        assert unsigned.sign(secret).to_string() == info.to_string(), path


def test_reference_trusts_a_cache_we_sign(oracle: Any, cache: Any, tmp_path: Path) -> None:
    built = cache.paths["built"]  # input-addressed: trusted only through a signature
    folder = tmp_path / "cache"
    shutil.copytree(cache.caches["none"], folder)
    assert verify_with_reference(oracle, folder, cache.public_key, built) != 0

    signed = tmp_path / "signed"
    shutil.copytree(cache.caches["none"], signed)
    narinfo = signed / f"{ref.hash_part(built)}.narinfo"
    secret = SigningKey.parse(cache.secret_key)
    narinfo.write_text(NarInfo.parse(narinfo.read_text()).sign(secret).to_string())
    assert verify_with_reference(oracle, signed, cache.public_key, built) == 0


def test_fingerprint_of_a_sha512_nar_hash_is_the_reference_s(
    oracle: Any, cache: Any, tmp_path: Path
) -> None:
    """C++ Nix fingerprints whatever NAR hash algorithm a narinfo names, in nix32."""
    built = cache.paths["built"]
    folder = tmp_path / "cache"
    shutil.copytree(cache.caches["none"], folder)
    narinfo = folder / f"{ref.hash_part(built)}.narinfo"
    info = NarInfo.parse(narinfo.read_text())
    nar = (folder / info.url).read_bytes()
    sha512 = dataclasses.replace(info, nar_hash=NixHash.of_bytes("sha512", nar), signatures=())
    assert ";sha512:" in sha512.fingerprint()
    narinfo.write_text(sha512.sign(SigningKey.parse(cache.secret_key)).to_string())
    # `nix store verify` hashes the NAR with sha512 and checks our signature over it.
    assert verify_with_reference(oracle, folder, cache.public_key, built) == 0


def test_reference_signs_with_our_generated_key_as_we_do(
    oracle: Any, cache: Any, tmp_path: Path
) -> None:
    ours = SigningKey.generate("made-by-nix-compat")
    key_file = tmp_path / "secret-key"
    key_file.write_text(ours.to_text())
    built = cache.paths["built"]
    folder = tmp_path / "cache"
    shutil.copytree(cache.caches["zstd"], folder)
    oracle.run(
        "nix", *ref.XP, "store", "sign", "--store", f"file://{folder}", "--key-file", key_file,
        built,
    )  # fmt: skip
    theirs = NarInfo.parse((folder / f"{ref.hash_part(built)}.narinfo").read_text())
    assert theirs.signatures == (ours.sign(theirs.fingerprint()),)
    assert theirs.valid_signatures([ours.verifying_key]) == theirs.signatures


# -- what must not verify ----------------------------------------------------------------------


def test_tampered_narinfo_fails_verification(cache: Any) -> None:
    public = VerifyingKey.parse(cache.public_key)
    info = signed_narinfos(cache)[cache.paths["built"]]
    other = NarInfo.parse(cache.narinfo_file("none", cache.paths["flat"]).read_text())
    sig = info.signatures[0]
    flipped = Signature(sig.key_name, bytes([sig.signature[0] ^ 1]) + sig.signature[1:])
    tampered = [
        dataclasses.replace(info, nar_size=info.nar_size + 1),
        dataclasses.replace(info, nar_hash=other.nar_hash),
        dataclasses.replace(info, references=info.references[1:]),
        dataclasses.replace(info, store_path=other.store_path),
        dataclasses.replace(info, signatures=(flipped,)),
        dataclasses.replace(info, signatures=(Signature("someone-else", sig.signature),)),
    ]
    for bad in tampered:
        assert bad.valid_signatures([public]) == (), bad
    # Fields outside the fingerprint may change without breaking the signature, as in C++ Nix.
    moved = dataclasses.replace(info, url="nar/elsewhere.nar", compression="none")
    assert moved.valid_signatures([public]) == info.signatures
    assert info.valid_signatures([SigningKey.generate(ref.KEY_NAME).verifying_key]) == ()


def test_reference_also_rejects_a_tampered_narinfo(oracle: Any, cache: Any, tmp_path: Path) -> None:
    built = cache.paths["built"]
    folder = tmp_path / "cache"
    shutil.copytree(cache.caches[ref.SIGNED], folder)
    assert verify_with_reference(oracle, folder, cache.public_key, built) == 0
    narinfo = folder / f"{ref.hash_part(built)}.narinfo"
    info = NarInfo.parse(narinfo.read_text())
    tampered = dataclasses.replace(info, references=info.references[1:])
    narinfo.write_text(tampered.to_string())
    assert tampered.valid_signatures([VerifyingKey.parse(cache.public_key)]) == ()
    assert verify_with_reference(oracle, folder, cache.public_key, built) != 0


# -- malformed keys and signatures -------------------------------------------------------------

GOOD_SECRET = (
    "test-key-1:AnBAjvTiQecQfRzQdNNOxNgxUuyQs1W6bYCAIhzCusCdXOCBfy8t6affCFg75Bwt4DyCq22bDhQczIrx"
    "BM67fw=="
)
GOOD_PUBLIC = "test-key-1:nVzggX8vLemn3whYO+QcLeA8gqttmw4UHMyK8QTOu38="

BAD_SECRETS = {
    "no colon": "AnBAjvTiQecQ",
    "empty name": ":" + GOOD_SECRET.split(":")[1],
    "empty key": "test-key-1:",
    "not base64": "test-key-1:*" + GOOD_SECRET.split(":")[1][1:],
    "seed only": "test-key-1:" + base64.b64encode(bytes(range(32))).decode(),
    "public key given as secret": GOOD_PUBLIC,
}


@pytest.mark.parametrize("text", BAD_SECRETS.values(), ids=BAD_SECRETS.keys())
def test_bad_secret_key_is_refused(text: str) -> None:
    with pytest.raises(SignatureError):
        SigningKey.parse(text)


def test_reference_refuses_the_same_secret_keys(oracle: Any) -> None:
    for what, text in BAD_SECRETS.items():
        result = oracle.run(
            "nix", *ref.XP, "key", "convert-secret-to-public", input=text.encode(), check=False
        )
        assert result.returncode != 0, what


def test_secret_key_with_a_foreign_public_half_is_refused() -> None:
    good = SigningKey.parse(GOOD_SECRET)
    other = SigningKey.generate("x")
    with pytest.raises(SignatureError, match="does not match"):
        SigningKey(good.name, good.seed, other.public)


@pytest.mark.parametrize(
    "text",
    [
        "test-key-1",
        ":nVzggX8vLemn3whYO+QcLeA8gqttmw4UHMyK8QTOu38=",
        "test-key-1:nVzggX8vLemn3whYO+QcLeA8gqttmw4UHMyK8QTOu3=",  # 31 bytes
        "test-key-1:nVzggX8vLemn3whYO+QcLeA8gqttmw4UHMyK8QTOu38AAA==",  # 34 bytes
        "test-key-1:nVzggX8vLemn3whYO+QcLeA8gqttmw4UHMyK8QTOu38!",  # not base64
        GOOD_SECRET,
    ],
)
def test_bad_public_key_is_refused(text: str) -> None:
    with pytest.raises(SignatureError):
        VerifyingKey.parse(text)


def test_unpadded_base64_is_read_as_the_reference_reads_it() -> None:
    assert VerifyingKey.parse(GOOD_PUBLIC.rstrip("=")) == VerifyingKey.parse(GOOD_PUBLIC)
    assert SigningKey.parse(GOOD_SECRET.rstrip("=")) == SigningKey.parse(GOOD_SECRET)


#: Spellings of a key that C++ Nix's base64Decode reads as the key itself: it stops at the
#: first '=', skips line feeds and ignores the spare bits of the last character.
LENIENT_SPELLINGS = {
    "anything after the padding": lambda key: key + "!junk",
    "padding cut short": lambda key: key.rstrip("=") + "=",
    "a line feed inside": lambda key: key[:20] + "\n" + key[20:],
}


@pytest.mark.parametrize("spell", LENIENT_SPELLINGS.values(), ids=LENIENT_SPELLINGS.keys())
def test_keys_are_decoded_as_the_reference_decodes_them(oracle: Any, spell: Any) -> None:
    secret = spell(GOOD_SECRET)
    expected = oracle.out("nix", *ref.XP, "key", "convert-secret-to-public", input=secret.encode())
    assert str(SigningKey.parse(secret).verifying_key) == expected == GOOD_PUBLIC
    assert VerifyingKey.parse(spell(GOOD_PUBLIC)) == VerifyingKey.parse(GOOD_PUBLIC)


def test_reference_reads_the_same_public_keys(oracle: Any, tmp_path: Path) -> None:
    """C++ Nix parses ``--trusted-public-keys`` before verifying: a key it cannot read fails."""
    (tmp_path / "f").write_text("x")
    path = oracle.out("nix-store", "--add", tmp_path / "f")

    def reference_reads(key: str) -> bool:
        result = oracle.run(
            "nix", *ref.XP, "store", "verify", "--trusted-public-keys", key, path, check=False
        )
        return result.returncode == 0

    # The setting is a whitespace-separated list, so a line feed would split the key there.
    for what, spell in LENIENT_SPELLINGS.items():
        if what != "a line feed inside":
            assert reference_reads(spell(GOOD_PUBLIC)), what
    assert not reference_reads("test-key-1:nVzggX8vLemn3whYO+QcLeA8gqttmw4UHMyK8QTOu38!")


@pytest.mark.parametrize(
    "text",
    ["k", "k:", "k:" + "A" * 84 + "==", "k:" + "A" * 88, "k:" + "*" * 88, "k\n:" + "A" * 86 + "=="],
)
def test_bad_signature_is_refused(text: str) -> None:
    with pytest.raises(SignatureError):
        Signature.parse(text)


def test_verify_takes_a_signature_text() -> None:
    public = VerifyingKey.parse(GOOD_PUBLIC)
    secret = SigningKey.parse(GOOD_SECRET)
    sig = secret.sign("message")
    assert public.verify("message", str(sig))
    assert public.verify(b"message", sig)
    assert not public.verify("other message", sig)
    with pytest.raises(SignatureError):
        public.verify("message", "test-key-1:short")


# -- without the optional crypto library -------------------------------------------------------

WITHOUT_CRYPTOGRAPHY = textwrap.dedent(
    """
    import sys

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name == "cryptography" or name.startswith("cryptography."):
                raise ImportError("blocked for this test")
            return None

    sys.meta_path.insert(0, Refuse())
    from nix_compat.errors import SigningUnavailableError
    from nix_compat.narinfo import NarInfo
    from nix_compat.signing import SigningKey, VerifyingKey

    info = NarInfo.parse(sys.stdin.read())
    assert info.signatures and str(NarInfo.parse(info.to_string())) == info.to_string()
    assert "cryptography" not in sys.modules
    key = VerifyingKey.parse(sys.argv[1])
    for attempt in (
        lambda: info.valid_signatures([key]),
        lambda: SigningKey.parse(sys.argv[2]),
        lambda: SigningKey.generate("k"),
    ):
        try:
            attempt()
        except SigningUnavailableError as e:
            assert "nix-compat[signing]" in str(e), e
        else:
            raise AssertionError("signing worked without cryptography")
    print("ok")
    """
)


def test_narinfo_needs_no_cryptography_and_signing_says_what_to_install() -> None:
    sample = (
        "StorePath: /nix/store/njkkw287yk24sz4v9491klxr1rnqa9ii-built2\n"
        "URL: nar/0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml.nar\n"
        "Compression: none\n"
        "FileHash: sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"
        "FileSize: 168\n"
        "NarHash: sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"
        "NarSize: 168\n"
        "References: abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt\n"
        "Sig: test-key-1:M23NOmOCnLZjlz1+eScUMqQH2NAMhIyUjoTC6+KcWNCKHKmG1eK3ddpOH7XuXI7hcC9poT5"
        "W77ybd9LAaKK4CQ==\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_CRYPTOGRAPHY, GOOD_PUBLIC, GOOD_SECRET],
        input=sample.encode(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"ok\n"


# -- the command line --------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    from nix_compat.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_sign_in_place_is_trusted_by_the_reference(
    oracle: Any, cache: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = cache.paths["built"]
    folder = tmp_path / "cache"
    shutil.copytree(cache.caches["zstd"], folder)
    narinfo = folder / f"{ref.hash_part(built)}.narinfo"
    code, _, err = run_cli(
        capsys, "narinfo", "verify", narinfo, "--key-file", cache.public_key_file
    )
    assert code == 1 and "no valid signature" in err
    signed_text = run_cli(capsys, "narinfo", "sign", narinfo, "--key-file", cache.secret_key_file)
    assert signed_text[0] == 0 and narinfo.read_text() != signed_text[1]
    assert run_cli(
        capsys, "narinfo", "sign", "--in-place", narinfo, "--key-file", cache.secret_key_file
    ) == (0, "", "")
    assert narinfo.read_text() == signed_text[1]
    code, out, _ = run_cli(capsys, "narinfo", "verify", narinfo, "--key", cache.public_key)
    assert (code, out) == (0, f"good signature by '{ref.KEY_NAME}'\n")
    assert verify_with_reference(oracle, folder, cache.public_key, built) == 0


def test_cli_refuses_bad_keys_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    narinfo = tmp_path / "x.narinfo"
    narinfo.write_text(
        "StorePath: /nix/store/njkkw287yk24sz4v9491klxr1rnqa9ii-built2\n"
        "URL: nar/x.nar\nNarHash: sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"
        "NarSize: 168\n"
    )
    key_file = tmp_path / "public-key"
    key_file.write_text(GOOD_PUBLIC)
    before = narinfo.read_text()
    code, out, err = run_cli(
        capsys, "narinfo", "sign", "--in-place", narinfo, "--key-file", key_file
    )
    assert (code, out) == (1, "")
    assert err.startswith("error: secret key named 'test-key-1' has 32 bytes")
    assert narinfo.read_text() == before
    code, _, err = run_cli(capsys, "narinfo", "verify", narinfo, "--key", "k:short")
    assert code == 1 and err.startswith("error: public key named 'k'")
    code, _, err = run_cli(capsys, "narinfo", "verify", narinfo)
    assert code == 1 and "no public key given" in err
