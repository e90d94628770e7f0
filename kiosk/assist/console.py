"""The attendant console: an aiohttp web app that shows the store's lanes and sends the attendants' decisions.

One page (``kiosk/assist/static``: plain HTML, CSS and JavaScript, no build step, nothing from a CDN) for phones and
tablets. The page signs in, loads a snapshot of the lanes, and keeps a WebSocket open over which the console pushes
every lane state, alert and ack the :class:`~kiosk.assist.hub.ConsoleHub` receives. Commands go out as
``POST /api/command`` and come back as acks on the WebSocket.

Routes::

    GET  /                            the page (it shows the sign-in form when there is no session)
    POST /login                       {"attendant": id, "pin": pin} (JSON) -> 200 + cookie | 401 | 423 | 429
    POST /logout                      ends the session (CSRF)
    GET  /api/lanes                   snapshot: lanes, open alerts, me (name, role, allowed actions), CSRF token
    GET  /api/ping[?peek=1]           the attendant is active: restarts the idle time (not with peek), returns when
                                      it expires
    GET  /api/ws                      WebSocket: a snapshot, then every message; closed (4401) when the session ends
    POST /api/command                 {lane, command, intervention?, line?, arg?} -> 202 {id}   (CSRF)
    GET  /api/command/{id}            what became of a command this console sent
    GET  /api/still/{lane}/{alert}    the alert's camera still (image/jpeg)
    GET  /api/audit?limit=            the console's audit log (supervisors and technicians)

Security choices are described in kiosk/assist/auth.py. Every response carries a strict Content-Security-Policy
(only this origin; no inline script or style), ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer`` and
``X-Content-Type-Options: nosniff``; the page and the API are ``Cache-Control: no-store``.

The app runs on an asyncio loop; the hub calls its listeners on the bus's thread, and each WebSocket's listener
hands messages over with ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from pathlib import Path
from typing import Any, Callable

from aiohttp import WSCloseCode, web

from kiosk.assist import protocol as p
from kiosk.assist.audit import ConsoleAudit
from kiosk.assist.auth import COOKIE, CSRF_HEADER, ConsoleAuth, Session
from kiosk.assist.hub import ConsoleHub
from kiosk.attendants import Attendants
from kiosk.lane.settings import role_may

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

#: Actions the page offers, in the order of its buttons (each one a protocol command).
ACTIONS = p.COMMANDS
#: Roles that may read the audit log.
AUDIT_ROLES = ("supervisor", "technician")
#: The WebSocket close code for "your session ended: sign in again".
WS_SIGNED_OUT = 4401
#: Messages a slow page may fall behind by before the console closes its WebSocket (it reconnects to a snapshot).
WS_BACKLOG = 2000
_SIGNED_OUT = object()          # put in a page's queue: its session ended

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "font-src 'self'; media-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")

HUB = web.AppKey("hub", ConsoleHub)
AUTH = web.AppKey("auth", ConsoleAuth)
AUDIT = web.AppKey("audit", object)
SOCKETS = web.AppKey("sockets", dict)


def make_app(hub: ConsoleHub, attendants: Attendants, *, secure: bool, audit: ConsoleAudit | None,
             clock: Callable[[], float] = time.time, session_idle_s: float = 900.0,
             session_max_s: float = 12 * 3600.0, max_failures: int = 5, lockout_s: float = 300.0,
             per_address: int = 10, window_s: float = 60.0,
             allowed_hosts: set[str] | None = None) -> web.Application:
    """The console's web application. ``secure``: it is served over TLS (Secure cookie, HSTS)."""
    app = web.Application(client_max_size=64 * 1024, middlewares=[_errors])
    app[HUB] = hub
    app[AUTH] = ConsoleAuth(attendants, audit=audit, secure=secure, clock=clock, idle_s=session_idle_s,
                            absolute_s=session_max_s, max_failures=max_failures, lockout_s=lockout_s,
                            per_address=per_address, window_s=window_s, allowed_hosts=allowed_hosts)
    app[AUDIT] = audit
    app[SOCKETS] = {}            # WebSocketResponse -> (session token, its queue): for sign-out and shutdown
    app.on_response_prepare.append(_headers)
    app.on_shutdown.append(_close_sockets)
    app.router.add_get("/", _page)
    app.router.add_post("/login", _login)
    app.router.add_post("/logout", _logout)
    app.router.add_get("/api/lanes", _lanes)
    app.router.add_get("/api/ping", _ping)
    app.router.add_get("/api/ws", _ws)
    app.router.add_post("/api/command", _command)
    app.router.add_get("/api/command/{id}", _command_outcome)
    app.router.add_get("/api/still/{lane}/{alert}", _still)
    app.router.add_get("/api/audit", _audit)
    app.router.add_static("/static/", STATIC, follow_symlinks=False, append_version=False)
    return app


