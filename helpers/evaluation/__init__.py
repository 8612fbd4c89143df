"""Stage 7, evaluation: metrics, answer scoring, sweeps and the fusion check (09, 12-13)."""
