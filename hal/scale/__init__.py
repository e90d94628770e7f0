"""Scales: the bagging-area security scale and the produce scale."""
