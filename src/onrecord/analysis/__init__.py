"""Analysis: pure, registered pipeline stages that turn a stored document into annotation layers.

Stages run in this order by default (see ``DEFAULT_STAGES``): sentences -> actors -> statements ->
predictions -> techniques -> claims. ``onrecord analyze`` runs them (``runner.analyze``).
"""

from .base import DEFAULT_STAGES, AnalysisDoc, Stage, check_pipeline, get_stage, stage

__all__ = ["AnalysisDoc", "Stage", "stage", "get_stage", "check_pipeline", "DEFAULT_STAGES"]
