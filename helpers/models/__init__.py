"""Stage 5, models: Gemini and its errors, the offline reader, SmolLM2, Gemma."""
