import pytest

from idv.oz.decisions import (
    BiometryDecision,
    LivenessDecision,
    biometry_decision,
    liveness_decision,
)
from idv.oz.folders import Folder
from samples import biometry_folder, folder


@pytest.mark.parametrize(
    ("system_resolution", "resolution_status", "expected"),
    [
        ("SUCCESS", "FINISHED", LivenessDecision.ACCEPT),
        ("DECLINED", "FINISHED", LivenessDecision.REJECT),
        ("OPERATOR_REQUIRED", "FINISHED", LivenessDecision.REJECT),
        ("FAILED", "FAILED", LivenessDecision.INCONCLUSIVE),
        ("SUCCESS", "FAILED", LivenessDecision.INCONCLUSIVE),
        ("PROCESSING", "PROCESSING", LivenessDecision.INCONCLUSIVE),
    ],
)
def test_liveness_decision_follows_the_top_level_resolution(
    system_resolution, resolution_status, expected
):
    parsed = Folder.from_json(folder(system_resolution, resolution_status=resolution_status))
    assert liveness_decision(parsed) is expected


def test_declined_folder_maps_to_reject_even_if_an_analysis_succeeded():
    body = folder("DECLINED")
    body["analyses"][0]["resolution_status"] = "SUCCESS"
    assert liveness_decision(Folder.from_json(body)) is LivenessDecision.REJECT


@pytest.mark.parametrize(
    ("system_resolution", "expected"),
    [
        ("SUCCESS", BiometryDecision.MATCH),
        ("DECLINED", BiometryDecision.NO_MATCH),
        ("FAILED", BiometryDecision.INCONCLUSIVE),
    ],
)
def test_biometry_decision_uses_the_same_rule(system_resolution, expected):
    assert biometry_decision(Folder.from_json(biometry_folder(system_resolution))) is expected
