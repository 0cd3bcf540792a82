"""Building and writing networks from a store (what ``Corpus.network`` and ``onrecord network`` call)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

from ..errors import ConfigError
from .dna import Network, NetworkOptions, network, time_windows
from .export import (
    NETWORK_FORMATS,
    write_edgelist,
    write_gexf,
    write_graphml,
    write_graphml_visone,
    write_matrix_csv,
)
from .source import StatementFilter, statements_from_store

__all__ = ["build_networks", "networks_of", "write_networks", "network_format"]


def build_networks(conn, flt: StatementFilter, options: NetworkOptions, window: int | None = None, unit: str = "days") -> tuple[list[Network], int]:
    """The network (or, with ``window``, the series of time-window networks) of the stored statements
    that pass ``flt``; also the number of statements skipped for want of a document date."""
    statements, skipped = statements_from_store(conn, flt)
    return networks_of(statements, flt, options, window, unit), skipped


def networks_of(statements: list, flt: StatementFilter, options: NetworkOptions, window: int | None = None,
                unit: str = "days") -> list[Network]:
    """:func:`build_networks` on statements already read (``flt``'s dates become the options' range)."""
    opts = replace(
        options,
        start=options.start or (dt.datetime.combine(flt.since, dt.time()) if flt.since else None),
        stop=options.stop or (dt.datetime.combine(flt.until, dt.time()) if flt.until else None),
    )
    if window:
        return time_windows(statements, opts, window, unit)
    return [network(statements, opts)]


def network_format(path: str, forced: str | None) -> str:
    fmt = (forced or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in NETWORK_FORMATS:
        raise ConfigError(f"network format {fmt!r}: use one of {', '.join(NETWORK_FORMATS)} (--format or the file extension)")
    return fmt


def write_networks(series: list[Network], path: str, fmt: str, two_mode: bool, names: dict[str, str]) -> int:
    """Write ``series`` as ``fmt``; returns the number of rows (csv) or edges written."""
    if fmt in ("csv", "graphml", "visone") and len(series) != 1:
        raise ConfigError(f"a {fmt} file holds one network; write a time-window series as gexf or edgelist")
    if fmt == "csv":
        return write_matrix_csv(series[0], path)
    if fmt == "graphml":
        return write_graphml(series[0], path, two_mode, names)
    if fmt == "visone":
        return write_graphml_visone(series[0], path, two_mode, names)
    if fmt == "gexf":
        return write_gexf(series, path, two_mode, names)
    return write_edgelist(series, path, two_mode, names)
