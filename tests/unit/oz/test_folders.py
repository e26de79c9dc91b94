import pytest

from idv.errors import UpstreamError
from idv.oz.folders import BIOMETRY, QUALITY, Folder
from samples import biometry_folder, folder, quality_analysis


def test_folder_fields_are_parsed():
    parsed = Folder.from_json(folder("DECLINED"))
    assert parsed.folder_id == "f-123"
    assert parsed.system_resolution == "DECLINED"
    assert parsed.resolution_status == "FINISHED"
    assert parsed.event_session_id == "esid-1"
    assert [a.type for a in parsed.analyses] == [QUALITY]


def test_unknown_fields_and_missing_optional_fields_are_tolerated():
    parsed = Folder.from_json({"folder_id": "f", "system_resolution": "success", "new": [1]})
    assert parsed.system_resolution == "SUCCESS"
    assert parsed.resolution_status is None
    assert parsed.event_session_id is None
    assert parsed.analyses == ()


@pytest.mark.parametrize("missing", ["folder_id", "system_resolution"])
def test_a_folder_without_id_or_resolution_is_an_upstream_error(missing):
    body = folder()
    del body[missing]
    with pytest.raises(UpstreamError, match=missing):
        Folder.from_json(body)


def test_malformed_analyses_are_skipped_not_fatal():
    body = folder(analyses=["junk", None, {"type": "quality", "results_media": "nope"}])
    parsed = Folder.from_json(body)
    assert len(parsed.analyses) == 1
    assert parsed.analyses[0].type == QUALITY
    assert parsed.analyses[0].confidence is None


def test_liveness_score_is_the_highest_spoofing_confidence():
    body = folder(analyses=[quality_analysis(spoofing=0.1), quality_analysis(spoofing=0.4)])
    assert Folder.from_json(body).liveness_score == 0.4


def test_similarity_is_the_least_similar_pair():
    parsed = Folder.from_json(biometry_folder(similarity=0.9))
    assert parsed.analyses_of(BIOMETRY)[0].confidence == 0.9
    assert parsed.similarity == 0.9
    assert parsed.liveness_score is None


def test_failed_analysis_carries_error_code_and_message():
    parsed = Folder.from_json(folder("FAILED"))
    analysis = parsed.analyses[0]
    assert (analysis.state, analysis.error_code, analysis.error_message) == (
        "FAILED",
        11,
        "External service error",
    )
