"""Enrichment tests and the OpenAlex replay (importable as enrich.openalex_replay)."""
