"""The orderings C++ Nix gets from its C++ standard library, reproduced step by step.

``builtins.sort`` is libstdc++'s ``std::stable_sort`` and ``builtins.genericClosure`` keeps
its keys in a ``std::set``. With a comparison that is not a strict weak order (``a <= b``),
or one that fails on some pairs, the result and the error depend on exactly which pairs are
compared in which order, so these follow libstdc++'s algorithms rather than Python's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tvix_eval.builtins.registry import builtins_helper_module

__all__ = ["KeySet", "stable_sort"]

builtins_helper_module(__file__)

Value = Any
Less = Callable[[Value, Value], bool]

#: libstdc++'s ``_S_chunk_size``: runs of this length are insertion-sorted first.
CHUNK = 7


def stable_sort(items: list[Value], less: Less) -> list[Value]:
    """libstdc++'s ``std::stable_sort`` with a buffer of half the range (always granted):
    each half merge-sorted through the buffer, then the halves merged."""
    values = list(items)
    n = len(values)
    if n < 2:
        return values
    middle = (n + 1) // 2
    _merge_sort_with_buffer(values, 0, middle, less)
    _merge_sort_with_buffer(values, middle, n, less)
    _merge_adaptive(values, 0, middle, n, less)
    return values


def _insertion_sort(values: list[Value], first: int, last: int, less: Less) -> None:
    for i in range(first + 1, last):
        value = values[i]
        if less(value, values[first]):
            values[first + 1 : i + 1] = values[first:i]
            values[first] = value
            continue
        j = i
        while less(value, values[j - 1]):
            values[j] = values[j - 1]
            j -= 1
        values[j] = value


def _move_merge(
    source: list[Value], a: int, a_end: int, b: int, b_end: int, out: list[Value], less: Less
) -> None:
    """Merge two sorted runs of ``source`` onto the end of ``out``; ties take the left."""
    while a != a_end and b != b_end:
        if less(source[b], source[a]):
            out.append(source[b])
            b += 1
        else:
            out.append(source[a])
            a += 1
    out.extend(source[a:a_end])
    out.extend(source[b:b_end])


def _merge_sort_loop(source: list[Value], step: int, less: Less) -> list[Value]:
    out: list[Value] = []
    first, last = 0, len(source)
    while last - first >= 2 * step:
        _move_merge(source, first, first + step, first + step, first + 2 * step, out, less)
        first += 2 * step
    step = min(last - first, step)
    _move_merge(source, first, first + step, first + step, last, out, less)
    return out


def _merge_sort_with_buffer(values: list[Value], first: int, last: int, less: Less) -> None:
    length = last - first
    for start in range(first, last, CHUNK):
        _insertion_sort(values, start, min(start + CHUNK, last), less)
    run = values[first:last]
    step = CHUNK
    while step < length:
        run = _merge_sort_loop(run, step, less)
        step *= 2
        run = _merge_sort_loop(run, step, less)
        step *= 2
    values[first:last] = run


def _merge_adaptive(values: list[Value], first: int, middle: int, last: int, less: Less) -> None:
    if middle - first <= last - middle:
        merged: list[Value] = []
        buffer = values[first:middle]
        _merge_forward(buffer, values, middle, last, merged, less)
        values[first : first + len(merged)] = merged
    else:
        _merge_backward(values, first, middle, values[middle:last], last, less)


def _merge_forward(
    buffer: list[Value], values: list[Value], b: int, b_end: int, out: list[Value], less: Less
) -> None:
    a = 0
    while a != len(buffer) and b != b_end:
        if less(values[b], buffer[a]):
            out.append(values[b])
            b += 1
        else:
            out.append(buffer[a])
            a += 1
    out.extend(buffer[a:])
    # What is left of the right run is already in place.


def _merge_backward(
    values: list[Value], first: int, middle: int, buffer: list[Value], last: int, less: Less
) -> None:
    """``__move_merge_adaptive_backward``: fill ``values`` from the end, comparing the
    left run's last element with the buffered right run's last element."""
    a = middle - 1
    b = len(buffer) - 1
    out = last
    if b < 0:
        return
    while True:
        if less(buffer[b], values[a]):
            out -= 1
            values[out] = values[a]
            if a == first:
                values[out - b - 1 : out] = buffer[: b + 1]
                return
            a -= 1
        else:
            out -= 1
            values[out] = buffer[b]
            if b == 0:
                return
            b -= 1


class KeySet:
    """``std::set`` of keys under ``less``: :meth:`add` compares the new key with stored
    ones as the tree's insertion does (new key first), and says whether it was new."""

    def __init__(self, less: Less) -> None:
        self.less = less
        self.keys: list[Value] = []

    def add(self, key: Value) -> bool:
        keys, less = self.keys, self.less
        lo, hi = 0, len(keys)
        while lo < hi:
            mid = (lo + hi) // 2
            if less(key, keys[mid]):
                hi = mid
            else:
                lo = mid + 1
        if lo > 0 and not less(keys[lo - 1], key):
            return False
        keys.insert(lo, key)
        return True
