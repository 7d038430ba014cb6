"""The fingerprints of a source's rows at its last import, held compactly for a re-import's look-ups:
sorted 16-byte digests searched by numpy, and the record keys in one string. ~40 bytes a row (1M rows:
~40 MB), against ~260 in a dict of hex strings to key tuples; a look-up takes ~0.2 us against ~5 us in
SQLite's index (1M look-ups in batches were 5.4 s of the worker's CPU in a 1%-edited re-import at 1M,
where the worker was the longer pole)."""

from __future__ import annotations

import sqlite3

import numpy as np

CHUNK_ROWS = 100_000  # rows read per query, in the index's order: bounds what a read holds on top
MAX_BUCKET_BITS = 22  # 4M buckets of 4 bytes at most (the table holds up to listings.COMPACT_ROWS texts)
_DIGEST = np.dtype("S16")  # numpy compares fixed-width bytes as memcmp does: the hex strings' order


class Unreadable(Exception):
    """The rows are more than asked for, or not in the shape this table needs (a fingerprint that is not
    128 bits of hex, keys whose lengths do not add up): the caller looks fingerprints up in SQL instead."""


class SourceFingerprints:
    """For each text a source gave at its last import: whether a row with it is listed, and the record
    keys of every row of the source with that text, listed or not."""

    def __init__(self, digests: np.ndarray, listed: np.ndarray, group_starts: np.ndarray, keys: str,
                 key_ends: np.ndarray):
        self._digests = digests  # one per distinct text, sorted
        self._listed = listed  # per text: some row with it is listed
        self._group_starts = group_starts  # per text, its first row; one more at the end
        self._keys = keys  # every row's record key, concatenated in row order
        self._key_ends = key_ends  # where row r's key is: _keys[_key_ends[r]:_key_ends[r + 1]]
        # Texts by their digest's first bits, ~2 a bucket: a look-up reads one bucket's offsets and its
        # digests, two cache misses. A binary search over the 16 MB of digests made ~20, and cost 2 us a
        # line in a 1M re-import, where the writer and the hash thread share the CPU's cache.
        self._bucket_bits = max(1, min(MAX_BUCKET_BITS, len(digests).bit_length() - 1))
        buckets = _first_bits(digests, self._bucket_bits)
        self._bucket_starts = np.zeros((1 << self._bucket_bits) + 1, np.int32 if len(digests) < 2**31 else np.int64)
        np.cumsum(np.bincount(buckets, minlength=1 << self._bucket_bits), out=self._bucket_starts[1:])
        self._widest_bucket = int(np.diff(self._bucket_starts).max()) if len(digests) else 0

    @classmethod
    def read(cls, conn: sqlite3.Connection, source_id: int, *, max_rows: int) -> SourceFingerprints:
        """One pass over the (source_id, record_hash, listed, record_key) index, CHUNK_ROWS at a time;
        Unreadable past `max_rows` rows."""
        digests: list[np.ndarray] = []
        listed: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        keys: list[str] = []
        rows = 0
        after: tuple[str, int, str] = ("", -1, "")
        while True:
            # group_concat in C: fetching 1M rows one by one took 1.35 s, this 0.74 s. A subquery's order
            # reaches group_concat as given in SQLite; _grouped refuses rows out of order all the same.
            count, hashes, flags, key_lengths, chunk_keys = conn.execute(
                """SELECT count(*), group_concat(record_hash, ''), group_concat(listed, ''),
                          group_concat(length(CAST(record_key AS BLOB))), group_concat(record_key, '')
                   FROM (SELECT record_hash, listed, record_key FROM paper_sources
                         WHERE source_id = ? AND (record_hash, listed, record_key) > (?, ?, ?)
                         ORDER BY record_hash, listed, record_key LIMIT ?)""",
                (source_id, *after, CHUNK_ROWS),
            ).fetchone()
            if not count:
                break
            rows += count
            if rows > max_rows:
                raise Unreadable(f"more than {max_rows:,} rows")
            chunk_digests, chunk_listed, chunk_lengths = _chunk(count, hashes, flags, key_lengths, chunk_keys)
            digests.append(chunk_digests)
            listed.append(chunk_listed)
            lengths.append(chunk_lengths)
            keys.append(chunk_keys)
            after = (hashes[-32:], int(flags[-1]), chunk_keys[len(chunk_keys) - int(chunk_lengths[-1]):])
            if count < CHUNK_ROWS:
                break
        if not digests:
            return cls._grouped(np.empty(0, _DIGEST), np.empty(0, bool), "", np.empty(0, np.int64))
        # One part at a time, each list freed as its whole is made: the peak is one part's size, not all.
        all_digests = np.concatenate(digests)
        del digests
        all_keys = "".join(keys)
        del keys
        return cls._grouped(all_digests, np.concatenate(listed), all_keys, np.concatenate(lengths))

    @classmethod
    def _grouped(cls, digests: np.ndarray, listed: np.ndarray, keys: str, lengths: np.ndarray) -> SourceFingerprints:
        if len(digests) > 1 and not bool(np.all(digests[1:] >= digests[:-1])):
            raise Unreadable("rows out of order")
        starts = np.flatnonzero(np.r_[True, digests[1:] != digests[:-1]]) if len(digests) else np.empty(0, np.intp)
        texts_listed = np.logical_or.reduceat(listed, starts) if len(starts) else np.empty(0, bool)
        offsets = np.int32 if len(keys) < 2**31 else np.int64  # 4 bytes a row, not 8, below 2G characters
        key_ends = np.zeros(len(lengths) + 1, offsets)
        np.cumsum(lengths, out=key_ends[1:])
        group_starts = np.append(starts, len(digests)).astype(offsets)
        distinct = digests[starts] if len(starts) < len(digests) else digests
        return cls(distinct, texts_listed, group_starts, keys, key_ends)

    def keys_of(self, hashes: list[str]) -> list[tuple[str, ...] | None]:
        """For each hex fingerprint, the record keys of the source's rows with that text if one of them
        is listed, else None."""
        answer: list[tuple[str, ...] | None] = [None] * len(hashes)
        if not hashes or not len(self._digests):
            return answer
        try:
            asked = np.frombuffer(bytes.fromhex("".join(hashes)), _DIGEST)
        except ValueError:
            asked = np.empty(0, _DIGEST)
        if len(asked) != len(hashes):  # something not a fingerprint among them: one by one
            return [self.keys_of([digest])[0] if _is_fingerprint(digest) else None for digest in hashes]
        bucket = _first_bits(asked, self._bucket_bits)
        row, end = self._bucket_starts[bucket], self._bucket_starts[bucket + 1]
        at = np.full(len(asked), -1, np.int64)
        last = len(self._digests) - 1
        for _ in range(self._widest_bucket):  # the k-th text of every asked bucket at once
            inside = row < end
            if not inside.any():
                break
            same = inside & (self._digests[np.minimum(row, last)] == asked)
            at[same] = row[same]
            row = row + 1
        hits = np.flatnonzero(at >= 0)
        hits = hits[self._listed[at[hits]]]
        groups = at[hits]
        first, stop = self._group_starts[groups], self._group_starts[groups + 1]
        ends, keys = self._key_ends, self._keys
        # Slices of one string by offsets made lists at once: 1.2 us a line with a loop over numpy scalars.
        for i, begin, end in zip(hits.tolist(), ends[first].tolist(), ends[first + 1].tolist(), strict=True):
            answer[i] = (keys[begin:end],)
        for j in np.flatnonzero(stop - first > 1).tolist():  # one text, several rows (rare): every row's key
            answer[hits[j]] = tuple(keys[ends[r]:ends[r + 1]] for r in range(first[j], stop[j]))
        return answer


