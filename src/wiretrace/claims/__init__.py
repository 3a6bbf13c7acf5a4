"""Claims stage: attributions, claims, conflicts (not built yet)."""
