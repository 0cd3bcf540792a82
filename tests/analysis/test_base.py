"""The stage contract: versioned names, requires/assigns checked before anything runs."""

import pytest

from onrecord._types import Annotation
from onrecord.analysis.base import DEFAULT_STAGES, AnalysisDoc, base_name, check_pipeline, get_stage, stage
from onrecord.errors import ConfigError, RegistryError


def test_default_pipeline_is_registered_and_consistent():
    stages = check_pipeline(DEFAULT_STAGES)
    assert [s.name for s in stages] == list(DEFAULT_STAGES)
    assigned = {layer for s in stages for layer in s.assigns}
    assert {"sentence", "actor", "statement", "prediction", "technique", "claim"} <= assigned


def test_missing_requirement_is_refused_before_running():
    with pytest.raises(ConfigError, match="requires layer"):
        check_pipeline(["onrecord.statements.v1"])
    # ... unless the layers are already stored
    check_pipeline(["onrecord.statements.v1"], available={"turn", "sentence", "actor"})


def test_two_versions_of_one_analyzer_are_refused():
    @stage("test.echo.v1", assigns=("echo",))
    def v1(doc, res):
        return []

    @stage("test.echo.v2", assigns=("echo",))
    def v2(doc, res):
        return []

    with pytest.raises(ConfigError, match="two versions"):
        check_pipeline(["test.echo.v1", "test.echo.v2"])


def test_names_must_be_versioned_and_known():
    with pytest.raises(ConfigError):
        base_name("onrecord.actors")
    assert base_name("onrecord.actors.v12") == "onrecord.actors"
    with pytest.raises(RegistryError, match="no stage named"):
        get_stage("nope.v1")


def test_a_stage_may_only_return_its_own_layers():
    @stage("test.liar.v1", assigns=("mine",))
    def liar(doc, res):
        return [Annotation(0, 1, "other_layer", "x")]

    with pytest.raises(ConfigError, match="assigns only"):
        liar(AnalysisDoc(None, "x"), None)
