"""Where minerlens keeps things: the SQLite database, the vector index and its retrieval rules."""
