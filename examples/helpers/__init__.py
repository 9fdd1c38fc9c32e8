"""Data shared by the examples (not an example itself)."""
