"""The ``onrecord`` command line: thin typer commands over the library API."""

from . import analysis_cmds as _analysis_cmds  # noqa: F401  (registers analyze, actors, eval)
from . import network_cmds as _network_cmds  # noqa: F401  (registers network)
from .app import app, main

__all__ = ["app", "main"]
