"""The only writer. Saves one source's records inside the caller's transaction, a chunk at a time:
set-based look-ups per chunk, executemany writes, no ORM, nothing per-record that could be batched."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from corpus_db.model import Batch, ImportCounts, MergedId, PreparedRecord, Rejected, Repo
from corpus_db.rules.identity import (
    IDENTIFIERS,
    Candidates,
    drop_taken_identifiers,
    identity_key,
    key_of,
    resolve,
    speaks_again,
)
from corpus_db.rules.merge import TEXT_FIELDS, merge_fields, revise_fields
from corpus_db.rules.normalize import tag_name
from corpus_db.rules.taxonomy import TAXONOMY_ORIGIN
from corpus_db.store import fts, fts_side, indexes, paper_cards, search_outbox
from corpus_db.store.db import db_path_of, utc_now
from corpus_db.store.fts_window import TextWindow
from corpus_db.store.rejects import RejectLimit, check_limit, clear_rejects, save_rejects
from corpus_db.store.sources import (
    SourceInfo,
    finish_source,
    record_count,
    set_content_hash,
    set_file_identity,
    set_validators,
    upsert_source,
)
from corpus_db.store.tags import (
    SOURCE_TAG_ORIGIN,
    apply_import_tags,
    refresh_paper_counts,
    tag_id,
    tag_listed_papers,
)
from corpus_db.store.transaction import write_transaction

if TYPE_CHECKING:
    from corpus_db.store.search_early import EarlyIndex

TagsFor = Callable[[str, str | None], list[str]]  # taxonomy tags of a title and abstract

# A load this large (estimated records), and large against what is there, indexes each chunk's new
# papers in one statement instead of by trigger (fts.begin_bulk_load); into an empty corpus it also
# builds the secondary indexes once at the end (indexes.drop_deferrable).
BULK_MIN_RECORDS = 20_000
BULK_SHARE_OF_EXISTING = 0.5
# A bulk load indexes new papers this many at a time. FTS5 writes its pending terms out as a new segment
# at the end of every statement, and merges segments as they pile up: indexing each 500-paper chunk
# made 200 segments per 100k papers and cost 14 s of CPU there, 20k at a time 5.6 s (a rebuild 7.6 s).
FTS_BATCH = 20_000
# Author ids the writer has stored or looked up, by name key: a name recurs paper after paper (a 100k
# dump names 87k people 400k times), and each chunk upserted and looked up every name of its bylines.
# Ids never change within a source's transaction. Capped so the writer's memory stays flat (~12 MB):
# the first 30k names seen already serve 75% of the 400k look-ups of that dump (all of them: 78%).
AUTHOR_CACHE = 100_000

_PAPER_COLUMNS = (
    "id", "identity_key", *IDENTIFIERS, "title", "title_key", "title_hash", "abstract", "abstract_truncated",
    "published", "year", "venue",
)
_paper_values = itemgetter(*_PAPER_COLUMNS)  # a paper dict's values in column order, in C (~0.4 us, not ~1.5)


FIRST_REJECTS = 3  # kept to name in the error when a source has too many
REWRITTEN_IN_MEMORY = 100_000  # keys (~10 MB) a writer remembers in a set before it moves them to a temp table


def _json(values: Iterable[Any]) -> str:
    """A JSON array for json_each(): orjson takes ~2.7 us for 500 record keys against json's ~36, several
    times a batch. (Text with a lone surrogate, which it refuses, never gets here: sqlite3 could not bind it.)"""
    return orjson.dumps(list(values)).decode()


class ListingOrderConflict(Exception):
    """A record the source gave unchanged came after a changed record of the same key that already took
    its listing over (a source listing one key twice, a new twin put before the old ones): the import must
    be redone with every record keyed in file order (see SourceWriter._keep_unchanged)."""


class SourceWriter:
    """Writes one source's records. The caller owns the transaction (BEGIN IMMEDIATE ... COMMIT)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        source: SourceInfo,
        *,
        tags_for: TagsFor,
        import_tags: Sequence[str] = (),
        now: str | None = None,
        reprocess: bool = False,
        reject_limit: RejectLimit | None = None,
        early: EarlyIndex | None = None,
    ) -> None:
        self.conn = conn
        self.reprocess = reprocess  # re-read records whose text is unchanged (a newer parser may see more)
        self.source = source
        self.tags_for = tags_for  # for papers whose merged text is no one record's
        self.import_tags = [t for t in map(tag_name, import_tags) if t]
        self.now = now or utc_now()
        self.counts = ImportCounts()
        self._tag_ids: dict[str, int] = {}
        self._author_ids: dict[str, int] = {}
        self._curated_names: set[str] = set()
        self._untagged: set[int] = set()  # tags some paper lost: recounted at the end with those used
        self._listing_date: str | None = None
        self._records_seen = 0
        self._repeats: dict[str, int] = {}  # record keys the source repeats: the last #n given
        self.source_id = upsert_source(conn, source, self.now)
        # A source with no listing yet has nothing to unlist at the end (every row it gets is seen now).
        self._listed_before = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM paper_sources WHERE source_id = ?)", (self.source_id,)
        ).fetchone()[0] == 1
        self.reject_limit = reject_limit
        self.first_rejects: list[Rejected] = []
        clear_rejects(conn, self.source_id)  # what the last import of this source rejected
        self._next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM papers").fetchone()[0]
        # No merge rule in the corpus (every corpus until an OpenAlex snapshot brings some): no record's id
        # can lead elsewhere, and the look-ups per identifier and batch are skipped (~2% of a first import's
        # writer at 100k). A merge this source applies turns them back on.
        self._merge_rules = conn.execute("SELECT EXISTS (SELECT 1 FROM merged_ids)").fetchone()[0] == 1
        # Without a rowid: one b-tree to insert every record key into, not a table and its key index.
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen_records (record_key TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute("DELETE FROM temp.seen_records")
        # The keys whose listing a changed record of this import rewrote: few on a re-import, so kept in a
        # set (a probe per unchanged batch costs 0.02 ms, against 0.2 ms in SQL); past REWRITTEN_IN_MEMORY
        # of them, in a temp table, so that memory stays flat.
        self._rewritten: set[str] | None = set()
        self.bulk = self._choose_bulk_mode()
        self._deferred_indexes: list[str] = []
        self._unindexed_from: int | None = None  # bulk load: the first new paper not in the FTS index yet
        self._side: fts_side.SideIndex | None = None  # bulk load into no paper: the text indexed on a thread
        self._side_rows: list[tuple[int, str, str | None]] = []  # its papers stored since the last hand-over
        if self.bulk:
            search_outbox.suspend(conn)  # one "rebuild" row instead of one per paper
            paper_cards.suspend(conn)  # likewise: every card refilled once, after the commit
            if self._next_id == 1:  # no paper yet
                self._deferred_indexes = indexes.drop_deferrable(conn)
                db_file = db_path_of(conn)
                if db_file:  # else in memory: no file to put a scratch file beside
                    self._side = fts_side.SideIndex(conn, db_file, self._next_id)
            if self._side is None:
                fts.begin_bulk_load(conn)
        # Any other write indexes its papers' text a window at a time, not by trigger row by row (fts_window.py).
        self._text_window = None if self.bulk else TextWindow(conn)
        # The search index's update, begun batch by batch (search_early.py); a bulk load rebuilds it instead.
        self._early = None if self.bulk else early
        if self.bulk and early is not None:
            early.abandon()

    # -- the source row -------------------------------------------------------------------------

    def _choose_bulk_mode(self) -> bool:
        # Records this source listed last time are mostly unchanged on a re-import: count only the rest,
        # else re-reading a big dump with 1% edits would rebuild the whole index (~50 s at 1M papers)
        # instead of firing the triggers for the few papers that change.
        previous = record_count(self.conn, self.source_id)
        estimated = self.source.size_hint // 1500 - previous
        if estimated < BULK_MIN_RECORDS:
            return False
        # The largest id, not count(*): count(*) read a 1M corpus's smallest index (0.4 s when its pages
        # were not cached); ids have gaps only where papers were merged away, so bulk mode is never
        # chosen for a corpus too big for it.
        existing = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM papers").fetchone()[0]
        return estimated >= existing * BULK_SHARE_OF_EXISTING

    # -- the record stream ----------------------------------------------------------------------

    def write(self, batches: Iterable[Batch]) -> ImportCounts:
        """Store every record and reject, a batch (as ingest cut them: 500 records) at a time, then mark
        what the source no longer lists and finish the source. Raises TooManyRejects (the caller rolls
        back) when the rejects pass the limit."""
        for batch in batches:
            self._write_chunk(batch)
            if self._early is not None:
                self._early.take(self.conn)
        self._check_rejects(final=True)
        self._finish()
        return self.counts

    def _dedupe_record_keys(self, prepared: list[PreparedRecord]) -> None:
        """A source may list one work twice; the second listing gets key#2, and so on."""
        keys = [p.record_key for p in prepared]
        taken = {
            k for (k,) in self.conn.execute(
                "SELECT record_key FROM temp.seen_records WHERE record_key IN (SELECT value FROM json_each(?))",
                (_json(keys),),
            )
        }
        for item in prepared:
            base, key = item.record_key, item.record_key
            # Start from the last number this key was given: a dump repeating one record 500,000 times
            # stays linear instead of probing #2, #3, ... again for every repeat.
            n = self._repeats.get(base, 1) if key in taken else 1
            while key in taken:
                n += 1
                key = f"{base}#{n}"
                if self.conn.execute("SELECT 1 FROM temp.seen_records WHERE record_key = ?", (key,)).fetchone():
                    taken.add(key)
            if n > 1:
                self._repeats[base] = n
            item.record_key = key
            taken.add(key)
        self.conn.executemany(
            "INSERT INTO temp.seen_records (record_key) VALUES (?)", [(p.record_key,) for p in prepared]
        )
        self._records_seen += len(prepared)

    def _save_rejects(self, rejects: list[Rejected]) -> None:
        save_rejects(self.conn, self.source_id, rejects, self.now)
        self.counts.rejected += len(rejects)
        self.first_rejects.extend(rejects[: FIRST_REJECTS - len(self.first_rejects)])
        self._check_rejects(final=False)

    def _check_rejects(self, *, final: bool) -> None:
        if self.reject_limit is not None and self.counts.rejected:
            check_limit(self.reject_limit, self.counts, self.first_rejects, self.source.locator, final=final)

    def _write_chunk(self, batch: Batch) -> None:
        chunk = batch.items
        merges = [item for item in chunk if isinstance(item, MergedId)]
        if merges:
            self._apply_merges(merges)
        prepared = [item for item in chunk if isinstance(item, PreparedRecord)]
        rejects = [item for item in chunk if isinstance(item, Rejected)]
        if rejects:
            self._save_rejects(rejects)
        if batch.unchanged:
            self._keep_unchanged(batch.unchanged_keys, batch.unchanged)
        if not prepared:
            return
        if self._listing_date is None:
            self._listing_date = next((p.listed_on for p in prepared if p.listed_on), None)
        self._dedupe_record_keys(prepared)
        links = self._existing_links(prepared)
        todo = []
        relist = []
        for item in prepared:
            link = links.get(item.record_key)
            if link is not None and link["record_hash"] == item.record_hash and not self.reprocess:
                if link["listed"]:
                    self.counts.unchanged += 1
                else:
                    relist.append((link["id"],))
                    self.counts.updated += 1
                continue
            todo.append(item)
        if relist:
            self.conn.executemany("UPDATE paper_sources SET listed = 1, unlisted_at = NULL WHERE id = ?", relist)
        if todo:
            self._note_rewritten([item.record_key for item in todo if item.record_key in links])
            self._store_records(todo, links)

    def _note_rewritten(self, keys: list[str]) -> None:
        if not keys:
            return
        if self._rewritten is not None and len(self._rewritten) + len(keys) <= REWRITTEN_IN_MEMORY:
            self._rewritten.update(keys)
            return
        if self._rewritten is not None:
            self.conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS rewritten_records (record_key TEXT PRIMARY KEY) WITHOUT ROWID"
            )
            self.conn.execute("DELETE FROM temp.rewritten_records")
            keys = [*self._rewritten, *keys]
            self._rewritten = None
        self.conn.executemany("INSERT OR IGNORE INTO temp.rewritten_records (record_key) VALUES (?)",
                              [(key,) for key in keys])

    def _first_rewritten(self, keys: list[str], keys_json: str) -> str | None:
        """The first of `keys` whose listing a changed record of this import rewrote, if any."""
        if self._rewritten is not None:
            return next((key for key in keys if key in self._rewritten), None) if self._rewritten else None
        row = self.conn.execute(
            "SELECT record_key FROM temp.rewritten_records WHERE record_key IN (SELECT value FROM json_each(?))",
            (keys_json,),
        ).fetchone()
        return row[0] if row else None

    def _keep_unchanged(self, keys: list[str], count: int) -> None:
        """Records recognised by their fingerprint before parsing: still listed, nothing to write but the
        record keys of the source's rows with their text as seen (two listings of one source with the
        very same text are both kept listed). Ingest looked the keys up with the fingerprints: the rows
        this transaction changed have their keys seen already, every other row reads as it did.

        Keys are numbered (#2, #3) in file order, but unchanged records are only recognised as they come: a
        changed record of a repeated key may have taken over, earlier in this import, the listing of a
        record that now turns up unchanged. Its text is gone from the row, so the import starts again with
        every record keyed in file order (ListingOrderConflict); it happens only to a source that lists one
        key twice and puts a new twin before the old ones."""
        keys_json = _json(keys)
        if (taken := self._first_rewritten(keys, keys_json)) is not None:
            raise ListingOrderConflict(f"{self.source.locator}: listing {taken} was taken over by an earlier record")
        self.conn.execute(
            "INSERT OR IGNORE INTO temp.seen_records (record_key) SELECT value FROM json_each(?)", (keys_json,)
        )
        self.counts.unchanged += count
        self._records_seen += count

    def _existing_links(self, prepared: list[PreparedRecord]) -> dict[str, dict[str, Any]]:
        if not self._listed_before:
            # Every row of a source listed for the first time was written by this import, under a key now in
            # seen_records; _dedupe_record_keys gave this batch keys that are not: nothing to find.
            return {}
        rows = self.conn.execute(
            """SELECT id, record_key, paper_id, record_hash, listed FROM paper_sources
               WHERE source_id = ? AND record_key IN (SELECT value FROM json_each(?))""",
            (self.source_id, _json(p.record_key for p in prepared)),
        )
        return {
            key: {"id": id_, "paper_id": paper_id, "record_hash": h, "listed": listed}
            for id_, key, paper_id, h, listed in rows
        }

    # -- identity resolution and paper writes ---------------------------------------------------

    def _load_candidates(self, todo: list[PreparedRecord]) -> Candidates:
        state = Candidates()
        columns = ", ".join(_PAPER_COLUMNS)
        # By title through its hash: an integer index, a third of the text index's size, into which a load
        # inserts in random order (the rows found are told apart by title key in resolve()).
        for column in (*IDENTIFIERS, "title_hash"):
            values = {item.fields[column] for item in todo if item.fields[column] is not None}
            if not values:
                continue
            rows = self.conn.execute(
                f"SELECT {columns} FROM papers WHERE {column} IN (SELECT value FROM json_each(?))", (_json(values),)
            )
            for row in rows:
                state.remember(dict(zip(_PAPER_COLUMNS, row, strict=True)))
        return state

    def _apply_merges(self, merges: list[MergedId]) -> None:
        """Keep each merge rule, and move the id of a paper that held a merged id to the id that absorbed
        it (when no paper holds that one yet: two papers both present stay two)."""
        rows = [(m.scheme, m.old_id, m.new_id) for m in merges if m.scheme in IDENTIFIERS]
        self._merge_rules = self._merge_rules or bool(rows)
        self.conn.executemany(
            """INSERT INTO merged_ids (scheme, old_id, new_id) VALUES (?, ?, ?)
               ON CONFLICT (scheme, old_id) DO UPDATE SET new_id = excluded.new_id""",
            rows,
        )
        for scheme, old_id, new_id in rows:
            if self.conn.execute(f"SELECT 1 FROM papers WHERE {scheme} = ?", (new_id,)).fetchone():
                continue
            cursor = self.conn.execute(
                f"""UPDATE papers SET {scheme} = ?, last_updated = ?,
                      identity_key = CASE WHEN identity_key = ? THEN ? ELSE identity_key END
                    WHERE {scheme} = ?""",
                (new_id, self.now, key_of(scheme, old_id), key_of(scheme, new_id), old_id),
            )
            self.counts.updated += cursor.rowcount

    def _follow_merges(self, todo: list[PreparedRecord]) -> None:
        """A record naming a merged id is about the work that absorbed it (chains followed)."""
        if not self._merge_rules:
            return
        for scheme in IDENTIFIERS:
            olds = {item.fields[scheme] for item in todo if item.fields[scheme]}
            if not olds:
                continue
            mapping = dict(self.conn.execute(
                "SELECT old_id, new_id FROM merged_ids WHERE scheme = ? AND old_id IN (SELECT value FROM json_each(?))",
                (scheme, _json(olds)),
            ).fetchall())
            for item in todo:
                seen = set()
                while (new_id := mapping.get(item.fields[scheme])) and new_id not in seen:
                    seen.add(new_id)
                    item.fields = {**item.fields, scheme: new_id}
                    item.fields["identity_key"] = identity_key(item.fields)
                    if new_id not in mapping:
                        more = self.conn.execute(
                            "SELECT new_id FROM merged_ids WHERE scheme = ? AND old_id = ?", (scheme, new_id)
                        ).fetchone()
                        if more:
                            mapping[new_id] = more[0]

    def _store_records(self, todo: list[PreparedRecord], links: dict[str, dict[str, Any]]) -> None:
        self._follow_merges(todo)
        state = self._load_candidates(todo)
        new_papers: dict[int, dict[str, Any]] = {}
        changed: dict[int, dict[str, Any]] = {}
        touched_text: set[int] = set()
        link_rows = []
        for item in todo:
            fields = item.fields
            paper_id = resolve(state, fields)
            if paper_id is None:
                paper_id = self._next_id
                self._next_id += 1
                paper = {"id": paper_id, **fields}
                new_papers[paper_id] = paper
                state.remember(paper)
                touched_text.add(paper_id)
                self.counts.inserted += 1
            else:
                paper = state.papers[paper_id]
                previous = links.get(item.record_key)
                # The same source's own record, changed since last time, corrects what it said before; so does
                # a later OpenAlex partition about the work that gave the paper its W-id.
                revising = (previous is not None and previous["paper_id"] == paper_id) or speaks_again(paper, fields)
                rule = revise_fields if revising else merge_fields
                updates = self._safe_updates(state, paper, rule(paper, fields))
                new_text = any(k in TEXT_FIELDS for k in updates)
                if new_text and self._text_window is not None and paper_id not in new_papers:
                    self._text_window.text_changing(paper_id, paper["title"], paper["abstract"])  # as indexed
                if updates:
                    paper.update(updates)
                    state.remember(paper)
                    if paper_id not in new_papers:
                        changed.setdefault(paper_id, {}).update(updates)
                    if new_text:
                        touched_text.add(paper_id)
                if updates or (previous is not None and not previous["listed"]):
                    self.counts.updated += 1
                elif revising:
                    self.counts.unchanged += 1
                else:
                    self.counts.merged += 1
            fields["paper_id"] = paper_id  # the item's own dict: `paper` above is a copy or the stored paper
            link_rows.append(item)
        self._insert_papers(new_papers.values())
        if self._side is not None:
            self._side_rows.extend([(p["id"], p["title"], p["abstract"]) for p in new_papers.values()])
        if self._text_window is not None:
            self._text_window.inserted(list(new_papers))
        if self.bulk and new_papers:
            self._index_text(min(new_papers), final=False)
        if self._unindexed_from is not None and any(
            pid >= self._unindexed_from and any(k in TEXT_FIELDS for k in updates) for pid, updates in changed.items()
        ):
            # The update trigger takes the old text out of the index: it must be in the index first.
            self._index_text(None, final=True)
        self._update_papers(changed)
        if self._text_window is not None:
            self._text_window.flush_if_full()
        self._upsert_links(link_rows, links)
        self._save_authors(link_rows, new_papers)
        self._save_tags(link_rows, state, touched_text, new_papers.keys())
        self._save_repos(link_rows)

    def _index_text(self, first_new: int | None, *, final: bool) -> None:
        """Bulk load: index the new papers not indexed yet once there are FTS_BATCH of them (or now, when final)."""
        if self._side is not None:
            if final or self._next_id - self._side.sent_to >= fts_side.HAND_OVER:
                self._hand_over()
            return
        if self._unindexed_from is None:
            self._unindexed_from = first_new
        if self._unindexed_from is not None and (final or self._next_id - self._unindexed_from >= FTS_BATCH):
            fts.index_papers_from(self.conn, self._unindexed_from)
            self._unindexed_from = None

    def _hand_over(self) -> None:
        """Hand the side index the papers stored since the last time, with the text the writer has in hand."""
        assert self._side is not None
        rows, self._side_rows = self._side_rows, []
        self._side.hand_over(rows)

    def _safe_updates(self, state: Candidates, paper: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        """Identifiers and identity keys another paper holds are left out (the unique indexes would refuse them)."""
        updates = drop_taken_identifiers(state, paper, updates)
        if "identity_key" in updates:
            taken = self.conn.execute(
                "SELECT id FROM papers WHERE identity_key = ? AND id != ?", (updates["identity_key"], paper["id"])
            ).fetchone()
            if taken:
                del updates["identity_key"]
        return updates

    def _insert_papers(self, papers: Iterable[dict[str, Any]]) -> None:
        stamps = (self.now, self.now)  # first_seen, last_updated
        rows = [_paper_values(p) + stamps for p in papers]
        self.conn.executemany(
            f"""INSERT INTO papers ({", ".join(_PAPER_COLUMNS)}, first_seen, last_updated)
                VALUES ({", ".join("?" * (len(_PAPER_COLUMNS) + 2))})""",
            rows,
        )

    def _update_papers(self, changed: dict[int, dict[str, Any]]) -> None:
        # One statement per set of changed columns: naming title/abstract in SET fires the FTS
        # trigger, so a date fix must not mention them.
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for paper_id, updates in changed.items():
            columns = tuple(sorted(updates))
            groups.setdefault(columns, []).append((*(updates[c] for c in columns), self.now, paper_id))
        for columns, rows in groups.items():
            assignments = ", ".join(f"{c} = ?" for c in columns)
            self.conn.executemany(f"UPDATE papers SET {assignments}, last_updated = ? WHERE id = ?", rows)

    def _upsert_links(self, items: list[PreparedRecord], links: dict[str, dict[str, Any]]) -> None:
        """Each record's row in paper_sources. A row the source listed, for the same paper, gets its new text
        in place: an UPDATE of columns no trigger watches needs no statement journal, where the upsert (its
        DO UPDATE sets paper_id and listed, which the cards' trigger watches) copied every page it touched,
        16 KB each, into one: 207 MB for the 987 edited records of a 1%-edited re-import at 100k."""
        revised, linked = [], []
        for item in items:
            link = links.get(item.record_key)
            if link is not None and link["listed"] and link["paper_id"] == item.fields["paper_id"]:
                revised.append((item.position, item.line, item.raw, item.record_hash, link["id"]))
            else:
                linked.append((item.fields["paper_id"], self.source_id, item.record_key, item.position, item.line,
                               item.raw, item.record_hash))
        if revised:
            self.conn.executemany(
                "UPDATE paper_sources SET position = ?, line = ?, raw_record = ?, record_hash = ? WHERE id = ?", revised
            )
        if linked:
            self.conn.executemany(
                """INSERT INTO paper_sources (paper_id, source_id, record_key, position, line, raw_record, record_hash,
                                              listed, unlisted_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL)
                   ON CONFLICT (source_id, record_key) DO UPDATE SET paper_id = excluded.paper_id,
                     position = excluded.position, line = excluded.line, raw_record = excluded.raw_record,
                     record_hash = excluded.record_hash, listed = 1, unlisted_at = NULL""",
                linked,
            )

    # -- authors, tags, repos -------------------------------------------------------------------

    def _save_authors(self, items: list[PreparedRecord], new_papers: dict[int, dict[str, Any]]) -> None:
        """A paper's byline comes from the first source that gives one; later sources do not reorder it."""
        wanting = {i.fields["paper_id"] for i in items if i.authors}
        if not wanting:
            return
        have = {
            pid for (pid,) in self.conn.execute(
                "SELECT DISTINCT paper_id FROM paper_authors WHERE paper_id IN (SELECT value FROM json_each(?))",
                (_json(wanting - new_papers.keys()),),
            )
        }
        bylines: dict[int, list[tuple[str, str, str]]] = {}
        for item in items:
            pid = item.fields["paper_id"]
            if item.authors and pid not in have and pid not in bylines:
                bylines[pid] = item.authors
        cached = self._author_ids
        names = {
            key: display for byline in bylines.values() for _, key, display in byline if key not in cached
        }
        if names:
            ids = self._author_ids_of(names)
            room = AUTHOR_CACHE - len(cached)
            cached.update(islice(ids.items(), max(room, 0)))
        else:
            ids = {}
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_authors (paper_id, position, author_id, raw_name) VALUES (?, ?, ?, ?)",
            [
                (pid, pos, cached.get(key) or ids[key], raw)
                for pid, byline in bylines.items()
                for pos, (raw, key, _) in enumerate(byline, 1)
            ],
        )

    def _author_ids_of(self, names: dict[str, str]) -> dict[str, int]:
        """Store the authors not known yet (name key -> display name) and return every one's id."""
        self.conn.executemany(
            "INSERT INTO authors (name, name_key) VALUES (?, ?) ON CONFLICT (name_key) DO NOTHING",
            [(display, key) for key, display in names.items()],
        )
        return dict(
            self.conn.execute(
                "SELECT name_key, id FROM authors WHERE name_key IN (SELECT value FROM json_each(?))",
                (_json(names),),
            ).fetchall()
        )

    def _tag(self, name: str, *, curated: bool = True) -> int:
        """The tag's id; a source keyword (curated=False) never demotes a curated tag."""
        cached = self._tag_ids.get(name)
        if cached is None or (curated and name not in self._curated_names):
            cached = self._tag_ids[name] = tag_id(self.conn, name, curated=curated)
            if curated:
                self._curated_names.add(name)
        return cached

    def _save_tags(
        self, items: list[PreparedRecord], state: Candidates, touched_text: set[int], new: Collection[int],
    ) -> None:
        rows = []
        for item in items:
            pid = item.fields["paper_id"]
            for tag in item.source_tags:
                rows.append((pid, self._tag(tag, curated=False), SOURCE_TAG_ORIGIN, self.source_id))
        rows.extend(self._retagged(items, state, sorted(touched_text), new))
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id, origin, source_id) VALUES (?, ?, ?, ?)", rows
        )

    def _retagged(
        self, items: list[PreparedRecord], state: Candidates, retag: list[int], new: Collection[int],
    ) -> list[tuple]:
        """The taxonomy tag rows to add for papers whose text changed, after deleting those they no longer
        have. Only the difference is written: an edit seldom changes a paper's tags, and deleting and adding
        them all again rewrote three B-trees' pages (a quarter of a 1%-edited re-import's WAL at 100k).
        A paper new in this batch has no tag row yet: its rows are all added, without asking."""
        if not retag:
            return []
        # A paper whose text is exactly one record's already has its tags (prepared beside the writer).
        known = {item.fields["paper_id"]: item for item in items}
        wanted: set[tuple[int, int, int | None]] = set()
        for pid in retag:
            paper, item = state.papers[pid], known[pid]
            text = (paper["title"], paper["abstract"])
            same = text == (item.fields["title"], item.fields["abstract"])
            tags = item.text_tags if same else self.tags_for(*text)
            wanted.update((pid, self._tag(tag), self.source_id) for tag in tags)
        older = [pid for pid in retag if pid not in new]
        had = set(self.conn.execute(
            """SELECT paper_id, tag_id, source_id FROM paper_tags
               WHERE origin = ? AND paper_id IN (SELECT value FROM json_each(?))""",
            (TAXONOMY_ORIGIN, _json(older)),
        )) if older else set()
        gone = sorted(had - wanted)
        self.conn.executemany(
            "DELETE FROM paper_tags WHERE paper_id = ? AND tag_id = ? AND origin = ?",
            [(pid, tag, TAXONOMY_ORIGIN) for pid, tag, _ in gone],
        )
        self._untagged.update(tag for _, tag, _ in gone)
        return [(pid, tag, TAXONOMY_ORIGIN, source) for pid, tag, source in sorted(wanted - had)]

    def _save_repos(self, items: list[PreparedRecord]) -> None:
        found: list[tuple[int, str, str, Repo]] = []
        for item in items:
            pid = item.fields["paper_id"]
            found.extend((pid, origin, written, repo) for origin, written, repo in item.links)
        if not found:
            return
        repos = {repo.url: repo for *_, repo in found}
        self.conn.executemany(
            "INSERT INTO repos (url, host, owner, name, kind) VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
            [(r.url, r.host, r.owner, r.name, r.kind) for r in repos.values()],
        )
        ids = dict(
            self.conn.execute(
                "SELECT url, id FROM repos WHERE url IN (SELECT value FROM json_each(?))", (_json(repos),)
            ).fetchall()
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_repos (paper_id, repo_id, origin, link, source_id) VALUES (?, ?, ?, ?, ?)",
            [(pid, ids[repo.url], origin, written, self.source_id) for pid, origin, written, repo in found],
        )

    def set_content_hash(self, content_hash: str, file_identity: str | None) -> None:
        """The source's hash, when it was still being taken as the writer started (SourceInfo's was "")."""
        set_content_hash(self.conn, self.source_id, content_hash, file_identity)

    def close(self) -> None:
        """Let go of what a failed source left running: the indexing thread and its scratch file."""
        if self._side is not None:
            self._side.close()
            self._side = None

    # -- the end of a source --------------------------------------------------------------------

    def end_text_window(self) -> None:
        """Index the text window's last papers and put the FTS5 triggers back (idempotent; before the commit)."""
        if self._text_window is not None:
            self._text_window.close()
            self._text_window = None

    def _finish(self) -> None:
        self.end_text_window()
        if self._side is not None:
            self._hand_over()
            self._side.finish()  # its merge runs while the writer finishes the source, up to copy_into()
        if self.bulk:  # first: the tag counts below look papers up by tag
            if self._side is None:
                self._index_text(None, final=True)
                fts.optimize(self.conn)
            indexes.restore(self.conn, self._deferred_indexes)
        if self._listed_before:
            # The keys not seen are found in the (source_id, record_key) index alone; only those rows are read
            # (a scan of the source's rows reads every raw record: 0.7 s instead of 0.08 s at 100k).
            cursor = self.conn.execute(
                """UPDATE paper_sources SET listed = 0, unlisted_at = ?
                   WHERE id IN (SELECT id FROM paper_sources WHERE source_id = ?
                                AND record_key NOT IN (SELECT record_key FROM temp.seen_records))
                     AND listed = 1""",
                (self.now, self.source_id),
            )
            self.counts.unlisted += cursor.rowcount
        for tag in self.import_tags:
            tag_listed_papers(self.conn, self.source_id, self._tag(tag))
        refresh_paper_counts(self.conn, self._untagged | set(self._tag_ids.values()))
        finish_source(self.conn, self.source_id, self._records_seen, self._listing_date)
        self.conn.execute("DELETE FROM temp.seen_records")
        if self._side is not None:
            self._side.copy_into()
            self._side = None
        if self.bulk:
            fts.end_bulk_load(self.conn)
            search_outbox.resume(self.conn)
            paper_cards.resume(self.conn)
        if self._early is not None:
            self._early.take(self.conn, final=True)


