"""The questions the course is measured on: its own set and the TyDi QA benchmark."""
