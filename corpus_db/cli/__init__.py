"""The corpus-db command line: the group lives in app.py, each command module registers on it."""

from corpus_db.cli import exporting, importing, indexing, maintenance, querying, rejects, similar, sync, web
from corpus_db.cli.app import cli, main

__all__ = [
    "cli", "exporting", "importing", "indexing", "main", "maintenance", "querying", "rejects", "similar", "sync", "web",
]
