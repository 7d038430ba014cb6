"""What corpus-db adds to Datasette: read-only guards, cell links, paper pages, charts. The hook
implementations live in corpus_db.datasette_plugin; these modules hold the logic they call."""
