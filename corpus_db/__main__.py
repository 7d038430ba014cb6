"""`python -m corpus_db ...`: the corpus-db command line, whatever the PATH holds."""

from corpus_db.cli import main

if __name__ == "__main__":
    main()
