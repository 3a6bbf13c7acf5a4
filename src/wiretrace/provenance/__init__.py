"""Provenance stage: reuse edges, origins, independent origins (not built yet)."""
