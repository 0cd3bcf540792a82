"""The ``onrecord`` command line: thin typer commands over the library API."""

from . import analysis_cmds as _analysis_cmds  # noqa: F401  (registers analyze, actors, eval)
from . import interop_cmds as _interop_cmds  # noqa: F401  (registers import)
from . import ledger_cmds as _ledger_cmds  # noqa: F401  (registers predictions, resolve)
from . import network_cmds as _network_cmds  # noqa: F401  (registers network)
from . import serve_cmds as _serve_cmds  # noqa: F401  (registers serve)
from .app import app, main

__all__ = ["app", "main"]
