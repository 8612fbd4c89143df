"""Stage 2, embeddings: MiniLM (English) and the multilingual USE (notebook 04)."""
