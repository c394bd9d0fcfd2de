"""The hub's statistics dashboard: an operator page, a public summary, every figure as CSV."""