async def start_console(app: web.Application, host: str, port: int,
                        ssl_context=None) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on ``host:port`` (0: a free port); returns the runner (``await runner.cleanup()`` to stop) and
    the console's address."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port     # the free port the system chose for 0
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::", ""):
        shown = socket.gethostname()
    url = f"{'https' if ssl_context is not None else 'http'}://{shown}:{bound}/"
    log.info("attendant console at %s", url)
    return runner, url


# ------------------------------------------------------------------------------------------------- plumbing

@web.middleware
async def _errors(request: web.Request, handler):
    """API errors as JSON (the page reads ``error``), everything else as aiohttp makes it."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if request.path.startswith("/api/") and exc.status >= 400 and exc.content_type != "application/json":
            return _error(exc.status, exc.reason.lower().replace(" ", "_"))
        raise


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.app[AUTH].secure:
        h.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path == "/" or request.path.startswith("/api/") or request.path in ("/login", "/logout"):
        h["Cache-Control"] = "no-store"
    elif request.path.startswith("/static/"):
        h.setdefault("Cache-Control", "no-cache")


def _error(status: int, error: str, **more: Any) -> web.Response:
    return web.json_response({"error": error, **more}, status=status)


def _session(request: web.Request, *, touch: bool = True) -> Session | None:
    return request.app[AUTH].session(request.cookies.get(COOKIE), touch=touch)


def _me(request: web.Request, s: Session) -> dict[str, Any]:
    auth = request.app[AUTH]
    return {"id": s.attendant, "name": s.name, "role": s.role,
            "actions": [c for c in ACTIONS if role_may(s.role, c)], "audit": s.role in AUDIT_ROLES,
            "expires_at": auth.sessions.expires_at(s), "idle_s": auth.sessions.idle_s}


def _origin_ok(request: web.Request) -> bool:
    return request.app[AUTH].origin_ok(request.headers.get("Origin"), request.scheme, request.host)


def _refusal(request: web.Request, s: Session) -> web.Response | None:
    """Why a signed-in page's state-changing request is refused (a foreign origin, a missing or wrong CSRF token);
    None when it may go ahead."""
    if not _origin_ok(request):
        return _error(403, "bad_origin")
    if not request.app[AUTH].csrf_ok(s, request.headers.get(CSRF_HEADER)):
        return _error(403, "csrf")
    return None


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    if request.content_type != "application/json":
        return None
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


# ------------------------------------------------------------------------------------------------- routes

async def _page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})


async def _login(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    if not _origin_ok(request):
        return _error(403, "bad_origin")
    body = await _json_body(request)
    if body is None:
        return _error(400, "bad_request")
    result = await auth.login(body.get("attendant"), body.get("pin"), request.remote)  # type: ignore[arg-type]
    if not result.ok:
        status = {"wrong_pin": 401, "locked": 423, "rate_limited": 429}.get(result.error, 400)
        headers = {"Retry-After": str(int(result.retry_after + 0.999))} if result.retry_after else None
        return web.json_response({"error": result.error, "retry_after": round(result.retry_after)},
                                 status=status, headers=headers)
    old = request.cookies.get(COOKIE)
    if old:
        auth.sessions.drop(old)      # a new sign-in at this browser replaces whatever session it had
    s = result.session
    assert s is not None
    response = web.json_response({"ok": True, "me": _me(request, s), "csrf": s.csrf})
    response.set_cookie(COOKIE, s.token, **auth.cookie_options())
    return response


async def _logout(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    s = _session(request, touch=False)
    if s is None:
        return _error(401, "signed_out")
    refused = _refusal(request, s)
    if refused is not None:
        return refused
    auth.logout(s, request.remote)
    _close_session_sockets(request.app, s.token)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/", secure=auth.secure, httponly=True, samesite="Strict")
    return response


async def _lanes(request: web.Request) -> web.Response:
    s = _session(request)
    if s is None:
        return _error(401, "signed_out")
    snap = request.app[HUB].snapshot()
    snap["me"] = _me(request, s)
    snap["csrf"] = s.csrf
    return web.json_response(snap)


async def _ping(request: web.Request) -> web.Response:
    s = _session(request, touch=request.query.get("peek") != "1")   # peek: is it still alive, without renewing it
    if s is None:
        return _error(401, "signed_out")
    return web.json_response({"expires_at": request.app[AUTH].sessions.expires_at(s)})


async def _command(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    audit: ConsoleAudit | None = request.app[AUDIT]   # type: ignore[assignment]
    s = _session(request)
    if s is None:
        return _error(401, "signed_out")
    refused = _refusal(request, s)
    if refused is not None:
        return refused
    body = await _json_body(request)
    if body is None:
        return _error(400, "bad_request")
    problem = _validate(body)
    lane, command = body.get("lane"), body.get("command")
    if problem:
        return _error(400, problem)
    if not role_may(s.role, command):
        if audit is not None:
            audit.command_refused(s.attendant, s.role, lane, command, "not_allowed", request.remote)
        return _error(403, "not_allowed")
    state = hub.lane(lane)
    if state is None:
        return _error(400, "unknown_lane")
    if not state.online:
        return _error(409, "lane_offline")
    cid = hub.send(s.attendant, s.role, lane, command, intervention=body.get("intervention"),
                   line=body.get("line"), arg=body.get("arg"), remote=request.remote)
    return web.json_response({"id": cid}, status=202)


def _validate(body: dict[str, Any]) -> str:
    """The reason a command body is malformed, or "" when it is well formed."""
    lane, command = body.get("lane"), body.get("command")
    if not isinstance(lane, str) or not p.valid_name(lane):
        return "bad_lane"
    if not isinstance(command, str) or command not in p.COMMANDS:
        return "bad_command"
    for name in ("intervention", "line"):
        v = body.get(name)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 2 ** 53):
            return f"bad_{name}"
    arg = body.get("arg")
    if arg is not None and (not isinstance(arg, str) or len(arg) > 32 or not arg.isprintable()):
        return "bad_arg"
    if set(body) - {"lane", "command", "intervention", "line", "arg"}:
        return "unknown_field"
    if command == "approve" and body.get("intervention") is None:
        return "intervention_required"
    if command in ("void_line", "set_qty") and body.get("line") is None:
        return "line_required"
    if command == "audit_done" and arg not in ("ok", "found"):
        return "bad_arg"
    if command in ("verify_age", "set_qty") and arg is not None and not arg.isdigit():
        return "bad_arg"
    return ""


async def _command_outcome(request: web.Request) -> web.Response:
    s = _session(request)
    if s is None:
        return _error(401, "signed_out")
    sent = request.app[HUB].outcome(request.match_info["id"])
    if sent is None:
        return _error(404, "unknown_command")
    return web.json_response(sent.to_json())


async def _still(request: web.Request) -> web.Response:
    s = _session(request)
    if s is None:
        return _error(401, "signed_out")
    try:
        alert = int(request.match_info["alert"])
    except ValueError:
        return _error(400, "bad_alert")
    jpeg = request.app[HUB].still(request.match_info["lane"], alert)
    if jpeg is None:
        return _error(404, "no_still")
    return web.Response(body=jpeg, content_type="image/jpeg")


async def _audit(request: web.Request) -> web.Response:
    s = _session(request)
    if s is None:
        return _error(401, "signed_out")
    if s.role not in AUDIT_ROLES:
        return _error(403, "not_allowed")
    audit: ConsoleAudit | None = request.app[AUDIT]   # type: ignore[assignment]
    try:
        limit = int(request.query.get("limit", "200"))
    except ValueError:
        return _error(400, "bad_limit")
    return web.json_response({"rows": audit.recent(limit) if audit is not None else []})


# ------------------------------------------------------------------------------------------------- WebSocket

async def _ws(request: web.Request) -> web.StreamResponse:
    """Push the hub's messages to one signed-in page until it goes away or its session ends."""
    auth = request.app[AUTH]
    hub = request.app[HUB]
    s = _session(request, touch=False)        # a (re)connecting page is not an attendant at work
    if s is None:
        return _error(401, "signed_out")
    if not _origin_ok(request):               # a foreign page opening the stream with the attendant's cookie
        return _error(403, "bad_origin")
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=4096)
    await ws.prepare(request)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    overflow = {"hit": False}

    def put(d: dict[str, Any]) -> None:
        if queue.qsize() >= WS_BACKLOG:
            overflow["hit"] = True
        else:
            queue.put_nowait(d)

    def listener(d: dict[str, Any]) -> None:     # on the bus's thread
        try:
            loop.call_soon_threadsafe(put, d)
        except RuntimeError:                      # the loop is closing
            pass

    snapshot = hub.attach(listener)
    request.app[SOCKETS][ws] = (s.token, queue)
    sender = asyncio.create_task(_pump(ws, queue, overflow, auth, s.token, snapshot))
    try:
        async for _msg in ws:                     # the page sends nothing that matters; this notices it leaving
            pass
    finally:
        sender.cancel()
        hub.unsubscribe(listener)
        request.app[SOCKETS].pop(ws, None)
        try:
            await sender
        except (asyncio.CancelledError, Exception):   # noqa: BLE001 - the page is gone either way
            pass
    return ws


