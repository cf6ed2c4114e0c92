"""Helpers shared by every layer of the package: argument checks with clear errors."""
