"""corpus-db: keep a corpus of research papers in one normalized, searchable SQLite database."""

__version__ = "0.1.0"
