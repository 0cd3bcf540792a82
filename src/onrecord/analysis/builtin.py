"""Importing this module registers the built-in stages."""

from . import actors, sentences  # noqa: F401
