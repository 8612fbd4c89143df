"""Figures and widgets: plots, the corpus map, the playground."""
