"""Align stage: sentence alignment between the articles of a story (not built yet)."""
