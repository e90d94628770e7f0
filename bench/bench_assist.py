"""Remote-assist benchmarks: figures printed, never asserted (targets from the remote-assist issue: "alert raised on
the lane to alert shown in the browser, p99 <= 150 ms on loopback; 64 lanes and 8 consoles for 2 minutes through
mosquitto: alerts and commands lost 0, broker and console CPU").

    python bench/bench_assist.py [--only latency,load] [--alerts 200] [--lanes 64] [--consoles 8] [--seconds 120]
                                 [--workers 4] [--tls] [--nodelay broker|clients|both] [--quick] [--json FILE]

Both parts run the store's real broker: the assist files made by ``kiosk store init`` (kiosk/assist/store.py:
store CA, a broker user and password per lane and per console, the ACL, the command key) in a temporary directory,
and mosquitto started from the generated config with its listeners moved to free ports of 127.0.0.1
(tests/mosquitto.py). Lanes and consoles use the config's plain loopback listener for tests (same users and ACL);
``--tls`` uses its TLS listener instead (the broker checked against the store CA).

1. Alert raised on the lane -> alert shown in the browser. One real lane (LaneRuntime with the demo config, a durable
   journal and the sample catalog imported into its own database, a LaneLink over its own MqttBus) on an asyncio
   loop of its own thread; the console as ``kiosk console`` runs it (a ConsoleHub over its own MqttBus, the aiohttp
   app, its audit log) on another; Debian's Chromium, headless, under Playwright, signed in as Anna through the
   page's form. Each round a shopper starts and scans a can of beer (16+), so the lane raises an age check. The wall
   clock is read on the lane's thread just before the lane submits the scan; a MutationObserver installed in the
   page before its scripts records Date.now() when the alert's banner (``.alert-banner[data-lane][data-alert]``, the
   alert "on top") enters the DOM, and the start of the next animation frame after it. Same machine, same clock.
   The attendant then opens the alert, ticks "ID checked" and verifies the age with the page's buttons, and the
   shopper bags the can, pays and leaves (not timed). Split: the lane (scan journaled with fsync, reducer, alert
   handed to the bus), broker -> the console's hub (its listener's time), hub -> the page's DOM (WebSocket push and
   render). ``--alerts`` rounds after ``--warmup`` that are not counted.
2. ``--lanes`` lanes and ``--consoles`` consoles for ``--seconds`` through mosquitto. The lanes are real lanes as in
   (1), each with its own broker user and connection, spread over ``--workers`` processes (one asyncio loop each).
   Each lane raises an age check every 4-6 s (jittered); the shopper then waits for the console's answer and pays
   and leaves (verified) or starts over (cancelled). Each console runs in its own process as ``kiosk console`` does
   (its own broker user and connection, its aiohttp app and audit log); the attendants' pages are WebSocket clients
   in one more process, signed in through ``POST /login``: the page of console k answers the alerts of the lanes
   i % consoles == k after 100-500 ms with ``POST /api/command`` (verify_age, or cancel in ``--cancel-rate`` of the
   cases), and console k sends ``--dup-rate`` of its commands a second time, 0.05-2 s later with the same id. Counted:
   alerts raised at the lanes against the alerts every console's hub received and every page received on its
   WebSocket (lost = expected - unique received); commands sent against acks received and commands applied at the
   lanes (their journals: AttendantCommand with via="console"); commands applied twice (must be 0); CPU of the
   broker, the consoles, the lanes and the pages (psutil, % of one core over the run); message rates; and, since
   they come for free, the alert delays under load.

``--nodelay`` is an experiment, not the project's settings: neither the generated mosquitto config nor paho-mqtt
turns Nagle's algorithm off, and on loopback a message written right after another one (an alert, then the lane's
state, then an ack) can wait for the peer's delayed acknowledgement, up to 40 ms on Linux. It sets TCP_NODELAY on
the broker's sockets (``set_tcp_nodelay true`` in a copy of the generated config), on the lanes' and consoles'
sockets, or on both, to show what that costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistkit import (CONFIG, DRAIN_S, ANSWER_TIMEOUT, PIN, ATTENDANT, STORE, BenchLane, LoopThread,  # noqa: E402
                       attendants_worker, broker_address, console_worker, lane_config, lane_worker, make_bus,
                       open_console, start_broker, store_files, wait_connected)
from benchkit import fmt_ms, pct  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_S = 20.0                   # generous: how long a step may take before the benchmark gives up
ALERT_SELECTOR = ".alert-banner[data-lane][data-alert]"

#: Installed in the page before its own scripts: the first time each alert's banner enters the DOM, Date.now()
#: (the wall clock, as Python's time.time()) and performance.now(); then performance.now() at the next frame.
OBSERVER = """
(() => {
  const shown = window.__shown = {};
  new MutationObserver((records) => {
    const wall = Date.now(), perf = performance.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        const found = n.matches(SELECTOR) ? [n] : n.querySelectorAll(SELECTOR);
        for (const b of found) {
          const key = b.dataset.lane + "/" + b.dataset.alert;
          if (shown[key]) continue;
          const rec = shown[key] = { wall: wall, perf: perf };
          requestAnimationFrame(() => { rec.frame = performance.now(); });
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();
""".replace("SELECTOR", json.dumps(ALERT_SELECTOR))


def summary(values: list[float]) -> dict[str, float | int]:
    """p50 / p99 / max in milliseconds (seconds in), for the JSON report."""
    if not values:
        return {"n": 0}
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 3), "p99_ms": round(pct(ms, 99), 3),
            "max_ms": round(max(ms), 3)}


def line(label: str, values: list[float], note: str = "") -> str:
    return f"   {label:42s} {fmt_ms(values) if values else '(none)'}{note}"


def nodelay_note(nodelay: str | None) -> str:
    """How the run differs from the project's own settings (``--nodelay``), for the figures' headings."""
    where = {"broker": "the broker's sockets (set_tcp_nodelay true)", "clients": "the lanes' and consoles' sockets",
             "both": "the broker's and the lanes' and consoles' sockets"}
    return f"; experiment: TCP_NODELAY on {where[nodelay]}" if nodelay else ""


def wait_until(condition, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.005)


def mosquitto_version() -> str:
    try:
        out = subprocess.run(["/usr/sbin/mosquitto", "-h"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.splitlines()[0].replace("mosquitto version ", "") if out else "?"


# ------------------------------------------------------------------------------------- 1. alert -> browser

def bench_latency(alerts: int, warmup: int, tls: bool, gap_s: float, nodelay: str | None = None) -> dict:
    from playwright.sync_api import expect, sync_playwright

    from kiosk.assist.audit import ConsoleAudit
    from kiosk.assist.hub import ConsoleHub

    expect.set_options(timeout=WAIT_S * 1000)
    lane_id = CONFIG.lane_id
    on_clients = nodelay in ("clients", "both")
    rng = random.Random(1)
    rows: list[tuple[float, float, float, float, float]] = []   # t_scan, t_bus, t_hub, t_dom, frame delay (s)
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-assist-") as d:
        tmp = Path(d)
        files = store_files(tmp / "store", [lane_id], ["console"])
        broker = start_broker(tmp / "broker", files, nodelay in ("broker", "both"))
        lane_loop = LoopThread("lane")
        console_loop = LoopThread("console")
        lane = hub = cbus = runner = audit = None
        try:
            url, ca_file, how = broker_address(broker, files, tls)
            key = bytes.fromhex(files.command_key.read_text().strip())
            lane = lane_loop.call(lambda: BenchLane(lane_config(lane_id, tmp / lane_id),
                                                    make_bus(url, lane_id, files, ca_file, on_clients), key,
                                                    lane_loop.loop.call_soon_threadsafe))
            lane.call(lane.start)
            cbus = make_bus(url, "console", files, ca_file, on_clients)
            audit = ConsoleAudit(tmp / "console-audit.db")
            hub = ConsoleHub(cbus, STORE, key, audit=audit)
            at_hub: dict[int, float] = {}

            def heard(d: dict) -> None:           # the hub's listener, on the console's bus thread
                if d["type"] == "alert" and d["event"] == "raised" and d["lane"] == lane_id:
                    at_hub.setdefault(d["alert"]["id"], d["rx"])

            hub.subscribe(heard)
            runner, console_url = console_loop.run(open_console(hub, audit))
            cbus.start()
            wait_connected([lane.bus, cbus])
            wait_until(lambda: hub.lane(lane_id) is not None, "the console to see the lane")

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(locale="en-GB", viewport={"width": 820, "height": 1100})
                    context.add_init_script(OBSERVER)
                    page = context.new_page()
                    page.on("pageerror", lambda exc: errors.append(str(exc)))
                    page.goto(console_url)
                    page.locator("#signin-id").fill(ATTENDANT)
                    page.locator("#signin-pin").fill(PIN)
                    page.locator("#signin-button").click()
                    expect(page.locator("body")).to_have_attribute("data-live", "1")
                    expect(page.locator(f'.lane[data-lane="{lane_id}"]')).to_have_count(1)
                    version = browser.version

                    for n in range(warmup + alerts):
                        t_scan, alert, t_bus = lane.call(lane.begin_age_check)
                        if alert is None:
                            raise RuntimeError("scanning the beer raised no alert at the lane")
                        page.wait_for_function("k => { const r = window.__shown[k]; return !!(r && "
                                               "r.frame !== undefined); }", arg=f"{lane_id}/{alert}",
                                               timeout=WAIT_S * 1000)
                        shown = page.evaluate("k => window.__shown[k]", f"{lane_id}/{alert}")
                        if n >= warmup:
                            rows.append((t_scan, t_bus, at_hub.get(alert, float("nan")), shown["wall"] / 1000,
                                         (shown["frame"] - shown["perf"]) / 1000))
                        # The attendant answers on the page (not timed); the shopper pays and leaves.
                        page.locator(f'.alert-banner[data-alert="{alert}"]').click()
                        card = page.locator(f'.alert-card[data-alert="{alert}"]')
                        card.locator('[data-action="id_checked"]').check()
                        card.locator('[data-action="verify_age"]').click()
                        wait_until(lambda: lane.call(lane.answered), "the lane to apply verify_age")
                        lane.call(lambda: list(lane.checkout()))
                        page.locator("#sheet-close").click()
                        expect(page.locator(".alert-banner")).to_have_count(0)
                        expect(page.locator(f'.lane[data-lane="{lane_id}"]')).to_have_attribute("data-mode",
                                                                                             "welcome")
                        time.sleep(rng.uniform(0.5, 1.5) * gap_s)
                finally:
                    browser.close()
            applied = lane.call(lambda: lane.tally()["applied"])
        finally:
            if runner is not None:
                console_loop.run(runner.cleanup())
            if hub is not None:
                hub.close()
            if cbus is not None:
                cbus.close()
            if lane is not None:
                lane.call(lane.stop)
            lane_loop.stop()
            console_loop.stop()
            if audit is not None:
                audit.close()
            broker.close()

    lane_part = [b - s for s, b, _, _, _ in rows]
    bus_part = [h - b for _, b, h, _, _ in rows]
    hub_part = [dom - h for _, _, h, dom, _ in rows]
    total = [dom - s for s, _, _, dom, _ in rows]
    frame = [f for *_, f in rows]
    print(f"1. alert raised at the lane -> shown in the browser: {len(rows)} age checks after {warmup} warm-up, "
          f"about {gap_s:g} s apart; broker {url} ({how}{nodelay_note(nodelay)}); Chromium {version} headless")
    print(line("lane: scan submitted -> alert on the bus", lane_part))
    print(line("broker -> console hub's listener", bus_part))
    print(line("hub -> alert banner in the page's DOM", hub_part))
    print(line("scan submitted -> banner in the DOM", total, "   target p99 <= 150 ms"))
    print(line("banner in the DOM -> next animation frame", frame))
    print(line("scan submitted -> next frame", [t + f for t, f in zip(total, frame)]))
    print(f"   every alert answered on the page (ID checked, verify age): {len(applied)} commands applied at the lane "
          f"via the console (warm-up included); page errors: {len(errors)}{' ' + errors[0] if errors else ''}",
          flush=True)
    return {"alerts": len(rows), "warmup": warmup, "broker": url, "listener": "tls" if tls else "plain",
            "nodelay": nodelay,
            "chromium": version, "lane": summary(lane_part), "broker_to_hub": summary(bus_part),
            "hub_to_dom": summary(hub_part), "total": summary(total), "dom_to_frame": summary(frame),
            "total_to_frame": summary([t + f for t, f in zip(total, frame)]), "applied": len(applied),
            "page_errors": errors}


# ------------------------------------------------------------------------------------------ 2. many lanes

def _expect(conn, kind: str, timeout: float, who: str):
    if not conn.poll(timeout):
        raise TimeoutError(f"{who} did not report {kind!r} within {timeout:.0f} s")
    msg = conn.recv()
    if msg[0] != kind:
        raise RuntimeError(f"{who} said {msg[0]!r}, expected {kind!r}")
    return msg[1]


def _cpu(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system, all threads) of each group of processes, and of the whole machine ("machine":
    busy seconds summed over all cores)."""
    import psutil
    out: dict[str, float] = {}
    for name, pids in groups.items():
        total = 0.0
        for pid in pids:
            try:
                t = psutil.Process(pid).cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        out[name] = total
    m = psutil.cpu_times()
    out["machine"] = sum(m) - m.idle - getattr(m, "iowait", 0.0)
    return out


def bench_load(n_lanes: int, n_consoles: int, seconds: float, workers: int, tls: bool, dup_rate: float,
               cancel_rate: float, seed: int, nodelay: str | None = None) -> dict:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    width = len(str(n_lanes))
    lanes = [f"lane-{i:0{width}d}" for i in range(1, n_lanes + 1)]
    consoles = [f"console-{k}" for k in range(1, n_consoles + 1)]
    workers = max(1, min(workers, n_lanes))
    procs: list = []
    with tempfile.TemporaryDirectory(prefix="bench-assist-") as d:
        tmp = Path(d)
        t_setup = time.monotonic()
        files = store_files(tmp / "store", lanes, consoles)
        broker = start_broker(tmp / "broker", files, nodelay in ("broker", "both"))
        try:
            url, ca_file, how = broker_address(broker, files, tls)
            how += nodelay_note(nodelay)
            common = {"files": files, "url": url, "ca_file": ca_file, "data": str(tmp / "data"), "seed": seed,
                      "nodelay": nodelay in ("clients", "both")}

            def spawn(target, name: str, spec: dict):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=target, args=(child, spec), name=name, daemon=True)
                proc.start()
                procs.append(proc)
                return parent, proc

            console_side = [spawn(console_worker, name, {**common, "name": name, "dup_rate": dup_rate})
                            for name in consoles]
            urls = [_expect(conn, "ready", 120, name) for (conn, _), name in zip(console_side, consoles)]
            mine = [[lane for i, lane in enumerate(lanes) if i % n_consoles == k] for k in range(n_consoles)]
            pages_conn, pages_proc = spawn(attendants_worker, "attendants",
                                           {**common, "consoles": list(zip(urls, mine)), "cancel_rate": cancel_rate})
            _expect(pages_conn, "ready", 120, "the attendants' pages")
            lane_side = [spawn(lane_worker, f"lanes-{w + 1}", {**common, "lanes": lanes[w::workers],
                                                              "period": (4.0, 6.0)}) for w in range(workers)]
            for w, (conn, _) in enumerate(lane_side):
                _expect(conn, "ready", 180, f"lane worker {w + 1}")
            setup_s = time.monotonic() - t_setup

            groups = {"mosquitto": [broker.proc.pid], "consoles": [pr.pid for _, pr in console_side],
                      "pages": [pages_proc.pid], "lanes": [pr.pid for _, pr in lane_side], "bench": [os.getpid()]}
            everyone = [conn for conn, _ in console_side + lane_side] + [pages_conn]
            cpu0 = _cpu(groups)
            t0 = time.time()
            until = t0 + seconds
            for conn in everyone:
                conn.send(("go", until))
            time.sleep(max(0.0, until - time.time()))
            cpu1 = _cpu(groups)
            wall = time.time() - t0
            lane_reports = [t for w, (conn, _) in enumerate(lane_side)
                            for t in _expect(conn, "report", ANSWER_TIMEOUT + DRAIN_S + 60, f"lane worker {w + 1}")]
            for conn, _ in console_side:
                conn.send(("report",))
            pages_conn.send(("report",))
            console_reports = [_expect(conn, "report", 60, name) for (conn, _), name in zip(console_side, consoles)]
            page_reports = _expect(pages_conn, "report", 60, "the attendants' pages")
            for conn in everyone:
                conn.send(("stop",))
            for proc in procs:
                proc.join(30)
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                    proc.join(10)
            broker.close()
        broker_log = broker.log()

    return _load_report(lanes, consoles, workers, seconds, wall, setup_s, url, how, dup_rate, cancel_rate,
                        lane_reports, console_reports, page_reports, cpu0, cpu1, groups, broker_log)


def _load_report(lanes, consoles, workers, seconds, wall, setup_s, url, how, dup_rate, cancel_rate, lane_reports,
                 console_reports, page_reports, cpu0, cpu1, groups, broker_log) -> dict:
    """Print part 2's figures and return them for the JSON report."""
    n_lanes, n_consoles = len(lanes), len(consoles)
    raised = {(r["lane"], i) for r in lane_reports for i in r["raised"]}
    stats = Counter()
    link = Counter()
    published = Counter()
    for r in lane_reports:
        stats.update(r["stats"])
        link.update(r["link"])
        published.update(r["published"])
    applied = Counter(cid for r in lane_reports for cid in r["applied"])
    twice = sorted(cid for cid, n in applied.items() if n > 1)

    def received(reports) -> list[dict]:
        rows = []
        for rep in reports:
            got = set(rep["raised"])
            rows.append({"lost": len(raised - got), "unknown": len(got - raised),
                         "repeated": sum(n - 1 for n in rep["raised"].values() if n > 1)})
        return rows

    at_hubs, at_pages = received(console_reports), received(page_reports)
    expected = n_consoles * len(raised)
    sent = {cid for rep in page_reports for cid in rep["sent"]}
    acks = Counter(rep["acks"][cid] for rep in page_reports for cid in rep["acks"])
    unacked = sum(1 for rep in page_reports for cid in rep["sent"] if cid not in rep["acks"])
    not_applied = sorted(sent - set(applied))
    foreign = sorted(set(applied) - sent)
    refused = Counter()
    for rep in page_reports:
        refused.update(rep["refused"])
    duplicates = sum(len(rep["duplicates"]) for rep in console_reports)
    hub_kinds = Counter()
    for rep in console_reports:
        hub_kinds.update(rep["hub"])
    ws_messages = sum(rep["messages"] for rep in page_reports)
    reconnects = sum(rep["reconnects"] for rep in page_reports)
    hub_delay = [v for rep in console_reports for v in rep["delay"]]
    ws_delay = [v for rep in page_reports for v in rep["delay"]]
    rtt = [v for rep in page_reports for v in rep["rtt"]]
    cpu = {name: (cpu1[name] - cpu0[name]) / wall * 100 for name in cpu1}
    cpu["others"] = cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")
    warnings = [ln for ln in broker_log.splitlines() if ("warning" in ln.lower() or "error" in ln.lower())
                and "should not be run as root" not in ln          # tests/mosquitto.py keeps a root broker root
                and "unexpected eof while reading" not in ln]      # its readiness probe of the TLS port
    bus_dropped = sum(r["dropped_by_bus"] for r in lane_reports)

    print(f"2. {n_lanes} lanes ({workers} processes) and {n_consoles} consoles (one process each, a WebSocket page "
          f"each) for {wall:.0f} s through mosquitto {mosquitto_version()}; broker {url} ({how}); set up in "
          f"{setup_s:.1f} s")
    print(f"   lanes: {stats['rounds']} age checks raised ({len(raised) / wall:.1f}/s), {stats['paid']} paid after "
          f"verify_age, {stats['cancelled']} cancelled from the console, {stats['unanswered']} unanswered within "
          f"{ANSWER_TIMEOUT:g} s, {stats['errors']} rounds gone wrong, {stats['recovered']} recovered by an "
          f"attendant at the lane")
    print("   alerts            expected   received   lost   unknown   repeated   (lost = expected - unique received)")
    for label, rows in (("console hubs", at_hubs), ("pages (WebSocket)", at_pages)):
        lost = sum(r["lost"] for r in rows)
        print(f"   {label:17s} {expected:8d}   {expected - lost:8d}   {lost:4d}   {sum(r['unknown'] for r in rows):7d}"
              f"   {sum(r['repeated'] for r in rows):8d}   target lost 0")
    print(f"   commands: sent {len(sent)} (POST /api/command 202; refused {sum(refused.values())}"
          f"{' ' + str(dict(refused)) if refused else ''}), acks received {sum(acks.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(acks.items())) or 'none'}), unacknowledged {unacked}; "
          f"applied at the lanes {len(applied)} (journal, via console); sent but not applied {len(not_applied)} "
          f"(lost, target 0); applied but not sent {len(foreign)}")
    print(f"   duplicates: {duplicates} commands sent a second time with the same id; answered 'duplicate' by the "
          f"lanes {link['duplicate']}; commands applied twice {len(twice)} (must be 0); lane acks applied "
          f"{link['applied']}, rejected {link['rejected']}, dropped {link['dropped']}")
    print(f"   rates: lanes published {sum(published.values()) / wall:.0f} msg/s (state {published['state'] / wall:.0f}"
          f", alert {published['alert'] / wall:.1f}, ack {published['ack'] / wall:.1f}); consoles received "
          f"{sum(hub_kinds[k] for k in ('state', 'alert', 'ack')) / wall:.0f} msg/s in all (state "
          f"{hub_kinds['state'] / wall:.0f}, alert {hub_kinds['alert'] / wall:.0f}, ack {hub_kinds['ack'] / wall:.0f})"
          f"; pages received {ws_messages / wall:.0f} msg/s over WebSocket ({reconnects} reconnections); commands "
          f"{len(sent) / wall:.1f}/s")
    print(f"   older lane states ignored by the hubs {hub_kinds['stale']}, malformed messages dropped "
          f"{hub_kinds['dropped']}; messages dropped from the lanes' outage queues {bus_dropped}")
    print(line("alert at the lane -> console hub", hub_delay))
    print(line("alert at the lane -> page's WebSocket", ws_delay))
    print(line("command POSTed -> its ack on the WebSocket", rtt))
    print(f"   CPU, % of one core over the run ({os.cpu_count()} cores):")
    for name, label in (("mosquitto", "mosquitto"), ("consoles", f"{n_consoles} consoles"),
                        ("lanes", f"{n_lanes} lanes"), ("pages", "attendants' pages (WebSocket clients)"),
                        ("bench", "this process"), ("others", "other processes on the machine"),
                        ("machine", "the whole machine, all cores")):
        each = f"   ({cpu[name] / len(groups[name]):5.1f} % per process)" if len(groups.get(name, ())) > 1 else ""
        per_lane = f"   ({cpu[name] / n_lanes:5.2f} % per lane)" if name == "lanes" else ""
        print(f"   {label:40s} {cpu[name]:6.1f} %{each}{per_lane}")
    if warnings:
        print(f"   mosquitto logged {len(warnings)} warnings/errors, the first: {warnings[0]}")
    sys.stdout.flush()
    return {"lanes": n_lanes, "consoles": n_consoles, "workers": workers, "seconds": round(wall, 1),
            "broker": url, "dup_rate": dup_rate, "cancel_rate": cancel_rate, "lane_stats": dict(stats),
            "alerts_raised": len(raised), "alerts_expected": expected,
            "alerts_lost_hubs": sum(r["lost"] for r in at_hubs), "alerts_lost_pages": sum(r["lost"] for r in at_pages),
            "alerts_per_console": {"hubs": at_hubs, "pages": at_pages},
            "commands_sent": len(sent), "commands_refused": dict(refused), "acks": dict(acks),
            "unacknowledged": unacked, "commands_applied": len(applied), "commands_lost": len(not_applied),
            "applied_not_sent": len(foreign), "duplicates_sent": duplicates,
            "duplicate_acks": link["duplicate"], "applied_twice": len(twice), "lane_link": dict(link),
            "published_per_s": {k: round(v / wall, 2) for k, v in published.items()},
            "console_received_per_s": {k: round(hub_kinds[k] / wall, 2) for k in ("state", "alert", "ack")},
            "websocket_per_s": round(ws_messages / wall, 2), "websocket_reconnects": reconnects,
            "hub_stale": hub_kinds["stale"], "hub_dropped": hub_kinds["dropped"], "lane_queue_dropped": bus_dropped,
            "delay_lane_to_hub": summary(hub_delay), "delay_lane_to_page": summary(ws_delay),
            "command_to_ack": summary(rtt), "cpu_percent_of_one_core": {k: round(v, 2) for k, v in cpu.items()},
            "broker_warnings": warnings[:20]}


# ---------------------------------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="latency,load", help="which of latency (1), load (2); comma-separated")
    ap.add_argument("--alerts", type=int, default=200, help="age checks timed in (1)")
    ap.add_argument("--warmup", type=int, default=5, help="age checks before (1) starts timing")
    ap.add_argument("--gap", type=float, default=0.3, help="seconds between the rounds of (1), on average")
    ap.add_argument("--lanes", type=int, default=64, help="lanes in (2)")
    ap.add_argument("--consoles", type=int, default=8, help="consoles in (2)")
    ap.add_argument("--seconds", type=float, default=120.0, help="length of (2)")
    ap.add_argument("--workers", type=int, default=4, help="processes the lanes of (2) are spread over")
    ap.add_argument("--dup-rate", type=float, default=0.05, help="share of commands a console sends twice in (2)")
    ap.add_argument("--cancel-rate", type=float, default=0.3,
                    help="share of age checks the attendants answer by cancelling the transaction in (2)")
    ap.add_argument("--seed", type=int, default=1, help="seed of (2)'s shoppers and attendants")
    ap.add_argument("--tls", action="store_true", help="use the broker's TLS listener instead of the plain one")
    ap.add_argument("--nodelay", choices=("broker", "clients", "both"),
                    help="experiment: TCP_NODELAY on the broker's sockets (set_tcp_nodelay true), on the lanes' and "
                         "consoles' paho sockets, or both (neither the generated mosquitto config nor paho-mqtt "
                         "sets it)")
    ap.add_argument("--quick", action="store_true",
                    help="a short smoke run: 20 alerts in (1); 8 lanes, 2 consoles, 2 workers, 15 s in (2)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args()
    which = set(args.only.split(","))
    unknown = which - {"latency", "load"}
    if unknown:
        ap.error(f"--only: unknown {', '.join(sorted(unknown))}")
    if args.quick:
        args.alerts, args.warmup, args.lanes, args.consoles, args.workers, args.seconds = 20, 3, 8, 2, 2, 15.0
    import paho.mqtt
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, mosquitto {mosquitto_version()}, "
          f"paho-mqtt {paho.mqtt.__version__}; store {STORE!r}", flush=True)
    report: dict = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0],
                                "mosquitto": mosquitto_version(), "argv": sys.argv[1:]}}
    if "latency" in which:
        report["latency"] = bench_latency(args.alerts, args.warmup, args.tls, args.gap, args.nodelay)
    if "load" in which:
        report["load"] = bench_load(args.lanes, args.consoles, args.seconds, args.workers, args.tls, args.dup_rate,
                                    args.cancel_rate, args.seed, args.nodelay)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
