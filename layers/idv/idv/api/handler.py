"""The one recipe every API function is built from: observability, the resolver, the entry point.

A function module creates one :class:`ApiFunction`, registers its route with :meth:`post` or
:meth:`get`, and exports :meth:`ApiFunction.lambda_handler`. What must hold for every route is
here and nowhere else:

- the event is never logged, whatever ``POWERTOOLS_LOGGER_LOG_EVENT`` or ``POWERTOOLS_DEV`` say
  (it holds capsules, images and identity data), and log fields named like secrets are masked;
- neither the tracer nor the logger captures a response;
- with tracing disabled (``POWERTOOLS_TRACE_DISABLED``, ``sam local``) no tracer decorator is
  applied: Powertools' would still open a dummy X-Ray subsegment around the handler and the
  route on every invocation (docs/BENCHMARKS.md, Relay overhead);
- every log line carries API Gateway's request id as its correlation id;
- every invocation starts its deadline (``upstream.deadline``) before it is routed, so no chain
  of upstream attempts outlasts API Gateway's 29 s or the function's own timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from idv.api.resolver import create_resolver
from idv.redaction import redacting_logger
from idv.upstream import deadline

type View = Callable[[], Any]
type EntryPoint = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


class ApiFunction:
    """One API function: its logger, tracer, metrics and resolver (``app``)."""

    def __init__(self) -> None:
        self.logger = redacting_logger()
        self.tracer = Tracer()
        self.metrics = Metrics()
        self.app: APIGatewayRestResolver = create_resolver(self.metrics)
        self.lambda_handler = self._entry_point()

    @property
    def event(self) -> APIGatewayProxyEvent:
        """The request being routed."""
        return self.app.current_event

    def post(self, path: str, **openapi: Any) -> Callable[[View], View]:
        """Register ``POST path`` (``openapi``: summary, responses... for docs/openapi.json)."""
        return self._route(self.app.post, path, openapi)

    def get(self, path: str, **openapi: Any) -> Callable[[View], View]:
        """Register ``GET path``."""
        return self._route(self.app.get, path, openapi)

    def count(self, name: str) -> None:
        """Add one to the business metric ``name`` (e.g. ``Liveness.ACCEPT``)."""
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)

    def _route(
        self, register: Callable[..., Callable[[View], View]], path: str, openapi: dict[str, Any]
    ) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            traced = view if self.tracer.disabled else self._traced(view)
            register(path, **openapi)(traced)
            return view

        return decorate

    def _traced(self, view: View) -> View:
        traced: View = self.tracer.capture_method(capture_response=False)(view)
        return traced

    def _entry_point(self) -> EntryPoint:
        @self.metrics.log_metrics
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            deadline.start(context, limit=deadline.API_GATEWAY_SECONDS)
            self.logger.set_correlation_id(_request_id(event))
            try:
                return self.app.resolve(event, context)
            finally:
                deadline.clear()

        entry_point: EntryPoint = lambda_handler
        if not self.tracer.disabled:
            entry_point = self.tracer.capture_lambda_handler(capture_response=False)(entry_point)
        logged: EntryPoint = self.logger.inject_lambda_context(log_event=False)(entry_point)
        return logged


def _request_id(event: dict[str, Any]) -> str | None:
    """API Gateway's request id, the logs' correlation id: what Powertools' correlation path
    ``requestContext.requestId`` finds, without its JMESPath search on every invocation
    (docs/BENCHMARKS.md, Relay overhead)."""
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    return request_id if isinstance(request_id, str) else None
