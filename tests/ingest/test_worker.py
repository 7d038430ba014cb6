"""Large dumps are parsed and prepared in a worker process: same rows as in-process, same errors,
and no worker left behind."""

import json
import multiprocessing
import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from corpus_db.ingest.digest import FileDigest, hash_file
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV
from tests.paths import SEEDS

TABLES = {
    "papers": "SELECT identity_key, arxiv_id, doi, title, abstract, abstract_truncated, published, venue FROM papers",
    "paper_sources": "SELECT record_key, position, line, raw_record, record_hash FROM paper_sources",
    "tags": "SELECT p.identity_key, t.name, pt.origin FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id"
    " JOIN papers p ON p.id = pt.paper_id",
    "repos": "SELECT p.identity_key, r.url, pr.origin, pr.link FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id"
    " JOIN papers p ON p.id = pr.paper_id",
    "authors": "SELECT p.identity_key, pa.position, a.name, pa.raw_name FROM paper_authors pa"
    " JOIN authors a ON a.id = pa.author_id JOIN papers p ON p.id = pa.paper_id",
}


def contents(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in TABLES.items()}
    finally:
        conn.close()


def test_worker_and_in_process_store_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for label, threshold in (("worker", "0"), ("inline", str(10**12))):
        monkeypatch.setenv(WORKER_MIN_BYTES_ENV, threshold)
        db = tmp_path / f"{label}.db"
        totals, results = run_import(db, [SourceTask.for_path(p) for p in sorted(SEEDS.glob("*.txt"))])
        assert totals.status == "ok", [r.error for r in results]
        assert totals.counts.inserted == 389
    assert contents(tmp_path / "worker.db") == contents(tmp_path / "inline.db")
    assert multiprocessing.active_children() == []


def test_a_parse_error_in_the_worker_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    bad = tmp_path / "bad.txt"
    body = "".join(f"Title {i}\nAbstract number {i}.\n" for i in range(2000))
    bad.write_text("Get trending papers in your email inbox!\n" + body + "A dangling title\n", encoding="utf-8")
    db = tmp_path / "corpus.db"
    _, [result] = run_import(db, [SourceTask.for_path(bad)])
    assert result.status == "failed"
    assert result.error == f"{bad}:4002: title 'A dangling title' has no abstract line after it"
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0
    assert multiprocessing.active_children() == []


def test_records_without_title_are_rejected_through_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    dump = tmp_path / "snap.jsonl"
    untitled = (
        '{"id": "2401.00001", "title": "  ", "abstract": "x", "authors_parsed": [], "update_date": "2024-01-01",'
        ' "versions": []}\n'
    )
    dump.write_text(untitled + "\n".join(snapshot_lines(20)) + "\n")
    _, [result] = run_import(tmp_path / "corpus.db", [SourceTask.for_path(dump)])
    assert result.status == "imported" and result.counts.inserted == 20 and result.counts.rejected == 1
    # Nothing but rejects: over the limit, so the source fails whole, naming the first reject's line.
    dump.write_text(untitled * 11)
    _, [result] = run_import(tmp_path / "corpus.db", [SourceTask.for_path(dump)])
    assert result.status == "failed"
    assert (result.error or "").startswith(f"{dump}: 11 of 11 records rejected") and "line 1: " in (result.error or "")


def snapshot_lines(count: int) -> list[str]:
    import json

    return [
        json.dumps({
            "id": f"2401.{i:05d}", "title": f"Paper {i} on topic{i}", "abstract": f"Abstract of paper {i}.",
            "authors": "A B", "authors_parsed": [["B", "A", ""]], "categories": "cs.LG", "update_date": "2024-01-02",
            "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
        })
        for i in range(1, count + 1)
    ]


