"""Benchmarks: each compares ringdesk with a baseline measured in the same run."""
