"""Cutting a stream into runs bounded by count and by bytes: a count alone lets a few hundred hostile
items near a size limit (16 MiB lines) make one run of gigabytes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def runs(items: Iterable[T], count: int, max_bytes: int, size_of: Callable[[T], int]) -> Iterator[list[T]]:
    """The items in order, `count` at a time, or fewer once a run's sizes reach `max_bytes` (the item
    that reaches it ends its run). Cut only by the items themselves, so equal streams cut alike."""
    run: list[T] = []
    size = 0
    for item in items:
        run.append(item)
        size += size_of(item)
        if len(run) == count or size >= max_bytes:
            yield run
            run, size = [], 0
    if run:
        yield run
