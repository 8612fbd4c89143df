"""Stage 3, the index: Chroma collections and every vector kept in the cache (notebook 05)."""
