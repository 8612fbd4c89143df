"""The exercises' self-checks, one module per group of lessons: they say what is wrong, never
the answer."""
