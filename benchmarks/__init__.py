"""Benchmarks and the synthetic data generator (run as scripts; importable by tests)."""
