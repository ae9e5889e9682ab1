"""Bytes to Document and Chunk: parsers, chunking and the EDGAR client. No database, no global state."""
