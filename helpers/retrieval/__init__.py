"""Stage 4, retrieval: BM25, MMR, fusion and the course's retrievers (notebooks 06-07)."""
