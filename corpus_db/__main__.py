"""`python -m corpus_db` runs the corpus-db command line."""

from corpus_db.cli import main

main()
