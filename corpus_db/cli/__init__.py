"""The corpus-db command line: the group lives in app.py, each command module registers on it."""

from corpus_db.cli import importing, indexing, maintenance, querying, rejects, sync, web
from corpus_db.cli.app import cli, main

__all__ = ["cli", "importing", "indexing", "main", "maintenance", "querying", "rejects", "sync", "web"]
