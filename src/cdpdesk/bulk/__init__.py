"""Bulk analysis: many cases at once (synthetic data, streaming runners)."""
