"""The protocol's framing: words, padded strings, collections, framed streams, sync and async."""

from __future__ import annotations

import asyncio
import io
import socket
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nix_compat.errors import WireError
from nix_compat.wire.primitives import (
    AsyncWireReader,
    AsyncWireWriter,
    FramedReader,
    FramedWriter,
    WireReader,
    WireWriter,
    encode_bytes,
    encode_strings,
    encode_u64,
)


def u64(n: int) -> bytes:
    return struct.pack("<Q", n)


def reader(data: bytes, **limits: int) -> WireReader:
    return WireReader(io.BytesIO(data), **limits)


class _Dribble(io.RawIOBase):
    """A stream that returns one byte per read, as a slow socket may."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._data.read(min(n, 1) if n >= 0 else 1)


# -- the layout, as the protocol documents it ---------------------------------------------------


def test_words_are_little_endian_u64() -> None:
    assert encode_u64(1) == b"\x01" + bytes(7)
    assert encode_u64(0x6E697863) == b"cxin\x00\x00\x00\x00"
    assert encode_u64(2**64 - 1) == b"\xff" * 8


@pytest.mark.parametrize("bad", [-1, 2**64])
def test_words_outside_u64_are_refused(bad: int) -> None:
    with pytest.raises(WireError, match="64-bit"):
        encode_u64(bad)


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"", u64(0)),
        (b"a", u64(1) + b"a" + bytes(7)),
        (b"12345678", u64(8) + b"12345678"),
        (b"123456789", u64(9) + b"123456789" + bytes(7)),
    ],
)
def test_strings_are_padded_to_eight(data: bytes, encoded: bytes) -> None:
    assert encode_bytes(data) == encoded
    r = reader(encoded)
    assert r.read_bytes() == data
    assert r.offset == len(encoded)


def test_collections_are_counted() -> None:
    encoded = encode_strings(["ab", b"c"])
    assert encoded == u64(2) + u64(2) + b"ab" + bytes(6) + u64(1) + b"c" + bytes(7)
    assert reader(encoded).read_strings() == ["ab", "c"]


def test_nar_tokens_use_the_same_framing(oracle: Any, tmp_path: Path) -> None:
    """A NAR is a sequence of protocol strings: the reference's dump reads back token by token."""
    (tmp_path / "f").write_bytes(b"hello")
    nar = oracle.run("nix-store", "--dump", tmp_path / "f").stdout
    r = reader(nar)
    tokens = [r.read_bytes() for _ in range(7)]
    assert tokens == [b"nix-archive-1", b"(", b"type", b"regular", b"contents", b"hello", b")"]
    assert r.offset == len(nar)
    assert b"".join(map(encode_bytes, tokens)) == nar


# -- round trips -------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    words=st.lists(st.integers(0, 2**64 - 1), max_size=5),
    flag=st.booleans(),
    blob=st.binary(max_size=40),
    texts=st.lists(st.text(max_size=12), max_size=4),
    mapping=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)
def test_values_round_trip(
    words: list[int], flag: bool, blob: bytes, texts: list[str], mapping: dict[str, str]
) -> None:
    out = io.BytesIO()
    w = WireWriter(out)
    for word in words:
        w.write_u64(word)
    w.write_bool(flag)
    w.write_bytes(blob)
    w.write_strings(texts)
    w.write_str_map(mapping)
    w.flush()
    data = out.getvalue()
    assert len(data) % 8 == 0
    for r in (reader(data), WireReader(_Dribble(data))):
        assert [r.read_u64() for _ in words] == words
        assert r.read_bool() is flag
        assert r.read_bytes() == blob
        assert r.read_strings() == texts
        assert r.read_str_map() == mapping
        assert r.offset == len(data)


def test_strings_that_are_not_utf8_round_trip() -> None:
    raw = b"caf\xe9"
    text = reader(encode_bytes(raw)).read_str()
    out = io.BytesIO()
    w = WireWriter(out)
    w.write_str(text)
    w.flush()
    assert out.getvalue() == encode_bytes(raw)


def test_writer_sends_only_on_flush_until_high_water() -> None:
    out = io.BytesIO()
    w = WireWriter(out, high_water=32)
    w.write_u64(1)
    assert out.getvalue() == b""
    w.write_bytes(b"x" * 30)
    assert len(out.getvalue()) == 8 + 8 + 32


# -- refusing bad input, with the offset -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "read", "offset"),
    [
        (b"\x01\x02", "read_u64", 2),
        (u64(7) + u64(5) + b"abc", "skip_then_bytes", 19),
        (u64(5) + b"abcde" + bytes(2), "read_bytes", 15),
        (u64(2) + u64(1) + b"a" + bytes(7), "read_strings", 24),
    ],
)
def test_truncation_is_refused_where_the_stream_ends(data: bytes, read: str, offset: int) -> None:
    r = reader(data)
    with pytest.raises(WireError, match="unexpected end of stream") as info:
        if read == "skip_then_bytes":
            r.read_u64()
            r.read_bytes()
        else:
            getattr(r, read)()
    assert info.value.offset == offset


def test_over_long_string_is_refused_before_reading_it() -> None:
    data = u64(8) + u64(2**63) + b"never read"
    r = reader(data)
    r.read_u64()
    with pytest.raises(WireError, match="string length of 9223372036854775808") as info:
        r.read_bytes()
    assert info.value.offset == 8


def test_string_limit_is_configurable() -> None:
    encoded = encode_bytes(b"abcdefgh")
    assert reader(encoded, max_bytes=8).read_bytes() == b"abcdefgh"
    with pytest.raises(WireError, match="exceeds the limit of 7"):
        reader(encoded, max_bytes=7).read_bytes()
    with pytest.raises(WireError, match="exceeds the limit of 4"):
        reader(encoded).read_bytes(max_len=4)


