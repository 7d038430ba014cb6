"""The corpus-db command line: the group lives in app.py; each command module registers its commands on
it when first imported (app.COMMAND_MODULES says which module holds which command)."""

from corpus_db.cli.app import cli, main

__all__ = ["cli", "main"]
