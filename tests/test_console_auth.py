"""Who may use the attendant console: PIN checks, lockout, rate limit, sessions, cookies, CSRF, Origin and roles.

The first half drives kiosk/assist/auth.py directly with an injected clock; the second half the console's HTTP
layer (the aiohttp app on a free port of 127.0.0.1, a hub on an in-process bus with one lane's state on it), to see
what a browser would get: the cookie's flags, the 401/403 answers, and that a refused command never reaches the bus.
"""

from __future__ import annotations

import asyncio
import threading
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest

from kiosk.assist import auth as auth_mod
from kiosk.assist import protocol as p
from kiosk.assist.audit import ConsoleAudit
from kiosk.assist.auth import COOKIE, ConsoleAuth, Sessions
from kiosk.assist.bus import InProcessBus
from kiosk.assist.console import make_app, start_console
from kiosk.assist.hub import ConsoleHub
from kiosk.attendants import Attendants, hash_pin
from kiosk.config import Attendant, load

ROOT = Path(__file__).resolve().parent.parent
KEY = b"auth-test-key"

# Cheap hashes (scrypt n=16) for the tests that count attempts; the demo config's real ones where the path matters.
STAFF = Attendants([
    Attendant("anna", "Anna", "attendant", hash_pin("1234", n=16)),
    Attendant("bernd", "Bernd", "supervisor", hash_pin("4711", n=16)),
    Attendant("tim", "Tim", "technician", hash_pin("9999", n=16)),
    Attendant("badge-only", "Bea", "attendant", None, "ATT-0099"),
])


