"""Extraction accuracy: gold labels, matching, scoring, and a baseline gate."""
