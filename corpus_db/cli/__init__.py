"""The corpus-db command line: the group lives in app.py, each command module registers on it."""

from corpus_db.cli import importing, maintenance, querying, similar, sync, web
from corpus_db.cli.app import cli, main

__all__ = ["cli", "importing", "main", "maintenance", "querying", "similar", "sync", "web"]
