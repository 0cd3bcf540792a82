"""Discourse networks with the arithmetic of Leifeld's Discourse Network Analyzer (DNA 3).

``dna.py`` holds the pure arithmetic over :class:`~onrecord.networks.dna.NetStatement` lists:
filtering (date range, value exclusion, empty fields, duplicates), two-mode and one-mode matrices
with every qualifier aggregation and normalisation, and calendar time windows.
"""

from .dna import Network, NetworkOptions, NetStatement, filter_statements, network, one_mode, time_windows, two_mode

__all__ = ["NetStatement", "NetworkOptions", "Network", "filter_statements", "two_mode", "one_mode", "network", "time_windows"]