async def _pump(ws: web.WebSocketResponse, queue: asyncio.Queue, overflow: dict, auth: ConsoleAuth, token: str,
                snapshot: dict[str, Any]) -> None:
    s = auth.session(token, touch=False)
    if s is None:
        await ws.close(code=WS_SIGNED_OUT, message=b"signed out")
        return
    snapshot["expires_at"] = auth.sessions.expires_at(s)
    await ws.send_str(json.dumps(snapshot))
    while not ws.closed:
        s = auth.session(token, touch=False)
        if s is None:
            await _say_signed_out(ws)
            return
        if overflow["hit"]:
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too far behind")
            return
        remaining = auth.sessions.expires_at(s) - auth.clock()
        try:
            d = await asyncio.wait_for(queue.get(), timeout=max(0.05, min(1.0, remaining)))
        except asyncio.TimeoutError:
            continue
        if d is _SIGNED_OUT:
            await _say_signed_out(ws)
            return
        await ws.send_str(json.dumps(d))


async def _say_signed_out(ws: web.WebSocketResponse) -> None:
    try:
        await ws.send_str(json.dumps({"type": "signed_out"}))
    except ConnectionError:
        pass
    await ws.close(code=WS_SIGNED_OUT, message=b"signed out")


def _close_session_sockets(app: web.Application, token: str) -> None:
    """Tell the session's pages they are signed out (through their own queue: one task writes to a WebSocket)."""
    for t, queue in app[SOCKETS].values():
        if t == token:
            queue.put_nowait(_SIGNED_OUT)


async def _close_sockets(app: web.Application) -> None:
    for ws in list(app[SOCKETS]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"console stopping")
