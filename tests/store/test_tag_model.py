"""The tag model of revision 0010: kinds, folded spellings, paper counts kept up to date by the writer,
and the migration that moves existing tags into it without losing a paper-to-keyword link."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import date
from pathlib import Path

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.rules.tags import fold_key
from corpus_db.store import migrate as migrations
from tests.paths import ROOT, SEEDS

sys.path.insert(0, str(ROOT / "bench"))
import generate

OLD_TAGS = [  # (name, origin of its links): as 0005 databases hold them
    ("llms", "source"), ("large-language-models", "source"), ("large-language-models-llms", "source"),
    ("large-language-model", "taxonomy"), ("cs.LG", "source"), ("quant-ph", "source"), ("tokens", "source"),
    ("token", "source"), ("quantization", "taxonomy"), ("my-reading-list", "import"),
]


def _old_database(path: Path) -> list[tuple[int, str]]:
    """A 0005 database with 30 papers and near-duplicate tags; the (paper, tag name) links it holds."""
    migrations.migrate(path, "0005")
    conn = sqlite3.connect(path)
    now = "2026-01-01T00:00:00+00:00"
    conn.executemany(
        "INSERT INTO papers (id, identity_key, title, title_key, first_seen, last_updated) VALUES (?, ?, ?, ?, ?, ?)",
        [(i, f"title:p{i}", f"Paper {i}", f"p{i}", now, now) for i in range(1, 31)])
    conn.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", [(i, n) for i, (n, _) in enumerate(OLD_TAGS, 1)])
    links = [(paper, tag, OLD_TAGS[tag - 1][1]) for paper in range(1, 31) for tag in range(1, len(OLD_TAGS) + 1)
             if (paper + tag) % 3 == 0]
    conn.executemany("INSERT INTO paper_tags (paper_id, tag_id, origin) VALUES (?, ?, ?)", links)
    conn.commit()
    conn.close()
    return [(paper, OLD_TAGS[tag - 1][0]) for paper, tag, _ in links]


def test_migration_folds_tags_keeps_every_link_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    links = _old_database(path)
    migrations.migrate(path)
    conn = sqlite3.connect(path)
    tags = {name: (key, kind, count) for name, key, kind, count in
            conn.execute("SELECT name, fold_key, kind, paper_count FROM tags")}
    # Four spellings of large language models became one tag, named by its curated spelling.
    assert "large-language-model" in tags and not {"large-language-models", "large-language-models-llms"} & set(tags)
    assert tags["large-language-model"][1] == "curated" and tags["llms"][1] == "keyword"
    assert tags["cs.LG"][1] == tags["quant-ph"][1] == "arxiv-category"
    assert tags["my-reading-list"][1] == "curated" and ("token" in tags) != ("tokens" in tags)
    # Every paper keeps a link to the tag each of its old tags folded into.
    now = set(conn.execute("SELECT pt.paper_id, t.fold_key FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id"))
    assert now == {(paper, fold_key(name)) for paper, name in links}
    wrong = conn.execute("""SELECT name FROM tags t WHERE paper_count !=
        (SELECT count(DISTINCT paper_id) FROM paper_tags WHERE tag_id = t.id)""").fetchall()
    assert wrong == [] and "paper_overview" in {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert migrations.schema_differences(path) == []
    migrations.downgrade(path, "0005")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(DISTINCT paper_id) FROM paper_tags").fetchone()[0] == len({p for p, _ in links})
    conn.close()
    migrations.migrate(path)
    assert migrations.schema_differences(path) == []


def test_imports_keep_kinds_folds_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "corpus.db"
    hf = tmp_path / "2025-01-01.json"
    entries = []
    for i, keywords in enumerate([["LLMs", "tokens"], ["Large Language Models (LLMs)"], ["large language model",
                                                                                        "token"]]):
        paper = generate.paper(generate.DEFAULT_SEED, i)
        paper.keywords = keywords
        entries.append(generate.hf_entry(paper, date(2025, 1, 1), generate.DEFAULT_SEED))
    hf.write_text(json.dumps(entries))
    totals, results = run_import(path, [SourceTask.for_path(p) for p in [*expand_paths([SEEDS]), hf]])
    assert totals.sources_failed == 0, [r.error for r in results]
    conn = sqlite3.connect(path)
    keys = {key: (name, kind, count) for name, key, kind, count in
            conn.execute("SELECT name, fold_key, kind, paper_count FROM tags")}
    assert keys["token"][2] == 2 and keys["large-language-model"][2] >= 2 and keys["llm"][2] == 1
    assert keys["large-language-model"][1] == "curated"  # the taxonomy gives it too
    wrong = conn.execute("""SELECT name FROM tags t WHERE paper_count !=
        (SELECT count(DISTINCT paper_id) FROM paper_tags WHERE tag_id = t.id)""").fetchall()
    assert wrong == []
    conn.close()