def _first_bits(digests: np.ndarray, bits: int) -> np.ndarray:
    """The first `bits` bits of each 16-byte digest, as bucket numbers."""
    first_words = np.ascontiguousarray(digests).view(">u8")[::2]  # a view: no copy of the 16 MB at 1M
    return (first_words >> np.uint64(64 - bits)).astype(np.intp)


def _is_fingerprint(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def _chunk(count: int, hashes: str, flags: str, key_lengths: str, keys: str) -> tuple[np.ndarray, ...]:
    """One query's rows as arrays: digests, listed flags, key lengths in characters of `keys`."""
    try:
        digests = np.frombuffer(bytes.fromhex(hashes), _DIGEST)
        byte_lengths = np.array(key_lengths.split(","), dtype=np.int64)
    except ValueError:
        raise Unreadable("a fingerprint or a key length is not what it should be") from None
    listed = np.frombuffer(flags.encode("utf-8"), np.uint8) == ord("1")
    if len(digests) != count or len(flags) != count or len(byte_lengths) != count:
        raise Unreadable("a fingerprint is not 128 bits or a listed flag not 0/1")
    if keys.isascii():
        if int(byte_lengths.sum()) != len(keys):
            raise Unreadable("the record keys do not add up")
        return digests, listed, byte_lengths
    encoded = keys.encode("utf-8")
    if int(byte_lengths.sum()) != len(encoded):
        raise Unreadable("the record keys do not add up")
    ends = np.cumsum(byte_lengths).tolist()
    chars = [len(encoded[begin:end].decode("utf-8")) for begin, end in zip([0, *ends[:-1]], ends, strict=True)]
    return digests, listed, np.array(chars, dtype=np.int64)
