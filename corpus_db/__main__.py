"""`python -m corpus_db`: the same CLI as the corpus-db script."""

from corpus_db.cli import main

main()
