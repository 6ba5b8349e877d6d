"""The local engine keeps input order and does not read far ahead of what it has delivered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tipwatch.engines.local import chunked, map_ordered


def double(chunk: list[int]) -> list[int]:
    return [2 * x for x in chunk]


@pytest.mark.parametrize("workers", [1, 2])
def test_order_and_completeness(workers: int) -> None:
    out = [y for part in map_ordered(double, range(1000), workers=workers, chunk_size=7) for y in part]
    assert out == [2 * x for x in range(1000)]


def test_bounded_read_ahead() -> None:
    pulled = 0

    def source() -> Iterator[int]:
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield i

    gen = map_ordered(double, source(), workers=2, chunk_size=10, depth=2)
    first = next(gen)
    assert first[0] == 0
    # At most workers * depth chunks in flight, plus the one being assembled.
    assert pulled <= (2 * 2 + 1) * 10
    gen.close()


def test_chunked() -> None:
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []
