"""Shared text utilities: sentences, normalisation, shingles, embeddings."""
