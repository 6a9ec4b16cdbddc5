"""Tests against a real Request Tracker 5 (the `rt` lane)."""
