"""Oz's folder (the answer of an Instant request) as typed objects.

Parsing is tolerant: unknown fields are ignored and optional ones may be missing. Only what the
decision cannot do without (a folder id and a system resolution) is required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idv.errors import UpstreamError

QUALITY = "QUALITY"
BIOMETRY = "BIOMETRY"


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis of a folder (``QUALITY`` = liveness, ``BIOMETRY`` = face matching)."""

    type: str
    state: str | None
    resolution_status: str | None
    error_code: int | None
    error_message: str | None
    # QUALITY: the highest confidence_spoofing (0..1, lower is more alive);
    # BIOMETRY: the lowest min_confidence (0..1, 1 = same person).
    confidence: float | None
    output_images: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Folder:
    folder_id: str
    resolution_status: str | None
    system_resolution: str
    resolution_comment: str | None
    event_session_id: str | None
    analyses: tuple[Analysis, ...]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Folder:
        """Parse a folder object.

        Raises:
            UpstreamError: the folder lacks its id or system resolution.
        """
        folder_id = body.get("folder_id")
        system_resolution = body.get("system_resolution")
        if not isinstance(folder_id, str) or not folder_id:
            raise UpstreamError("Oz answered a folder without folder_id")
        if not isinstance(system_resolution, str) or not system_resolution:
            raise UpstreamError("Oz answered a folder without system_resolution")
        meta = body.get("meta_data")
        event_session_id = meta.get("event_session_id") if isinstance(meta, Mapping) else None
        return cls(
            folder_id=folder_id,
            resolution_status=_text(body.get("resolution_status")),
            system_resolution=system_resolution.upper(),
            resolution_comment=_text(body.get("resolution_comment")),
            event_session_id=_text(event_session_id),
            analyses=tuple(_analysis(item) for item in _items(body.get("analyses"))),
        )

    def analyses_of(self, kind: str) -> tuple[Analysis, ...]:
        return tuple(analysis for analysis in self.analyses if analysis.type == kind)

    @property
    def liveness_score(self) -> float | None:
        """The highest spoofing confidence over the QUALITY analyses."""
        scores = [a.confidence for a in self.analyses_of(QUALITY) if a.confidence is not None]
        return max(scores) if scores else None

    @property
    def similarity(self) -> float | None:
        """The lowest face-match confidence over the BIOMETRY analyses (the least similar pair)."""
        scores = [a.confidence for a in self.analyses_of(BIOMETRY) if a.confidence is not None]
        return min(scores) if scores else None


def _analysis(item: Mapping[str, Any]) -> Analysis:
    kind = (_text(item.get("type")) or "UNKNOWN").upper()
    results = _items(item.get("results_media"))
    score_key, pick = ("min_confidence", min) if kind == BIOMETRY else ("confidence_spoofing", max)
    scores = [
        score
        for result in results
        if (score := _number(_mapping(result.get("results_data")).get(score_key))) is not None
    ]
    code = item.get("error_code")
    return Analysis(
        type=kind,
        state=_text(item.get("state")),
        resolution_status=_text(item.get("resolution_status")),
        error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        error_message=_text(item.get("error_message")),
        confidence=pick(scores) if scores else None,
        output_images=tuple(
            image for result in results for image in _items(result.get("output_images"))
        ),
    )


def _items(value: object) -> list[Mapping[str, Any]]:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