class Clock:
    def __init__(self, now: float = 10_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def login(auth: ConsoleAuth, who: str, pin: str, remote: str = "10.0.0.5"):
    return asyncio.run(auth.login(who, pin, remote))


# --------------------------------------------------------------------------------------------- PINs and throttling

def test_pin_is_checked_with_the_slow_hash_on_a_worker_thread_and_never_recorded(tmp_path, monkeypatch):
    demo = load(ROOT / "config" / "lane.toml")
    audit = ConsoleAudit(tmp_path / "audit.db")
    auth = ConsoleAuth(Attendants(demo.attendants), audit=audit)
    seen: list[tuple[str, str]] = []
    real = auth_mod.verify_pin

    def spy(pin, stored):
        seen.append((threading.current_thread().name, stored.split("$")[1]))
        return real(pin, stored)

    monkeypatch.setattr(auth_mod, "verify_pin", spy)
    ok = login(auth, "bernd", "4711")
    assert ok.ok and ok.session is not None and ok.session.role == "supervisor"
    assert not login(auth, "bernd", "4712").ok
    unknown = login(auth, "mallory", "4711")
    assert unknown.error == "wrong_pin"              # the same answer as a wrong PIN: ids are not disclosed
    assert len(seen) == 3                            # an unknown id costs a hash too (against a decoy)
    assert all(n == str(2 ** 14) for _, n in seen)   # the config's scrypt parameters
    assert all(name != threading.main_thread().name for name, _ in seen), "scrypt ran on the event loop's thread"
    assert not login(auth, "badge-only", "1234").ok  # an attendant without a PIN cannot sign in with one
    rows = audit.recent(20)
    assert [r["event"] for r in reversed(rows)] == ["login_ok", "login_failed", "login_failed", "login_failed"]
    assert rows[-1]["attendant"] == "bernd" and rows[-1]["remote"] == "10.0.0.5" and rows[-1]["role"] == "supervisor"
    audit.close()
    raw = (tmp_path / "audit.db").read_bytes() + b"".join(
        f.read_bytes() for f in tmp_path.glob("audit.db-*"))
    assert b"4711" not in raw and b"4712" not in raw


def test_five_wrong_pins_lock_the_attendant_for_five_minutes(tmp_path):
    clock = Clock()
    audit = ConsoleAudit(tmp_path / "audit.db", clock=clock)
    auth = ConsoleAuth(STAFF, audit=audit, clock=clock, per_address=100)
    for i in range(4):
        r = login(auth, "anna", f"000{i}")
        assert (r.ok, r.error) == (False, "wrong_pin")
    r = login(auth, "anna", "0009")
    assert (r.ok, r.error, r.retry_after) == (False, "locked", 300.0)
    clock.now += 100
    r = login(auth, "anna", "1234")                   # the right PIN does not help while locked
    assert (r.ok, r.error) == (False, "locked") and r.retry_after == pytest.approx(200.0)
    assert login(auth, "bernd", "4711").ok            # other attendants are not affected
    clock.now += 201
    assert login(auth, "anna", "1234").ok
    events = [row["event"] for row in reversed(audit.recent(50)) if row["attendant"] == "anna"]
    assert events == ["login_failed"] * 5 + ["login_locked", "login_locked", "login_ok"]


def test_wrong_pins_spread_over_more_than_the_lockout_window_do_not_lock():
    clock = Clock()
    auth = ConsoleAuth(STAFF, clock=clock, per_address=100)
    for i in range(8):
        assert login(auth, "anna", "0000").error == "wrong_pin"
        clock.now += 80                               # at most 4 within any 5 minutes
    assert login(auth, "anna", "1234").ok


def test_one_address_may_try_ten_sign_ins_a_minute(tmp_path):
    clock = Clock()
    audit = ConsoleAudit(tmp_path / "audit.db", clock=clock)
    auth = ConsoleAuth(STAFF, audit=audit, clock=clock, max_failures=1000)
    ids = ["anna", "bernd", "tim", "x1", "x2", "x3", "x4", "x5", "x6", "x7"]
    for who in ids:                                   # guessing across ids is what the address limit stops
        assert login(auth, who, "0000", "10.0.0.9").error == "wrong_pin"
    r = login(auth, "bernd", "4711", "10.0.0.9")
    assert (r.ok, r.error) == (False, "rate_limited") and 0 < r.retry_after <= 60
    for _ in range(50):                               # hammering on: refused, and audited once
        assert login(auth, "bernd", "4711", "10.0.0.9").error == "rate_limited"
    assert login(auth, "bernd", "4711", "10.0.0.10").ok   # another device is not limited
    clock.now += 61
    assert login(auth, "bernd", "4711", "10.0.0.9").ok
    events = [row["event"] for row in reversed(audit.recent(100))]
    assert events == ["login_failed"] * 10 + ["login_limited", "login_ok", "login_ok"]


def test_malformed_sign_ins_are_refused_before_any_hashing():
    auth = ConsoleAuth(STAFF)
    for who, pin in (("", "1234"), ("anna", ""), ("anna", "1" * 33), ("a" * 65, "1234"), (None, "1234"),
                     ("anna", 1234), ("anna", "12\n34")):
        assert login(auth, who, pin).error == "bad_request"   # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------------ sessions

def test_sessions_expire_when_idle_and_after_twelve_hours(tmp_path):
    clock = Clock()
    sessions = Sessions(clock=clock, idle_s=900, absolute_s=12 * 3600)
    anna = STAFF.get("anna")
    s = sessions.create(anna, "10.0.0.5")
    assert len(s.token) >= 43 and s.csrf != s.token
    clock.now += 899
    assert sessions.get(s.token) is s                 # touched: the idle time starts again
    clock.now += 899
    assert sessions.get(s.token, touch=False) is s
    clock.now += 2
    assert sessions.get(s.token) is None              # 901 s without activity
    assert sessions.sweep() == [s] and len(sessions) == 0

    s = sessions.create(anna, "10.0.0.5")
    for _ in range(12 * 6 - 1):                       # active every ten minutes for just under twelve hours
        clock.now += 600
        assert sessions.get(s.token) is s
    clock.now += 600
    assert sessions.get(s.token) is None              # twelve hours, however active
    assert sessions.get("not-a-token") is None and sessions.get(None) is None


def test_each_sign_in_gets_new_random_tokens():
    auth = ConsoleAuth(STAFF)
    a, b = login(auth, "anna", "1234").session, login(auth, "anna", "1234").session
    assert a.token != b.token and a.csrf != b.csrf
    assert auth.session(a.token) is a and auth.session(b.token) is b
    assert not ConsoleAuth.csrf_ok(a, b.csrf) and not ConsoleAuth.csrf_ok(a, None) and ConsoleAuth.csrf_ok(a, a.csrf)


def test_origin_must_name_the_console_itself():
    auth = ConsoleAuth(STAFF)
    assert auth.origin_ok("http://127.0.0.1:8765", "http", "127.0.0.1:8765")
    assert not auth.origin_ok("http://evil.example", "http", "127.0.0.1:8765")
    assert not auth.origin_ok("https://127.0.0.1:8765", "http", "127.0.0.1:8765")   # another scheme, another origin
    assert not auth.origin_ok(None, "http", "127.0.0.1:8765")
    assert not auth.origin_ok("null", "http", "127.0.0.1:8765")
    pinned = ConsoleAuth(STAFF, allowed_hosts={"console.store.lan"})
    assert pinned.origin_ok("https://console.store.lan:8765", "https", "console.store.lan:8765")
    # DNS rebinding: a foreign name pointed at the console sends matching Host and Origin, but is not allowed.
    assert not pinned.origin_ok("http://rebind.evil:8765", "http", "rebind.evil:8765")


# ---------------------------------------------------------------------------------------------------- over HTTP

class Console:
    """The console app on a free port with one lane's state on the bus (no lane behind it: commands are only
    published, which the test watches)."""

    def __init__(self, tmp_path: Path, *, secure: bool = False, **options):
        self.tmp = tmp_path
        self.secure = secure
        self.options = options
        self.published: list[p.CommandMsg] = []

    async def __aenter__(self):
        self.bus = InProcessBus()
        self.bus.subscribe(p.subscription("demo", "command"), lambda t, b: self.published.append(p.decode(b)))
        state = p.LaneStateMsg("demo", "lane-1", 1.0, seq=5, mode="scanning", txn=7,
                               alerts=(p.AlertInfo(3, "help", "alerted", 1.0),))
        self.bus.publish(p.topic("demo", "lane-1", "state"), p.encode(state), retain=True)
        self.audit = ConsoleAudit(self.tmp / "audit.db")
        self.hub = ConsoleHub(self.bus, "demo", KEY, audit=self.audit)
        app = make_app(self.hub, STAFF, secure=self.secure, audit=self.audit, **self.options)
        self.runner, self.url = await start_console(app, "127.0.0.1", 0)
        self.origin = self.url.rstrip("/")
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()
        self.audit.close()

    def client(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def sign_in(self, http: aiohttp.ClientSession, who: str = "anna", pin: str = "1234") -> str:
        async with http.post(self.url + "login", json={"attendant": who, "pin": pin},
                             headers={"Origin": self.origin}) as r:
            assert r.status == 200, await r.text()
            return (await r.json())["csrf"]

    async def command(self, http, body, *, csrf: str | None, origin: str | None = "self"):
        headers = {}
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        if origin is not None:
            headers["Origin"] = self.origin if origin == "self" else origin
        async with http.post(self.url + "api/command", json=body, headers=headers) as r:
            return r.status, await r.json()


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_flags(tmp_path, secure):
    async def scenario():
        async with Console(tmp_path, secure=secure) as c, c.client() as http:
            async with http.post(c.url + "login", json={"attendant": "anna", "pin": "1234"},
                                 headers={"Origin": c.origin}) as r:
                assert r.status == 200
                raw = r.headers.getall("Set-Cookie")
                assert r.headers["Cache-Control"] == "no-store"
            assert len(raw) == 1
            cookie = SimpleCookie()
            cookie.load(raw[0])
            morsel = cookie[COOKIE]
            assert len(morsel.value) >= 43
            assert morsel["httponly"] is True
            assert morsel["samesite"] == "Strict"
            assert morsel["path"] == "/"
            assert bool(morsel["secure"]) is secure
            assert "secure" in raw[0].lower().split("; ") if secure else "secure" not in raw[0].lower()
            # A wrong PIN sets no cookie at all.
            async with http.post(c.url + "login", json={"attendant": "anna", "pin": "0000"},
                                 headers={"Origin": c.origin}) as r:
                assert r.status == 401 and (await r.json())["error"] == "wrong_pin"
                assert "Set-Cookie" not in r.headers
    run(scenario())


def test_state_changing_requests_need_the_sessions_csrf_token(tmp_path):
    async def scenario():
        async with Console(tmp_path) as c, c.client() as http:
            body = {"lane": "lane-1", "command": "approve", "intervention": 3}
            assert await c.command(http, body, csrf=None) == (401, {"error": "signed_out"})
            csrf = await c.sign_in(http)
            assert await c.command(http, body, csrf=None) == (403, {"error": "csrf"})
            assert await c.command(http, body, csrf="x" * 43) == (403, {"error": "csrf"})
            async with c.client() as http2:
                csrf2 = await c.sign_in(http2, "bernd", "4711")
            assert await c.command(http, body, csrf=csrf2) == (403, {"error": "csrf"})   # another session's token
            assert not c.published
            async with http.post(c.url + "logout", headers={"Origin": c.origin}) as r:
                assert r.status == 403 and (await r.json())["error"] == "csrf"
            status, answer = await c.command(http, body, csrf=csrf)
            assert status == 202 and len(answer["id"]) == 32
            assert [m.id for m in c.published] == [answer["id"]]
            assert p.signature_ok(c.published[0], KEY) and c.published[0].attendant == "anna"
            async with http.post(c.url + "logout", headers={"Origin": c.origin, "X-CSRF-Token": csrf}) as r:
                assert r.status == 200
                assert "Max-Age=0" in r.headers["Set-Cookie"] or "expires" in r.headers["Set-Cookie"].lower()
            async with http.get(c.url + "api/lanes") as r:
                assert r.status == 401
            events = [(row["event"], row["attendant"]) for row in reversed(c.audit.recent(20))]
            assert events == [("login_ok", "anna"), ("login_ok", "bernd"), ("command_sent", "anna"),
                              ("logout", "anna")]
    run(scenario())


def test_posts_from_another_origin_are_refused(tmp_path):
    async def scenario():
        async with Console(tmp_path) as c, c.client() as http:
            for origin in ("http://evil.example", None, "null", c.origin.replace("http:", "https:")):
                headers = {"Origin": origin} if origin else {}
                async with http.post(c.url + "login", json={"attendant": "anna", "pin": "1234"},
                                     headers=headers) as r:
                    assert r.status == 403 and (await r.json())["error"] == "bad_origin"
                    assert "Set-Cookie" not in r.headers
            # A cross-site form can post form data or text/plain, never JSON without a preflight: refused.
            async with http.post(c.url + "login", data={"attendant": "anna", "pin": "1234"},
                                 headers={"Origin": c.origin}) as r:
                assert r.status == 400 and "Set-Cookie" not in r.headers
            csrf = await c.sign_in(http)
            body = {"lane": "lane-1", "command": "approve", "intervention": 3}
            refused = await c.command(http, body, csrf=csrf, origin="http://evil.example")
            assert refused == (403, {"error": "bad_origin"})
            assert await c.command(http, body, csrf=csrf, origin=None) == (403, {"error": "bad_origin"})
            assert not c.published
    run(scenario())


def test_roles_decide_which_commands_the_console_sends(tmp_path):
    async def scenario():
        async with Console(tmp_path) as c, c.client() as anna, c.client() as bernd, c.client() as tim:
            csrf_a = await c.sign_in(anna, "anna", "1234")
            csrf_b = await c.sign_in(bernd, "bernd", "4711")
            csrf_t = await c.sign_in(tim, "tim", "9999")
            for command in ("close_lane", "open_lane", "restart"):
                assert await c.command(anna, {"lane": "lane-1", "command": command}, csrf=csrf_a) \
                    == (403, {"error": "not_allowed"})
            assert not c.published
            refused = [r for r in c.audit.recent(20) if r["event"] == "command_refused"]
            assert len(refused) == 3 and {r["command"] for r in refused} == {"close_lane", "open_lane", "restart"}
            assert all(r["attendant"] == "anna" and r["role"] == "attendant" for r in refused)
            assert (await c.command(bernd, {"lane": "lane-1", "command": "restart"}, csrf=csrf_b))[0] == 202
            assert (await c.command(tim, {"lane": "lane-1", "command": "close_lane"}, csrf=csrf_t))[0] == 202
            assert [(m.attendant, m.role, m.command) for m in c.published] == [
                ("bernd", "supervisor", "restart"), ("tim", "technician", "close_lane")]
            # What each may do is told to the page, and the audit log is for supervisors and technicians only.
            async with anna.get(c.url + "api/lanes") as r:
                me = (await r.json())["me"]
                assert "close_lane" not in me["actions"] and "approve" in me["actions"] and me["audit"] is False
            async with anna.get(c.url + "api/audit") as r:
                assert r.status == 403
            async with bernd.get(c.url + "api/audit") as r:
                rows = (await r.json())["rows"]
                assert r.status == 200 and any(row["event"] == "command_refused" for row in rows)
    run(scenario())


def test_sign_in_lockout_and_rate_limit_answer_clearly_over_http(tmp_path):
    async def scenario():
        async with Console(tmp_path, max_failures=3, per_address=5) as c, c.client() as http:
            async def attempt(who, pin):
                async with http.post(c.url + "login", json={"attendant": who, "pin": pin},
                                     headers={"Origin": c.origin}) as r:
                    return r.status, await r.json(), r.headers.get("Retry-After")
            assert (await attempt("anna", "1"))[:2] == (401, {"error": "wrong_pin", "retry_after": 0})
            assert (await attempt("anna", "2"))[0] == 401
            status, body, retry = await attempt("anna", "3")
            assert (status, body["error"], retry) == (423, "locked", "300")
            status, body, _ = await attempt("anna", "1234")
            assert (status, body["error"]) == (423, "locked")
            assert (await attempt("bernd", "0000"))[0] == 401
            status, body, retry = await attempt("bernd", "4711")     # the sixth attempt from this address
            assert (status, body["error"]) == (429, "rate_limited") and 0 < int(retry) <= 60
            events = [r["event"] for r in reversed(c.audit.recent(20))]
            assert events == ["login_failed", "login_failed", "login_failed", "login_locked", "login_locked",
                              "login_failed", "login_limited"]
    run(scenario())


def _self_signed(tmp_path: Path):
    """A throwaway certificate for 127.0.0.1 (the store CA of `kiosk store init` does this for real)."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "console test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    client = ssl.create_default_context(cafile=str(tmp_path / "c.pem"))
    return server, client


def test_over_tls_the_cookie_is_secure_and_https_origins_are_the_console(tmp_path):
    server_ctx, client_ctx = _self_signed(tmp_path)

    async def scenario():
        bus = InProcessBus()
        hub = ConsoleHub(bus, "demo", KEY)
        app = make_app(hub, STAFF, secure=True, audit=None)
        runner, url = await start_console(app, "127.0.0.1", 0, ssl_context=server_ctx)
        try:
            assert url.startswith("https://127.0.0.1:")
            origin = url.rstrip("/")
            connector = aiohttp.TCPConnector(ssl=client_ctx)
            async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.post(url + "login", json={"attendant": "tim", "pin": "9999"},
                                     headers={"Origin": origin.replace("https:", "http:")}) as r:
                    assert r.status == 403                     # the plain-http origin is another origin
                async with http.post(url + "login", json={"attendant": "tim", "pin": "9999"},
                                     headers={"Origin": origin}) as r:
                    assert r.status == 200
                    assert "; secure" in r.headers["Set-Cookie"].lower()
                    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
                async with http.get(url + "api/lanes") as r:   # the Secure cookie goes back over https
                    assert r.status == 200 and (await r.json())["me"]["role"] == "technician"
        finally:
            await runner.cleanup()

    run(scenario())
