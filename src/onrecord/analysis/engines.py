"""Engines that run analysis jobs: ``local`` (a process pool on this machine, in ``runner.py``) and
``ray`` (Ray Data, on a local Ray instance or an existing cluster).

Only the runner differs: both engines run the same registered, pure stages through ``runner._run_job``
(a stage that raises becomes that document's error line) and hand each ``_Result`` back to the main
process, which writes it to the store with the same re-run rule. Ray is imported only when the ``ray``
engine is asked for (``pip install 'onrecord[ray]'``).

The Ray engine consumes the jobs in chunks of :data:`CHUNK` documents (bounded memory in the driver and
the object store); each chunk becomes a Ray Dataset of pickled jobs, mapped by a pool of
:class:`_RayAnalyzer` actors that build the analysis ``Resources`` once each, and the pickled results
stream back while the chunk runs.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import warnings
from typing import Any, Iterator

from ..errors import ConfigError
from .base import Stage

__all__ = ["ENGINES", "RAY_MISSING", "RaySession", "ray_results"]

ENGINES = ("local", "ray")
#: Documents per Ray Dataset: the jobs generator is consumed this many at a time.
CHUNK = 2000
RAY_MISSING = "the ray engine needs onrecord[ray]: pip install 'onrecord[ray]'"


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ConfigError(f"unknown analysis engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    return engine


def import_ray():
    """``ray`` (with Ray Data), or a :class:`ConfigError` that says how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"{RAY_MISSING} ({exc})") from None
    return ray


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a cluster address (``host:port``, ``ray://host:port``); None for ``auto``/``local``."""
    rest = address.split("://", 1)[1] if "://" in address else address
    if rest in ("auto", "local", ""):
        return None
    host, sep, port = rest.rstrip("/").rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"not a Ray cluster address: {address!r} (expected HOST:PORT or ray://HOST:PORT)")
    return host.strip("[]") or "127.0.0.1", int(port)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast with one clear line when nothing listens at ``address`` (``ray.init`` would retry for a minute)."""
    target = _host_port(address)
    if target is None:
        return
    try:
        socket.create_connection(target, timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"cannot reach a Ray cluster at {address!r}: {reason} (start one there with `ray start --head`, "
            "or leave out --address to run Ray on this machine)"
        ) from None


class RaySession:
    """Connects to Ray for one analysis: joins an instance this process already started, else starts a
    local one (``num_cpus=workers``) or connects to ``address``; shuts down only what it started."""

    def __init__(self, address: str | None, workers: int | None):
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.workers = workers if workers and workers > 0 else None
        self.started = False
        self.ray: Any = None

    def __enter__(self) -> "RaySession":
        ray = self.ray = import_ray()
        if self.address:
            _check_reachable(self.address)
        if not ray.is_initialized():
            kwargs: dict[str, Any] = dict(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
                                          logging_level=logging.WARNING)
            if not self.address:
                kwargs["num_cpus"] = self.workers
            try:
                ray.init(address=self.address, **kwargs)
            except Exception as exc:  # ConnectionError, RuntimeError, ...: one clear line
                raise ConfigError(f"cannot start or join Ray{f' at {self.address!r}' if self.address else ''}: "
                                  f"{type(exc).__name__}: {exc}") from None
            self.started = True
        with warnings.catch_warnings():  # Ray Data's own deprecated defaults
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.ray.shutdown()
            self.started = False

    def actors(self) -> int:
        """Analysis actors per chunk: ``workers`` when given, else the cluster's CPUs."""
        if self.workers:
            return self.workers
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))


class _RayAnalyzer:
    """A Ray Data callable class: builds ``Resources`` once per actor, then runs pickled jobs."""

    def __init__(self, resource_args: dict[str, Any], stages: dict[str, Stage]):
        from .resources import Resources

        self.resources = Resources(**resource_args)
        self.stages = stages

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[bytes]]:
        from .runner import _Result, _run_job

        out = []
        for raw in batch["job"]:
            job = pickle.loads(raw)
            try:
                out.append(pickle.dumps(_run_job(job, self.stages, self.resources)))
            except Exception as exc:  # e.g. a result that cannot be pickled: this document only
                out.append(pickle.dumps(_Result(job.doc_id, {}, {}, len(job.text.split()),
                                                f"not analysed: {type(exc).__name__}: {exc}")))
        return {"result": out}


def _chunks(jobs: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for job in jobs:
        chunk.append(job)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ray_results(session: RaySession, jobs: Iterator[Any], resource_args: dict[str, Any], stages: dict[str, Stage],
                chunk_size: int = CHUNK) -> Iterator[Any]:
    """The ``_Result`` of every job, computed by Ray Data, in completion order. A chunk that Ray cannot
    finish (a worker died, the cluster went away) reports each of its documents not yet returned."""
    from .runner import _Result

    ray = session.ray
    actors = session.actors()
    for chunk in _chunks(jobs, chunk_size):
        pending = {job.doc_id: job for job in chunk}
        size = min(actors, len(chunk))
        batch = max(1, min(16, len(chunk) // (size * 4)))
        try:
            ds = ray.data.from_items([{"job": pickle.dumps(job)} for job in chunk],
                                     override_num_blocks=min(len(chunk), size * 4))
            mapped = ds.map_batches(
                _RayAnalyzer, fn_constructor_kwargs={"resource_args": resource_args, "stages": stages},
                compute=ray.data.ActorPoolStrategy(size=size), batch_size=batch, batch_format="numpy",
            )
            for row in mapped.iter_rows():
                result = pickle.loads(row["result"])
                if pending.pop(result.doc_id, None) is not None:
                    yield result
        except Exception as exc:
            reason = f"not analysed: the Ray job failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            for job in pending.values():
                yield _Result(job.doc_id, {}, {}, len(job.text.split()), reason)
