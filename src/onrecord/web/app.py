"""The workbench application: one FastAPI app with server-rendered pages and the REST API.

Security model (see README "Workbench"):

* binds 127.0.0.1 by default; ``onrecord serve`` refuses a non-loopback host without a token;
* with a token, every request must carry it (``Authorization: Bearer``, ``X-Onrecord-Token`` or the
  ``onrecord_token`` cookie set by the login form, HttpOnly and SameSite=Strict);
* writes use POST / PATCH / DELETE only, and must carry the ``X-Onrecord-Write: 1`` header, which a
  cross-site form or image cannot send (no CORS is enabled), with an Origin, when present, equal to the
  host; ``--read-only`` refuses every write;
* the Host header must be one the server answers to (DNS rebinding);
* a strict Content-Security-Policy (scripts and styles only from the app itself, no inline script):
  even text that escaping missed could not run; Jinja2 autoescapes every value.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..corpus import Corpus
from . import views
from ..errors import ConfigError, InputError, NotFoundError, OnrecordError

__all__ = ["WebConfig", "create_app", "is_loopback"]

HERE = Path(__file__).parent
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
#: Sent with every response, the guard's own refusals and the login page included.
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY"}


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class WebConfig:
    db: str | None = None
    read_only: bool = False
    token: str | None = None
    host: str = "127.0.0.1"
    max_upload: int = 10 * 10**6
    #: Host header values answered (besides the bound host); tests add their client's name.
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1", "[::1]")
    extra: dict[str, Any] = field(default_factory=dict)


class Generation:
    """A counter bumped by every write through the app, part of cache keys of derived views."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


def _token_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-onrecord-token") or request.cookies.get("onrecord_token")


def _netloc(url: str) -> tuple[str, str]:
    """``(host[:port], hostname)`` of a URL, lower case; empty for one that cannot be parsed (``http://[::1``)."""
    try:
        parts = urlsplit(url)
        return parts.netloc.lower(), (parts.hostname or "")
    except ValueError:
        return "", ""


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _local_target(target: str) -> str:
    """``target`` as a path on this server: percent-encoded (a backslash, tab or newline, which browsers
    read as ``/`` or drop, cannot make ``/\\evil.example`` another site) and ``/`` unless it is a local path."""
    target = quote(target, safe="/?&=%:@!$'()*+,;~-._")
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _shown(value: Any) -> Any:
    """Every value a template prints, with bidirectional controls replaced (see ``render.visible``):
    metadata and labels are untrusted text too. Markup stays markup (one code point for one)."""
    from .render import visible

    if isinstance(value, Markup):
        return Markup(visible(str(value)))
    return visible(value) if isinstance(value, str) else value


def error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message}, status_code=status)


def create_app(config: WebConfig | None = None, corpus: Corpus | None = None) -> FastAPI:
    """The workbench over one store. ``corpus`` may be given (tests); else ``config.db`` is opened."""
    config = config or WebConfig()
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        try:  # start loading the network views' statements in the background; requests work without them
            views.statement_table(_app)
        except Exception:  # noqa: BLE001 - a store that cannot be read now is reported by the requests themselves
            pass
        yield
        if corpus is None:  # the app opened the store, so it closes it
            _app.state.corpus.close()

    app = FastAPI(title="onrecord workbench", version=__version__,
                  description="Read, check and correct the coding of dated political commentary.",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.config = config
    app.state.corpus = corpus or Corpus(config.db)
    app.state.generation = Generation()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(version=__version__, read_only=config.read_only)
    templates.env.finalize = _shown
    app.state.templates = templates
    allowed = {h.lower() for h in config.allowed_hosts} | {config.host.lower()}

    @app.middleware("http")
    async def guard(request: Request, call_next):
        refusal = _refusal(request)
        response = refusal or await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if refusal is None and request.method in WRITE_METHODS and response.status_code < 400:
            app.state.generation.bump()
        return response

    def _refusal(request: Request) -> Response | None:
        """The answer to a request the guard refuses (Host, token, write rules), or None."""
        host = (request.headers.get("host") or "").lower()
        hostname = _netloc("//" + host)[1]
        if config.host in ("0.0.0.0", "::", ""):
            host_ok = True  # bound to every interface: the token (required there) is the guard
        else:
            host_ok = hostname in allowed or f"[{hostname}]" in allowed
        if not host_ok:
            return error_response(request, 400, f"unexpected Host header {host!r}")
        if config.token and request.url.path not in ("/login", "/static/workbench.css"):
            given = _token_of(request)
            if not given or not hmac.compare_digest(given.encode(), config.token.encode()):
                if not _wants_json(request) and request.method == "GET":
                    return templates.TemplateResponse(request, "login.html", {"next": request.url.path}, status_code=401)
                return error_response(request, 401, "a valid token is required (Authorization: Bearer TOKEN)")
        if request.method in WRITE_METHODS and request.url.path != "/login":
            if config.read_only:
                return error_response(request, 403, "the workbench is read-only (started with --read-only)")
            if request.headers.get("x-onrecord-write") != "1":
                return error_response(request, 403, "writes need the X-Onrecord-Write: 1 header (cross-site requests are refused)")
            origin = request.headers.get("origin")
            if origin and origin != "null" and (_netloc(origin)[0] or None) != host:
                return error_response(request, 403, f"cross-origin write from {origin!r} refused")
        return None

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return error_response(request, 422, f"invalid request: {problems}")

    def _status_handler(status: int):
        async def handler(request: Request, exc: Exception):
            return error_response(request, status, str(exc))
        return handler

    # the most specific first: Starlette picks the handler by the exception's class hierarchy
    for error_class, status in ((NotFoundError, 404), (ConfigError, 400), (InputError, 400), (OnrecordError, 500)):
        app.add_exception_handler(error_class, _status_handler(status))

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: OverflowError):  # an id or page past the store's 64-bit integers
        return error_response(request, 422, "invalid request: a number in it is out of range")

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from .api import router as api_router
    from .pages import router as page_router

    app.include_router(api_router)
    app.include_router(page_router)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.post("/login", include_in_schema=False, response_class=HTMLResponse)
    async def login(request: Request):
        form = await request.form()
        given = str(form.get("token") or "")
        target = _local_target(str(form.get("next") or "/"))
        if not config.token or not hmac.compare_digest(given.encode(), config.token.encode()):
            return templates.TemplateResponse(request, "login.html", {"next": target, "failed": True}, status_code=401)
        response = Response(status_code=303, headers={"Location": target})
        response.set_cookie("onrecord_token", given, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    return app
