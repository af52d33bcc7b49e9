"""Benchmarks that print tables putting codex-jupyter beside a baseline measured in the same run."""