@pytest.mark.parametrize("threshold", ["0", str(10**12)], ids=["worker", "in-process"])
def test_unchanged_lines_are_recognised_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: str
) -> None:
    import dataclasses

    from corpus_db.importers import FORMATS

    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, threshold)
    lines = snapshot_lines(1200)
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    db = tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])
    lines[7] = lines[7].replace("Abstract of paper 8.", "A corrected abstract of paper 8.")
    del lines[100]
    dump.write_text("\n".join(lines) + "\n")
    parsed: list[int] = []
    importer = FORMATS["arxiv-jsonl"]

    def counting(raw, path):  # type: ignore[no-untyped-def]
        parsed.append(raw.position)
        return importer.parse_one(raw, path)

    monkeypatch.setitem(FORMATS, "arxiv-jsonl", dataclasses.replace(importer, parse_one=counting))
    _, [result] = run_import(db, [SourceTask.for_path(dump)])
    assert (result.counts.updated, result.counts.unchanged, result.counts.unlisted) == (1, 1198, 1)
    if threshold != "0":  # the worker is another process: only the in-process path can be watched
        assert parsed == [8]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT abstract FROM papers WHERE arxiv_id = '2401.00008'").fetchone() == (
        "A corrected abstract of paper 8.",
    )
    assert conn.execute("SELECT COUNT(*) FROM paper_sources WHERE listed").fetchone() == (1199,)
    assert conn.execute(
        "SELECT ps.listed FROM paper_sources ps JOIN papers p ON p.id = ps.paper_id WHERE p.arxiv_id = '2401.00101'"
    ).fetchone() == (0,)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_writer_leaves_no_worker_behind(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    from tests.sync_support import cli_command, cli_env, generated_records, write_listing

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to find the worker process")
    dump = write_listing(tmp_path / "big.txt", generated_records(20_000, start=1))
    db = tmp_path / "corpus.db"
    proc = subprocess.Popen(
        cli_command("import", db, dump), env=cli_env(**{WORKER_MIN_BYTES_ENV: "0"}),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    children: set[int] = set()  # multiprocessing's resource tracker, then the worker: both must end
    while not children:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no worker process appeared"
        children.update(_children(proc.pid))
        time.sleep(0.05)
    going = time.monotonic() + 1.0  # let it get going, still looking: the worker may start after the tracker
    while time.monotonic() < going:
        children.update(_children(proc.pid))
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)  # not communicate(): a surviving worker would hold the output pipes open
    _assert_all_end(children)
    proc.communicate(timeout=60)
    assert not db.exists()  # a first import is built beside the database: killed, it leaves nothing


def _assert_all_end(pids: set[int], seconds: float = 30) -> None:
    import time

    deadline = time.monotonic() + seconds
    while alive := [pid for pid in sorted(pids) if _alive(pid)]:
        assert time.monotonic() < deadline, f"{[(pid, _cmdline(pid)) for pid in alive]} outlived the killed writer"
        time.sleep(0.2)


# A writer that has taken all but the last few batches, so that its worker, never kept waiting by a full
# queue, puts them and returns: killed then, it leaves a worker at exit, joining the queue's feeder thread.
_NEARLY_DONE_WRITER = """
import sys, time
from corpus_db.ingest.worker import Job, prepared_records
from corpus_db.rules.taxonomy import Taxonomy

job = Job("listing", sys.argv[1], Taxonomy.load(), "", sys.argv[1], False, fresh=True)
with prepared_records(job) as batches:
    for _ in range(int(sys.argv[2])):
        next(batches)
    print("ready", flush=True)
    time.sleep(600)
"""


def test_a_writer_killed_near_the_end_leaves_no_worker_behind(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.sync_support import cli_env, generated_records, write_listing

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to find the worker process")
    dump = write_listing(tmp_path / "big.txt", generated_records(6_000, start=1))  # 12 batches of 500
    writer = subprocess.Popen(
        [sys.executable, "-c", _NEARLY_DONE_WRITER, str(dump), "9"], env=cli_env(**{WORKER_MIN_BYTES_ENV: "0"}),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "ready\n", writer.communicate()
    children = set(_children(writer.pid))
    assert any(b"spawn_main" in _cmdline(pid) for pid in children), [_cmdline(pid) for pid in children]
    time.sleep(1.0)  # the worker puts the last 3 batches, and returns
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=60)
    _assert_all_end(children)
    writer.communicate(timeout=60)


def test_paths_with_uri_characters_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd = tmp_path / "a dir?with#odd%chars"
    odd.mkdir()
    dump = odd / "snap.jsonl"
    dump.write_text("\n".join(snapshot_lines(50)) + "\n")
    db = odd / "corpus.db"
    for threshold in ("0", str(10**12)):
        monkeypatch.setenv(WORKER_MIN_BYTES_ENV, threshold)
        _, [result] = run_import(db, [SourceTask.for_path(dump)], force=True)
        assert result.status == "imported", result.error
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM papers").fetchone() == (50,)


def _slow_digest(path: Path, seconds: float) -> Future[FileDigest]:
    """The content hash arriving `seconds` from now, as from a hash-ahead thread still at work."""

    future: Future[FileDigest] = Future()
    threading.Timer(seconds, lambda: future.set_result(hash_file(path))).start()
    return future


def test_a_dump_put_in_place_again_starts_its_worker_early_and_stops_it_when_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dump whose file was replaced since its last import has its worker started while the hash is
    taken: stopped unused when the bytes are the same, its records written when they changed."""
    import os
    import time

    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    lines = snapshot_lines(1200)
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    db = tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])
    time.sleep(1.1)  # the last import's time is kept to the second

    def put_in_place(text: str) -> SourceTask:
        fresh = tmp_path / "snap.jsonl.next"
        fresh.write_text(text)
        os.replace(fresh, dump)
        task = SourceTask.for_path(dump)
        task.digest = _slow_digest(dump, 0.5)
        return task

    def living_children() -> set[int]:
        return {pid for pid in _children(os.getpid()) if _alive(pid) and b"resource_tracker" not in _cmdline(pid)}

    # Processes other tests left running in this one (a served Datasette's search workers) are not this import's.
    before = living_children() if Path("/proc/self/stat").exists() else set()
    _, [same] = run_import(db, [put_in_place("\n".join(lines) + "\n")])
    assert same.status == "unchanged" and same.counts.unchanged == 1200, same.error
    if Path("/proc/self/stat").exists():
        assert not living_children() - before  # the worker started early was stopped
    lines[7] = lines[7].replace("Abstract of paper 8.", "A corrected abstract of paper 8.")
    _, [edited] = run_import(db, [put_in_place("\n".join(lines) + "\n")])
    assert edited.status == "imported" and (edited.counts.updated, edited.counts.unchanged) == (1, 1199)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT abstract FROM papers WHERE arxiv_id = '2401.00008'").fetchone() == (
        "A corrected abstract of paper 8.",
    )
    # Written while the hash was taken, the source still ends with the new bytes' hash: the next import
    # of the same file finds it unchanged without a worker.
    hashed = hash_file(dump)
    assert hashed is not None
    assert conn.execute("SELECT content_hash FROM sources").fetchone() == (hashed.sha256,)
    conn.close()
    _, [again] = run_import(db, [SourceTask.for_path(dump)])
    assert again.status == "unchanged", again.error


def test_each_fingerprint_is_its_raw_records_own(tmp_path: Path) -> None:
    """The worker hashes a line once, to look it up, and reuses that hash as the record's fingerprint:
    it must be the hash of exactly the raw record stored (including a record whose line has a BOM or CRLF)."""
    from corpus_db.ingest.prepare import text_hash
    from corpus_db.ingest.worker import Job, _batches, _NothingListed
    from corpus_db.model import PreparedRecord
    from corpus_db.rules.taxonomy import Taxonomy

    lines = [
        json.dumps({"id": f"2401.{n:05d}", "title": f"Paper {n}", "abstract": "About ü things.",
                    "authors_parsed": [["Doe", "J.", ""]], "versions": [], "categories": "cs.LG",
                    "update_date": "2024-01-02"}) for n in range(1, 4)
    ]
    dump = tmp_path / "arxiv.jsonl"
    dump.write_bytes(("\ufeff" + lines[0] + "\r\n" + lines[1] + "\n" + lines[2]).encode("utf-8"))
    job = Job("arxiv-jsonl", str(dump), Taxonomy.load(), "", str(dump), False, fresh=True)
    items = [item for batch in _batches(job, _NothingListed(), None) for item in batch.items]
    assert [type(item) for item in items] == [PreparedRecord] * 3
    for item in items:
        assert item.record_hash == text_hash(item.raw)
    assert [item.raw for item in items] == lines
