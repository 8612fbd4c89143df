"""Stage 1, documents: files, cleaning, loaders, splitting, scripts (notebooks 01-03)."""
