"""Importing this module registers the built-in stages."""

from . import actors, claims, predictions, sentences, statements, techniques  # noqa: F401
