"""A token kept in Secrets Manager and bridged across its rotation, whatever the upstream.

Readers cache the secret (AWSCURRENT) for ``max_age`` seconds, so an instance can hold a token
the upstream no longer takes: Oz deletes the old pair at the first use of a refreshed one; a
Data Zoo session token simply expires. On such a rejection the source re-reads AWSCURRENT
(forced), then the fallback stages in order (AWSPENDING; for Data Zoo then AWSPREVIOUS), and
retries the call once with the first token that differs from the rejected one and is not known
to be expired. ``oz.service_token`` (Oz) and ``datazoo.token`` (Data Zoo) configure it.

A fallback past AWSCURRENT is an operator's signal: it logs a WARNING and emits a metric at once
(``Secrets.PendingFallback`` / ``Secrets.PreviousFallback``, EMF, dimensions ``service`` and
``upstream``, in ``POWERTOOLS_METRICS_NAMESPACE``). During an Oz rotation a few are normal
(between testSecret and finishSecret AWSCURRENT is dead in Oz); a steady stream means a rotation
stopped there (docs/ROTATION.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from idv.aws import secrets
from idv.errors import ConfigurationError, ServiceError

logger = Logger(child=True)

FALLBACK_METRICS = {
    secrets.PENDING: "Secrets.PendingFallback",
    secrets.PREVIOUS: "Secrets.PreviousFallback",
}


class SecretTokenSource[T]:
    """Hands calls the token in ``secret_id``, re-reading it once when the upstream rejects it.

    Args:
        parse: the secret's text to a token (raises ``ConfigurationError`` when malformed).
        credential: what the operation receives, and what tells two tokens apart.
        rejected: the error the upstream's client raises when it refuses the credential.
        upstream: the upstream's name, for log lines and the metric's ``upstream`` dimension.
        expired: optional; a cached token it calls expired is re-read before use, which
            saves a certain rejection, and an expired version is never a replacement.
        fallback_stages: the versions tried, in order, after a forced AWSCURRENT.
    """

    def __init__(
        self,
        secret_id: str | None,
        *,
        max_age: int,
        parse: Callable[[str], T],
        credential: Callable[[T], str],
        rejected: type[ServiceError],
        upstream: str,
        expired: Callable[[T], bool] | None = None,
        fallback_stages: Sequence[str] = (secrets.PENDING,),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        unknown = set(fallback_stages) - set(FALLBACK_METRICS)
        if unknown:
            raise ValueError(f"no fallback to {sorted(unknown)}")
        self.secret_id = secret_id
        self.max_age = max_age
        self._parse = parse
        self._credential = credential
        self._rejected = rejected
        self._upstream = upstream
        self._expired = expired
        self._fallback_stages = tuple(fallback_stages)
        self._clock = clock
        # A token that worked after the cached one was rejected (typically AWSPENDING mid
        # rotation), preferred over the cache until the cache itself has had time to turn over.
        self._preferred: tuple[T, float] | None = None
        # The last text read and its token: the cached secret is parsed once, not per call
        # (docs/BENCHMARKS.md, Relay overhead).
        self._parsed: tuple[str, T] | None = None

    def current(self) -> T | None:
        """The token to use now; None when no secret is configured (no token is sent)."""
        if self.secret_id is None:
            return None
        if self._preferred is not None:
            token, until = self._preferred
            if self._clock() < until and not self._is_expired(token):
                return token
            self._preferred = None
        token = self._read(force=False)
        if self._is_expired(token):
            logger.info(f"the cached {self._upstream} token has expired; re-reading the secret")
            token = self._read(force=True)
        return token

    def call[R](self, operation: Callable[[str | None], R]) -> R:
        """Run ``operation(credential)``; on a rejection, re-read the secret and retry once.

        Raises:
            the ``rejected`` error: the upstream also refused the re-read token, or there was
            no other token to try.
        """
        token = self.current()
        try:
            return operation(self._credential(token) if token is not None else None)
        except self._rejected:
            if token is None:
                raise
            replacement, stage = self._replacement_for(token)
            if replacement is None:
                logger.error(f"{self._upstream} rejected the token and no other version exists")
                raise
        logger.warning(
            f"{self._upstream} rejected the cached token; retrying once",
            extra={"secret_stage": stage},
        )
        if stage != secrets.CURRENT:
            self._report_fallback(stage)
        result = operation(self._credential(replacement))
        if stage == secrets.CURRENT:
            self._preferred = None
        else:
            self._preferred = (replacement, self._clock() + max(self.max_age, 1))
        return result

    def _read(self, *, force: bool) -> T:
        assert self.secret_id is not None
        text = secrets.read_current(self.secret_id, max_age=self.max_age, force=force)
        if self._parsed is not None and self._parsed[0] == text:
            return self._parsed[1]
        token = self._parse(text)
        self._parsed = (text, token)
        return token

    def _is_expired(self, token: T) -> bool:
        return self._expired is not None and self._expired(token)

    def _replacement_for(self, rejected: T) -> tuple[T | None, str]:
        """The first version that differs from ``rejected`` and is not expired, and its stage:
        AWSCURRENT (forced), then each fallback stage."""
        assert self.secret_id is not None
        refused = self._credential(rejected)
        current = self._read(force=True)
        if self._credential(current) != refused and not self._is_expired(current):
            return current, secrets.CURRENT
        for stage in self._fallback_stages:
            text = secrets.read_stage(self.secret_id, stage)
            if text is None:
                continue
            try:
                candidate = self._parse(text)
            except ConfigurationError:  # e.g. AWSPREVIOUS is the template's placeholder
                logger.info(f"{stage} of the {self._upstream} token secret holds no token")
                continue
            if self._credential(candidate) != refused and not self._is_expired(candidate):
                return candidate, stage
        return None, secrets.CURRENT

    def _report_fallback(self, stage: str) -> None:
        """The operator's signal: one WARNING line and one metric, written now."""
        name = FALLBACK_METRICS[stage]
        logger.warning(
            f"{self._upstream} refused AWSCURRENT; falling back to {stage}",
            extra={"secret_stage": stage, "metric": name},
        )
        try:
            with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
                metric.add_dimension(name="upstream", value=self._upstream)
        except Exception:  # a metric must never fail the request it describes
            logger.exception(f"could not emit the {name} metric")