def test_over_long_collection_is_refused() -> None:
    with pytest.raises(WireError, match="collection size of 1000") as info:
        reader(u64(1000), max_items=999).read_strings()
    assert info.value.offset == 0


def test_non_zero_padding_is_refused_at_the_padding() -> None:
    data = u64(3) + b"abc" + b"\x00\x00\x01\x00\x00"
    with pytest.raises(WireError, match="non-zero padding") as info:
        reader(data).read_bytes()
    assert info.value.offset == 11


def test_booleans_are_zero_or_one() -> None:
    r = reader(u64(0) + u64(1) + u64(2))
    assert r.read_bool() is False
    assert r.read_bool() is True
    with pytest.raises(WireError, match="boolean must be 0 or 1, not 2") as info:
        r.read_bool()
    assert info.value.offset == 16


def test_end_of_stream_between_messages_is_not_an_error() -> None:
    r = reader(u64(5))
    assert r.read_u64_or_eof() == 5
    assert r.read_u64_or_eof() is None
    with pytest.raises(WireError, match="unexpected end of stream") as info:
        reader(u64(5)[:3]).read_u64_or_eof()
    assert info.value.offset == 3


# -- framed streams ----------------------------------------------------------------------------


def test_framed_stream_round_trip_unpadded() -> None:
    out = io.BytesIO()
    w = WireWriter(out)
    with FramedWriter(w, frame_size=4) as framed:
        framed.write(b"abcdefghij")
    data = out.getvalue()
    # Frames carry no padding: 4 + 4 + 2 bytes, then the zero-length end.
    assert data == u64(4) + b"abcd" + u64(4) + b"efgh" + u64(2) + b"ij" + u64(0)
    r = reader(data + b"after")
    f = FramedReader(r)
    assert f.read(3) == b"abc"
    assert f.read() == b"defghij"
    assert f.read(1) == b""
    assert f.at_end
    assert r.offset == len(data)


def test_framed_drain_skips_what_was_left() -> None:
    data = u64(3) + b"abc" + u64(2) + b"de" + u64(0) + u64(42)
    r = reader(data)
    f = FramedReader(r)
    assert f.read(1) == b"a"
    f.drain()
    assert r.read_u64() == 42


def test_framed_stream_refuses_huge_frames_and_truncation() -> None:
    with pytest.raises(WireError, match="frame of 100 bytes exceeds the limit of 10") as info:
        FramedReader(reader(u64(1) + b"a" + u64(100)), max_frame=10).read_all()
    assert info.value.offset == 9
    with pytest.raises(WireError, match="unexpected end of stream"):
        FramedReader(reader(u64(3) + b"ab")).read_all()


def test_framed_writer_refuses_writes_after_close() -> None:
    framed = FramedWriter(WireWriter(io.BytesIO()))
    framed.close()
    with pytest.raises(WireError, match="already ended"):
        framed.write(b"x")


# -- the asyncio flavour decodes the same way ---------------------------------------------------


def _async_read(data: bytes, steps: list[str], **limits: int) -> list[Any]:
    async def run() -> list[Any]:
        stream = asyncio.StreamReader()
        stream.feed_data(data)
        stream.feed_eof()
        r = AsyncWireReader(stream, **limits)
        return [await getattr(r, step)() for step in steps]

    return asyncio.run(run())


def test_async_reader_reads_what_the_writer_wrote() -> None:
    out = io.BytesIO()
    w = WireWriter(out)
    w.write_u64(7)
    w.write_bool(True)
    w.write_bytes(b"xyz")
    w.write_str("é")
    w.write_strings(["a", "bc"])
    w.write_str_map({"k": "v"})
    w.flush()
    steps = ["read_u64", "read_bool", "read_bytes", "read_str", "read_strings", "read_str_map"]
    assert _async_read(out.getvalue(), steps) == [7, True, b"xyz", "é", ["a", "bc"], {"k": "v"}]


def test_async_reader_refuses_the_same_bad_input() -> None:
    with pytest.raises(WireError, match="non-zero padding") as info:
        _async_read(u64(1) + b"a\x00\x00\x00\x00\x00\x00\x01", ["read_bytes"])
    assert info.value.offset == 9
    with pytest.raises(WireError, match="unexpected end of stream") as info:
        _async_read(u64(4) + b"ab", ["read_bytes"])
    assert info.value.offset == 10
    with pytest.raises(WireError, match="exceeds the limit"):
        _async_read(u64(2**40), ["read_bytes"])
    with pytest.raises(WireError, match="boolean"):
        _async_read(u64(3), ["read_bool"])
    with pytest.raises(WireError, match="collection size"):
        _async_read(u64(10), ["read_count"], max_items=9)


def test_async_writer_writes_what_the_sync_writer_writes() -> None:
    def fill(w: WireWriter | AsyncWireWriter) -> None:
        w.write_u64(3)
        w.write_bool(False)
        w.write_bytes(b"abc")
        w.write_str("d")
        w.write_strings(["e"])
        w.write_str_map({"f": "g"})

    out = io.BytesIO()
    sync_writer = WireWriter(out)
    fill(sync_writer)
    sync_writer.flush()
    expected = out.getvalue()

    async def run() -> bytes:
        left, right = socket.socketpair()
        _, stream_out = await asyncio.open_connection(sock=left)
        stream_in, peer = await asyncio.open_connection(sock=right)
        w = AsyncWireWriter(stream_out)
        fill(w)
        await w.flush()
        data = await AsyncWireReader(stream_in).read_exact(len(expected))
        for stream in (stream_out, peer):
            stream.close()
            await stream.wait_closed()
        return data

    assert asyncio.run(run()) == expected
