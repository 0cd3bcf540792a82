"""Helpers for worker processes (ingest parsing, analysis)."""

from __future__ import annotations

import os
import threading
import time

__all__ = ["exit_with_parent", "fork_context"]


def exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it is gone (a SIGKILLed
    parent cannot shut its pool down, and the workers would wait on its queue for ever)."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="onrecord-parent-watch", daemon=True).start()


def fork_context():
    """Fork where the platform can (no re-import of ``__main__``: scripts read from stdin and
    notebooks work too), else spawn."""
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)
