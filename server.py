"""The ASGI application: HTTP in, one session and one viewer per request, GraphQL out."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cross_web import HTTPException
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET

from contacts_api import examples
from contacts_api.edge import graphiql, graphql_errors, graphql_over_http, request_ids
from contacts_api.edge.authentication import TokenVerifier, issue_development_token
from contacts_api.edge.rate_limits import MemoryCounter, RateLimiter, RedisCounter, Standing
from contacts_api.mail.outbox import OutboxSender
from contacts_api.models import EmailDeliveryStatus, Language, OutboundEmail
from contacts_api.models.database import RequestSession, create_engine, create_session_factory
from contacts_api.planner import Answer, Planner, Reads
from contacts_api.resolvers.context import Context
from contacts_api.rules import authorization
from contacts_api.rules.authorization import Claims, load_viewer
from contacts_api.rules.catalogue import CatalogueCache
from contacts_api.rules.messages import Message, language_from_header, translate
from contacts_api.runtime.logs import StatementCounter, count_statements
from contacts_api.runtime.metrics import CONTENT_TYPE, Metrics, operation_names
from contacts_api.runtime.scheduler import Scheduler
from contacts_api.runtime.settings import Settings
from contacts_api.schema import LIMIT_RULES, MAX_TOKENS, create_schema

logger = logging.getLogger("contacts.server")
request_log = logging.getLogger("contacts.requests")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What lives as long as the process: the engine, the token verifier, the clock, the
    outbox sender and the scheduler."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    verifier: TokenVerifier
    catalogue: CatalogueCache
    clock: Clock
    outbox: OutboxSender
    scheduler: Scheduler
    metrics: Metrics
    limiter: RateLimiter

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock = system_clock) -> Services:
        engine = create_engine(settings.database_url, settings.database_pool)
        count_statements(engine)
        sessions = create_session_factory(engine)
        catalogue = CatalogueCache()
        metrics = Metrics(known_operations=KNOWN_OPERATIONS)
        counter: MemoryCounter | RedisCounter = MemoryCounter()
        if settings.redis_url:
            counter = RedisCounter(settings.redis_url, on_fallback=metrics.rate_limit_fallbacks.inc)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            verifier=TokenVerifier(settings),
            catalogue=catalogue,
            clock=clock,
            outbox=OutboxSender(
                sessions,
                settings,
                clock=clock,
                on_attempt=lambda outcome: metrics.outbox_deliveries.labels(outcome).inc(),
            ),
            scheduler=Scheduler(
                sessions,
                settings,
                clock=clock,
                catalogue=catalogue,
                on_done=lambda job, count: metrics.timed_work.labels(job).inc(count),
            ),
            metrics=metrics,
            limiter=RateLimiter(
                counter,
                per_account=settings.rate_limit_per_account,
                per_address=settings.rate_limit_per_address,
            ),
        )

    async def close(self) -> None:
        await self.engine.dispose()
        if isinstance(self.limiter.counter, RedisCounter):
            await self.limiter.counter.close()


KNOWN_OPERATIONS = operation_names([graphiql.EXAMPLE_OPERATION, *examples.documents()])


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's view, with the request's unit of work around each operation.

    The session opens here and commits here, once, after the operation ran; resolvers and
    use cases never commit.
    """

    def __init__(self, services: Services) -> None:
        settings = services.settings
        schema = create_schema(
            introspection=settings.graphql_introspection, max_cost=settings.query_max_cost
        )
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
        )
        self.services = services
        self.planner = (
            Planner(
                schema._schema,
                Reads(services.engine, settings.database_pool),
                settings,
                max_cost=settings.query_max_cost,
                max_tokens=MAX_TOKENS,
                rules=LIMIT_RULES,
            )
            if settings.query_planner
            else None
        )

    async def run(
        self,
        request: Request | WebSocket,
        context: Context = UNSET,
        root_value: None = UNSET,
    ) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        started = time.perf_counter()
        statements = StatementCounter()
        request_id = request_ids.of(request)
        language = language_from_header(request.headers.get("accept-language"))
        request.state.language = language
        known: Context | None = None
        planned: Answer | None = None
        standing = None
        try:
            if request.method == "POST":
                await graphql_over_http.read_body(request)
            else:
                graphql_over_http.check_text(dict(request.query_params))
            claims = await self.services.verifier.verify(request.headers.get("authorization"))
            standing = await self.services.limiter.check(
                address=request.client.host if request.client else None,
                subject=claims.subject if claims else None,
            )
            if standing is not None and standing.exceeded:
                raise graphql_over_http.RateLimited(standing.retry_after)
            planned = await self._planned(request, claims, language)
            if planned is not None:
                response = Response(planned.body, media_type="application/json")
            else:
                async with self.services.sessions() as session:
                    known = await self._context(
                        RequestSession(session), claims, request_id, language, standing
                    )
                    response = await super().run(request, known, root_value)
                    await session.commit()
        except graphql_over_http.RateLimited as limited:
            response = graphql_over_http.error_response(
                request,
                429,
                translate(Message.RATE_LIMITED, language, seconds=limited.seconds),
                "RATE_LIMITED",
                headers={"Retry-After": str(limited.seconds)},
            )
        except graphql_over_http.UnstorableText:
            response = graphql_over_http.error_response(
                request, 400, translate(Message.UNSTORABLE_TEXT, language), "BAD_USER_INPUT"
            )
        except graphql_over_http.BodyTooLarge:
            message = translate(
                Message.PAYLOAD_TOO_LARGE, language, maximum=graphql_over_http.MAX_BODY_BYTES
            )
            response = graphql_over_http.error_response(request, 413, message, "PAYLOAD_TOO_LARGE")
        except HTTPException as error:
            refused = graphql_over_http.request_error(error.status_code, error.reason)
            message = translate(refused.message, language, **refused.fields)
            response = graphql_over_http.error_response(
                request, refused.status, message, refused.code
            )
        except Exception:
            # Outside the operation (signing in, committing): the same generic answer as
            # inside it, with the traceback in the log under the request's id.
            logger.exception("unexpected error (request %s)", request_id)
            response = graphql_over_http.error_response(
                request,
                500,
                translate(Message.INTERNAL_ERROR, language, request_id=request_id),
                "INTERNAL_SERVER_ERROR",
            )
        else:
            graphql_status = getattr(request.state, "graphql_status", None)
            response = graphql_over_http.adjust(response, request, graphql_status)
        finally:
            statements.close()
        if standing is not None and isinstance(response, Response):
            response.headers.update(standing.headers())
        if isinstance(response, Response) and not isinstance(response, HTMLResponse):
            graphql_over_http.describe_language(response, language)
        if not isinstance(response, HTMLResponse):
            self._observe(
                request,
                response,
                _Observed.of(known, planned, request_id),
                time.perf_counter() - started,
                statements.count,
            )
        return response

    async def _planned(
        self, request: Request, claims: Claims | None, language: Language
    ) -> Answer | None:
        """The compiled read path's answer (see `planner`), for a signed-in caller's JSON
        POST that it covers."""
        catalogue = self.services.catalogue.loaded
        if (
            self.planner is None
            or claims is None
            or catalogue is None
            or request.method != "POST"
            or not request.headers.get("content-type", "").startswith("application/json")
        ):
            return None
        return await self.planner.answer(
            await request.body(),
            claims,
            catalogue=catalogue,
            now=self.services.clock(),
            language=language,
        )

    def _observe(
        self,
        request: Request,
        response: Response,
        observed: _Observed,
        duration: float,
        statements: int,
    ) -> None:
        """One log line and the metrics of a request."""
        metrics = self.services.metrics
        label = metrics.operation_label(observed.operation)
        codes = getattr(request.state, "graphql_codes", ())
        outcome = metrics.outcome_label(codes, observed.user_errors)
        metrics.requests.labels(label, outcome).inc()
        metrics.latency.labels(label).observe(duration)
        request_log.info(
            "graphql request",
            extra={
                "fields": {
                    "request_id": observed.request_id,
                    "operation": observed.operation,
                    "account_id": observed.account_id,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 2),
                    "sql_statements": statements,
                    "planned": observed.planned,
                }
            },
        )

    def decode_json(self, data: str | bytes) -> object:
        return graphql_over_http.decode_body(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        """Errors of a document that never ran get their code and the caller's language;
        for a client of the GraphQL-over-HTTP media type, such an answer has no `data`."""
        never_ran = graphql_over_http.never_ran(result)
        if never_ran and result.errors:
            result.errors = graphql_errors.localized(result.errors, request.state.language)
        request.state.graphql_status = graphql_over_http.status_for(result, request)
        request.state.graphql_codes = [
            str((error.extensions or {}).get("code")) for error in result.errors or ()
        ]
        answer = await super().process_result(request, result)
        if never_ran and graphql_over_http.wants_graphql_response(request):
            answer.pop("data", None)
        return answer

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the project's own files: it works with no internet access.

        In development, a visitor on this machine finds the demo administrator's token in
        the Headers tab; a visitor from elsewhere (a shared development server) never does.
        """
        settings = self.services.settings
        headers = ""
        if (
            settings.environment == "development"
            and settings.auth_jwt_secret
            and _is_loopback(request.client.host if request.client else None)
        ):
            async with self.services.sessions() as session:
                administrator = await authorization.an_organization_administrator(session)
            if administrator is not None:
                token = issue_development_token(
                    settings,
                    email=administrator.email,
                    name=administrator.name,
                    subject=administrator.subject,
                )
                headers = json.dumps({"Authorization": f"Bearer {token}"}, indent=2)
        return HTMLResponse(graphiql.page(headers))

    async def _context(
        self,
        db: RequestSession,
        claims: Claims | None,
        request_id: str,
        language: Language,
        standing: Standing | None,
    ) -> Context:
        services = self.services
        now = services.clock()
        return Context(
            db=db,
            settings=services.settings,
            catalogue=await services.catalogue.get(db),
            now=now,
            language=language,
            viewer=await load_viewer(db, claims, now) if claims else None,
            request_id=request_id,
            rate_limit=standing,
        )


@dataclass(frozen=True, slots=True)
class _Observed:
    """What the request log and the metrics say of a request, whichever path answered it."""

    request_id: str
    operation: str | None
    account_id: int | None
    user_errors: bool
    planned: bool

    @classmethod
    def of(cls, context: Context | None, planned: Answer | None, request_id: str) -> _Observed:
        if planned is not None:
            return cls(request_id, planned.operation_name, planned.account_id, False, True)
        if context is None:
            return cls(request_id, None, None, False, False)
        viewer = context.viewer
        return cls(
            request_id,
            context.operation_name,
            viewer.account.id if viewer else None,
            context.user_errors,
            False,
        )


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(settings: Settings, *, clock: Clock = system_clock) -> Starlette:
    services = Services.create(settings, clock=clock)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def metrics(_request: Request) -> Response:
        async with services.sessions() as session:
            backlog = await session.scalar(
                select(func.count()).where(OutboundEmail.status == EmailDeliveryStatus.QUEUED)
            )
        services.metrics.outbox_backlog.set(backlog or 0)
        return Response(services.metrics.exposition(), media_type=CONTENT_TYPE)

    async def readyz(_request: Request) -> Response:
        """Ready when the database answers; "degraded" while an auxiliary (Redis) does not:
        requests are still served then."""
        parts: dict[str, str] = {}
        try:
            async with services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            parts["database"] = "ok"
        except Exception:
            logger.exception("database not reachable")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        counter = services.limiter.counter
        if isinstance(counter, RedisCounter):
            reachable = await counter.reachable()
            services.metrics.redis_reachable.set(1 if reachable else 0)
            parts["redis"] = "ok" if reachable else "unreachable"
        status = "ready" if all(part == "ok" for part in parts.values()) else "degraded"
        return JSONResponse({"status": status, **parts})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        """The outbox sender and the scheduler run beside the server and finish their work on
        shutdown; the worker keeps its own figures current for the metrics."""
        stop = asyncio.Event()
        background = [
            asyncio.create_task(services.outbox.run(stop)),
            asyncio.create_task(_observe_process(services.metrics, stop)),
        ]
        if settings.scheduler:
            background.append(asyncio.create_task(services.scheduler.run(stop)))
        # What start-up built (the schema, the models, the libraries) lives as long as the
        # process: out of the collector's reach, its full collections no longer walk it all,
        # which showed as pauses in the slowest requests.
        gc.freeze()
        try:
            yield
        finally:
            stop.set()
            for task in background:
                await task
            services.metrics.worker_stopped()
            await services.close()

    graphql = GraphQLEndpoint(services)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Mount(
            "/graphiql/assets",
            StaticFiles(packages=[(graphiql.PACKAGE, graphiql.ASSETS)]),
            name="graphiql",
        ),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if settings.metrics_public:
        routes.append(Route("/metrics", metrics))
    middleware = [Middleware(request_ids.RequestIds)]
    if settings.cors_allow_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_allow_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "accept-language", "x-request-id"],
                expose_headers=[
                    "x-request-id",
                    "x-ratelimit-limit",
                    "x-ratelimit-remaining",
                    "x-ratelimit-used",
                    "x-ratelimit-reset",
                    "retry-after",
                ],
                max_age=600,
            )
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.services = services
    app.state.graphql = graphql
    return app


async def _observe_process(metrics: Metrics, stop: asyncio.Event, interval: float = 10) -> None:
    while not stop.is_set():
        metrics.observe_process()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def app_from_environment() -> Starlette:
    """The factory uvicorn calls in each worker process (`contacts serve`)."""
    return create_app(Settings.from_environment())