@contextmanager
def source_transaction(
    conn: sqlite3.Connection, source: SourceInfo, *, tags_for: TagsFor, import_tags: Sequence[str] = (),
    reprocess: bool = False, reject_limit: RejectLimit | None = None, early: EarlyIndex | None = None,
) -> Iterator[SourceWriter]:
    """One source's import as one transaction: a writer for its records, committed when the block ends
    and rolled back, leaving the database as it was, when it raises (and with it any search index work
    `early` began on it)."""
    try:
        with write_transaction(conn, source.locator):
            writer = SourceWriter(conn, source, tags_for=tags_for, import_tags=import_tags, reprocess=reprocess,
                                  reject_limit=reject_limit, early=early)
            try:
                yield writer
                writer.end_text_window()  # done by write(); here too, so that no commit leaves the triggers out
            finally:
                writer.close()
    except BaseException:
        if early is not None:
            early.abandon()
        raise
    finally:
        fts_side.detach(conn)


def refresh_unchanged_source(
    conn: sqlite3.Connection, locator: str, import_tags: Sequence[str],
    validators: tuple[str | None, str | None] | None, file_identity: str | None = None,
) -> None:
    """A source whose bytes are those of its last import: apply new import tags, keep the server's
    latest validators (None: leave them) and the identity of the file just hashed (None: leave it), and
    write nothing else."""
    if not import_tags and validators is None and file_identity is None:
        return
    with write_transaction(conn, locator):
        if import_tags:
            apply_import_tags(conn, locator, import_tags)
        if validators is not None:
            set_validators(conn, locator, *validators)
        if file_identity is not None:
            set_file_identity(conn, locator, file_identity)
