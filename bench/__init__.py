"""Benchmarks that print figures, and the synthetic data they share (:mod:`bench.synth`)."""
