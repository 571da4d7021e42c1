"""Harvest tests and the arXiv replay server (importable as harvest.replay_server)."""
