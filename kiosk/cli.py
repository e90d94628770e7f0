"""The ``kiosk`` command: the demo lane, the lane itself, scenario replay and the technicians' tools.

Every subcommand prints what went wrong in one or two plain sentences and exits non-zero; a traceback is a bug.
Exit codes: 0 ok, 1 failure at run time, 2 bad input (config, scenario, catalog file, arguments).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from pathlib import Path

from kiosk import __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:      # python-escpos logs every connection on the root logger
        handler.addFilter(_quiet_escpos)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    from kiosk.config import ConfigError
    from kiosk.journal import JournalError
    from kiosk.weights import WeightsError
    try:
        return int(args.func(args) or 0)
    except (ConfigError, JournalError, WeightsError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _quiet_escpos(record: logging.LogRecord) -> bool:
    return not (record.levelno < logging.WARNING and f"{os.sep}escpos{os.sep}" in record.pathname)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Self-checkout lane")
    p.add_argument("--version", action="version", version=f"kiosk {__version__}")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(metavar="COMMAND")

    d = sub.add_parser("demo", help="run the demo lane: the real application with every device simulated")
    d.add_argument("--config", help="lane config (default: the repository's config/lane.toml)")
    d.add_argument("--headless", action="store_true", help="no window even if there is a display")
    d.add_argument("--size", default="1280x800", help="window size, e.g. 1024x600, 1280x800, 1920x1080")
    d.add_argument("--fullscreen", action="store_true")
    d.add_argument("--script", help="play this scenario (JSON lines) in real time instead of waiting for input")
    d.add_argument("--speed", type=float, default=1.0, help="scenario speed factor (with --script)")
    d.add_argument("--exit-after", type=float, default=None,
                   help="stop after this many seconds (default: with --script, when it is done)")
    d.add_argument("--screenshots", help="write a PNG per screen change into this directory")
    d.add_argument("--fresh", action="store_true", help="start with a new journal (the old one is kept aside)")
    d.add_argument("--console", metavar="HOST:PORT",
                   help="where the embedded attendant console listens (default: [assist] console; \"\" for none)")
    d.set_defaults(func=_cmd_demo, restart_in_place=True)

    r = sub.add_parser("run", help="run the lane with the devices of its config")
    r.add_argument("--config")
    r.add_argument("--headless", action="store_true")
    r.add_argument("--size", default="0x0", help="0x0 = the display's size")
    r.add_argument("--fullscreen", action="store_true", default=True)
    r.add_argument("--console", metavar="HOST:PORT", help="where the embedded attendant console listens")
    r.set_defaults(func=_cmd_run)

    rp = sub.add_parser("replay", help="run a scenario headless on a virtual clock and report every transaction")
    rp.add_argument("scenario", help="scenario file, JSON lines (see README)")
    rp.add_argument("--catalog", help="catalog CSV, JSON or SQLite database (default: the config's)")
    rp.add_argument("--config")
    rp.add_argument("--report", help="write the report (JSON) here; default: print it")
    rp.add_argument("--journal", help="keep the journal in this file (default: a temporary one)")
    rp.add_argument("--durable", action="store_true", help="fsync every event as a lane does (slower)")
    rp.add_argument("--screenshots", metavar="DIR",
                    help="write a PNG of the shopper's screen per screen change into DIR (NNNN-<mode>.png)")
    rp.add_argument("--size", default="1280x800", metavar="WxH",
                    help="screen size of the screenshots, e.g. 1024x600, 1280x800, 1920x1080")
    rp.set_defaults(func=_cmd_replay)

    j = sub.add_parser("journal", help="the lane's event journal (technicians)")
    jsub = j.add_subparsers(metavar="ACTION")
    js = jsub.add_parser("show", help="list events, newest last")
    js.add_argument("--journal", help="journal file (default: the config's)")
    js.add_argument("--config")
    js.add_argument("--last", type=int, default=50, help="how many events (0: all)")
    js.add_argument("--txn", type=int, help="only the events of this transaction number")
    js.add_argument("--state", action="store_true", help="also print the recovered lane state")
    js.set_defaults(func=_cmd_journal_show)
    je = jsub.add_parser("export", help="write events as JSON lines")
    je.add_argument("--journal")
    je.add_argument("--config")
    je.add_argument("--out", help="file to write (default: standard output)")
    je.add_argument("--after", type=int, default=0, help="only events after this sequence number")
    je.set_defaults(func=_cmd_journal_export)
    jv = jsub.add_parser("verify", help="check every row's checksum and that it decodes; change nothing")
    jv.add_argument("--journal")
    jv.add_argument("--config")
    jv.set_defaults(func=_cmd_journal_verify)
    jst = jsub.add_parser("state", help="recover the lane state as a restart would and print it as JSON")
    jst.add_argument("--journal")
    jst.add_argument("--config")
    jst.set_defaults(func=_cmd_journal_state)

    con = sub.add_parser("console", help="serve the store's attendant console (web) on the store's broker")
    con.add_argument("--config", help="a config with [store], [[attendants]] and [assist] (bus = mqtt(s)://...)")
    con.add_argument("--listen", metavar="HOST:PORT", help="address to serve on (default: [assist] console)")
    con.set_defaults(func=_cmd_console)

    so = sub.add_parser("store", help="the store's assist channel: CA, certificates, broker users and ACLs")
    ssub = so.add_subparsers(metavar="ACTION")
    si = ssub.add_parser("init", help="create (or extend) the store's CA, keys and mosquitto config in DIR")
    si.add_argument("directory", help="where the store's files go (keep it on the store server, mode 0700)")
    si.add_argument("--store", required=True, help="the store id (as in the lanes' [store] id)")
    si.add_argument("--lane", action="append", default=[], metavar="LANE", help="a lane id, repeatable")
    si.add_argument("--broker-host", action="append", default=[], metavar="HOST",
                    help="a name or address the lanes reach the broker by (repeatable; first one goes into "
                         "the lanes' config)")
    si.add_argument("--console-host", action="append", default=[], metavar="HOST",
                    help="a name or address attendants reach the console by (repeatable)")
    si.add_argument("--port", type=int, default=None, help="the broker's TLS port (default: as before, else 8883)")
    si.add_argument("--broker-user", metavar="USER",
                    help="the system user mosquitto runs as (Debian: mosquitto): its files are handed to it")
    si.set_defaults(func=_cmd_store_init)

    a = sub.add_parser("attendant", help="attendant credentials")
    asub = a.add_subparsers(metavar="ACTION")
    ah = asub.add_parser("hash-pin", help="print the pin_hash for a PIN (read from standard input or a prompt)")
    ah.set_defaults(func=_cmd_hash_pin)

    pv = sub.add_parser("provision", help="first boot: write the lane's config from the boot partition's kiosk.toml "
                                          "and remove its secrets there (kiosk-firstboot.service)")
    pv.add_argument("--from", dest="source", required=True, metavar="FILE",
                    help="the first-boot file (on a lane: /boot/firmware/kiosk.toml; format: kiosk/provision.py)")
    pv.add_argument("--to", dest="target", required=True, metavar="DIR",
                    help="the config directory to write (on a lane: /etc/kiosk)")
    pv.add_argument("--keep-source", action="store_true",
                    help="leave the first-boot file as it is (it keeps the PINs, passwords and keys)")
    pv.set_defaults(func=_cmd_provision)

    doc = sub.add_parser("doctor", help="check every configured device (technicians); exit 1 if one fails")
    doc.add_argument("--config")
    doc.add_argument("--json", action="store_true", help="print the report as JSON")
    doc.add_argument("--scan-wait", type=float, default=0.0, metavar="S",
                     help="wait this long for a barcode to be scanned at a real scanner")
    doc.add_argument("--print-test", action="store_true", help="print a test receipt")
    doc.add_argument("--only", action="append", metavar="FAMILY",
                     help="check only this device family, or \"assist\" (repeatable)")
    doc.set_defaults(func=_cmd_doctor)

    sm = sub.add_parser("sim", help="run one device simulator standalone and drive it from standard input")
    sm.add_argument("family", help="scanner, scale, printer, camera, light or payment (zvt)")
    sm.add_argument("kind", nargs="?", default="default", help="which simulator of the family (default: its usual)")
    sm.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                    help="simulator option (see its help), repeatable")
    sm.set_defaults(func=_cmd_sim)

    cal = sub.add_parser("calibrate", help="calibrate a device (technicians)")
    calsub = cal.add_subparsers(metavar="DEVICE")
    cs = calsub.add_parser("scale", help="zero and span the bagging scale with a known weight")
    cs.add_argument("--config")
    cs.add_argument("--known-g", type=float, default=2000.0, help="the test weight in grams (default 2000)")
    cs.add_argument("--yes", action="store_true", help="do not wait for Enter between the steps")
    cs.set_defaults(func=_cmd_calibrate_scale)

    wt = sub.add_parser("weights", help="the lane's learned item weights (show, export, import)")
    wsub = wt.add_subparsers(metavar="ACTION")
    ws = wsub.add_parser("show", help="list the learned estimates")
    ws.add_argument("--config")
    ws.add_argument("--sku", help="only this article")
    ws.set_defaults(func=_cmd_weights_show)
    we = wsub.add_parser("export", help="write the learned estimates as JSON (to seed another lane)")
    we.add_argument("out", help="file to write ('-': standard output)")
    we.add_argument("--config")
    we.set_defaults(func=_cmd_weights_export)
    wi = wsub.add_parser("import", help="merge a JSON export: an estimate with more observations wins "
                                        "(stop the lane first: it reads the table at start)")
    wi.add_argument("file")
    wi.add_argument("--config")
    wi.add_argument("--replace", action="store_true", help="take every imported estimate, whatever its evidence")
    wi.set_defaults(func=_cmd_weights_import)

    st = sub.add_parser("stills", help="camera stills kept for alerts")
    stsub = st.add_subparsers(metavar="ACTION")
    sp = stsub.add_parser("prune", help="delete stills older than the retention time (default 72 h)")
    sp.add_argument("--config")
    sp.add_argument("--hours", type=float, default=72.0)
    sp.set_defaults(func=_cmd_stills_prune)

    bn = sub.add_parser("bench", help="benchmarks that print figures")
    bsub = bn.add_subparsers(metavar="WHAT")
    bs = bsub.add_parser("security", help="bagging-area rules against a naive baseline, with a shopper simulator",
                         add_help=False, prefix_chars="+")
    bs.add_argument("rest", nargs=argparse.REMAINDER)
    bs.set_defaults(func=_cmd_bench_security)

    pay = sub.add_parser("payment", help="the card terminal (technicians, attendants)")
    paysub = pay.add_subparsers(metavar="ACTION")
    eod = paysub.add_parser("end-of-day", help="close the terminal's day: its totals are sent to the bank")
    eod.add_argument("--config")
    eod.add_argument("--print", action="store_true", help="also print the terminal's report on the receipt printer")
    eod.set_defaults(func=_cmd_end_of_day)

    ln = sub.add_parser("lane", help="about the lane's state machine")
    lsub = ln.add_subparsers(metavar="ACTION")
    ld = lsub.add_parser("diagram", help="print the transition table as a Mermaid diagram")
    ld.set_defaults(func=lambda args: print(__import__("kiosk.lane.transitions", fromlist=["x"]).mermaid()))

    try:
        from kiosk import catalog as catalog_mod
    except ImportError:  # pragma: no cover - the catalog module is part of the package
        catalog_mod = None
    if catalog_mod is not None and hasattr(catalog_mod, "register_cli"):
        catalog_mod.register_cli(sub, default_db=_default_catalog_db, layouts=_config_layouts)
    return p


def _load_config(args):
    from kiosk.config import find_config, load
    return load(find_config(getattr(args, "config", None)))


def _default_catalog_db() -> Path:
    from kiosk.config import find_config, load
    return load(find_config(None)).catalog_db


def _config_layouts() -> tuple:
    from kiosk.config import find_config, load
    return load(find_config(None)).layouts


def _journal_path(args) -> Path:
    if getattr(args, "journal", None):
        return Path(args.journal)
    return _load_config(args).journal_path


# ---------------------------------------------------------------------------------------------------------- lane

def _cmd_demo(args) -> int:
    from kiosk.app import run_demo
    return run_demo(args)


def _cmd_console(args) -> int:
    from kiosk.assist.service import run_console
    from kiosk.config import find_config, load
    return run_console(load(find_config(args.config)), args.listen)


def _cmd_store_init(args) -> int:
    from kiosk.assist import store
    kw = {}
    if args.broker_host:
        kw["broker_hosts"] = tuple(args.broker_host)
    if args.console_host:
        kw["console_hosts"] = tuple(args.console_host)
    try:
        files = store.init_store(Path(args.directory), args.store, list(args.lane), port=args.port,
                                 broker_user=args.broker_user, **kw)
    except ValueError as exc:
        print(f"kiosk store init: {exc}", file=sys.stderr)
        return 2
    print(store.describe(files))
    return 0


def _cmd_run(args) -> int:
    from kiosk.app import run_lane
    return run_lane(args)


def _cmd_replay(args) -> int:
    from kiosk.catalog import CatalogError, open_for_replay
    from kiosk.replay import ScenarioError, parse_scenario, replay
    config = _load_config(args)
    path = Path(args.scenario)
    size = _screen_size(args.size)
    if size is None:
        print(f"kiosk replay: --size {args.size!r}: expected WIDTHxHEIGHT, each 320 to 8192, such as 1280x800",
              file=sys.stderr)
        return 2
    try:
        steps = parse_scenario(path.read_text(encoding="utf-8").splitlines(), str(path))
    except FileNotFoundError:
        print(f"kiosk replay: {path}: no such scenario file", file=sys.stderr)
        return 2
    except ScenarioError as exc:
        print(f"kiosk replay: {exc}", file=sys.stderr)
        return 2
    try:
        catalog = open_for_replay(Path(args.catalog) if args.catalog else None, config)
    except CatalogError as exc:
        print(f"kiosk replay: {exc}", file=sys.stderr)
        return 2
    if args.screenshots:
        try:
            Path(args.screenshots).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"kiosk replay: --screenshots {args.screenshots}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    with catalog:
        result = replay(steps, config, catalog, journal_path=args.journal, durable=args.durable,
                        scenario_name=str(path), screenshots=args.screenshots, screen_size=size)
    text = json.dumps(result.report, indent=2, ensure_ascii=False)
    shots = (f"{len(result.screenshots)} screenshot(s) of {size[0]}x{size[1]} written to {args.screenshots}"
             if args.screenshots else "")
    if args.report:
        Path(args.report).write_text(text + "\n", encoding="utf-8")
        n = len(result.report["transactions"])
        print(f"{n} transaction(s), {result.report['events']} events; report written to {args.report}")
        if shots:
            print(shots)
    else:
        print(text)
        if shots:
            print(shots, file=sys.stderr)        # standard output stays the report, for pipes
    return 0


def _screen_size(text: str) -> tuple[int, int] | None:
    """``1280x800`` -> (1280, 800); None unless both are whole numbers from 320 to 8192."""
    w, sep, h = text.lower().partition("x")
    if not (sep and w.isdigit() and h.isdigit()):
        return None
    size = int(w), int(h)
    return size if all(320 <= v <= 8192 for v in size) else None


# ------------------------------------------------------------------------------------------------------- journal

def _open_journal(args):
    from kiosk.journal import Journal, JournalError
    path = _journal_path(args)
    if not path.exists():
        raise JournalError(f"{path}: no journal here (has the lane ever run with this config?)")
    return Journal(path)


def _cmd_journal_show(args) -> int:
    from datetime import datetime
    from kiosk.lane.reducer import REDUCER_VERSION, initial_state, reduce
    with _open_journal(args) as journal:
        rows = list(journal.rows())
        if args.txn is not None:
            rows = _rows_of_txn(rows, args.txn)
        if args.last:
            rows = rows[-args.last:]
        for seq, t, type_, body, _crc in rows:
            when = datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t > 1e9 else f"{t:10.3f}"
            print(f"{seq:8d}  {when}  {type_:22s} {_brief(type_, body)}")
        q = journal.quarantined()
        if q:
            print(f"\n{len(q)} row(s) set aside in quarantine:")
            for qid, seq, type_, reason in q:
                print(f"  row {seq} ({type_}): {reason}")
        if args.state:
            rec = journal.recover(initial_state(), reduce, REDUCER_VERSION, repair=False)
            print(json.dumps(_state_brief(rec.state), indent=2, ensure_ascii=False))
    return 0


def _rows_of_txn(rows, number: int):
    """Events from the start of transaction ``number`` to its end, found by replaying the transaction counter."""
    from kiosk.journal import decode_event
    from kiosk.lane.reducer import initial_state, reduce
    state = initial_state()
    out = []
    for row in rows:
        before = state.txn.number if state.txn else None
        state, _ = reduce(state, decode_event(row[2], row[3]))
        after = state.txn.number if state.txn else None
        if number in (before, after):
            out.append(row)
    return out


def _brief(type_: str, body: str) -> str:
    data = json.loads(body)
    data.pop("t", None)
    if type_ == "Scanned":
        item = data.get("item") or {}
        code = data.get("code", {})
        what = item.get("name") or code.get("$", "")
        if code.get("$") == "ScanRejected":
            what = f"rejected: {code.get('reason')}"
        return f"{data.get('raw', '')!r} -> {what}"
    if type_ == "LaneStarted":
        return f"lane {data.get('lane_id')} version {data.get('version', '')}"
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) < 100 else text[:97] + "..."


def _state_brief(state) -> dict:
    txn = state.txn
    return {
        "mode": state.mode,
        "lang": state.lang,
        "in_service": state.in_service,
        "transaction": None if txn is None else {
            "number": txn.number, "status": txn.status, "total_cents": txn.total_cents,
            "lines": [{"id": ln.id, "kind": ln.kind, "sku": ln.sku, "name": ln.name, "qty": ln.qty,
                       "amount_cents": ln.amount_cents} for ln in txn.lines if ln.qty > 0],
            "payments": [{"ref": p.ref, "amount_cents": p.amount_cents, "outcome": p.outcome} for p in txn.payments],
        },
        "open_interventions": [{"id": i.id, "kind": i.kind, "status": i.status} for i in state.open_interventions],
        "bagging": {"accepted_g": state.bagging.accepted_g, "expected": len(state.bagging.expected)},
    }


def _cmd_journal_export(args) -> int:
    with _open_journal(args) as journal:
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
        try:
            for seq, t, type_, body, crc in journal.rows(args.after):
                out.write(json.dumps({"seq": seq, "t": t, "type": type_, "event": json.loads(body), "crc": crc},
                                     ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
    return 0


def _cmd_journal_verify(args) -> int:
    from kiosk.journal import _BadRow
    with _open_journal(args) as journal:
        n = 0
        try:
            for n, (_seq, _ev) in enumerate(journal.events(), start=1):
                pass
        except _BadRow as bad:
            print(f"journal {journal.path}: row {bad.seq} is bad: {bad.reason}. The lane will set it and every "
                  f"later row aside at its next start; {n} good rows before it.")
            return 1
        print(f"journal {journal.path}: {n} events, all checksums good")
    return 0


def _cmd_journal_state(args) -> int:
    from kiosk.lane.plain import to_plain
    from kiosk.lane.reducer import REDUCER_VERSION, initial_state, reduce
    with _open_journal(args) as journal:
        rec = journal.recover(initial_state(), reduce, REDUCER_VERSION, repair=False)
        print(json.dumps({"last_seq": rec.last_seq, "from_snapshot": rec.from_snapshot, "replayed": rec.replayed,
                          "quarantined": rec.quarantined, "state": to_plain(rec.state)}, ensure_ascii=False))
    return 0


def _cmd_hash_pin(args) -> int:
    import getpass
    from kiosk.attendants import hash_pin
    pin = getpass.getpass("PIN: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        print("kiosk attendant hash-pin: a PIN is 4 to 12 digits", file=sys.stderr)
        return 2
    print(hash_pin(pin))
    return 0


def _cmd_provision(args) -> int:
    from kiosk.provision import ProvisionError, provision
    try:
        result = provision(args.source, args.target, keep_source=args.keep_source)
    except ProvisionError as exc:
        print(f"kiosk provision: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"kiosk provision: {exc.filename or args.target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(result.describe())
    return 0




# ----------------------------------------------------------------------------------------------------- devices

def _cmd_doctor(args) -> int:
    from kiosk import doctor
    config = _load_config(args)
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else print
    checks = doctor.run(config, scan_wait_s=args.scan_wait, print_test=args.print_test,
                        families=tuple(args.only) if args.only else None, say=say)
    if args.json:
        print(json.dumps(doctor.as_json(config, checks), indent=2, default=str))
    else:
        print(doctor.report(config, checks))
    return 0 if checks and all(c.ok for c in checks) else 1


def _cmd_sim(args) -> int:
    from hal.errors import HalError
    from hal.registry import start_simulator
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"kiosk sim: --option {item!r}: expected KEY=VALUE", file=sys.stderr)
            return 2
        options[key.replace("-", "_")] = value
    family = "payment" if args.family == "zvt" else args.family
    try:
        sim = start_simulator(family, args.kind, **options)
    except (HalError, OSError, TypeError) as exc:
        print(f"kiosk sim: {exc}", file=sys.stderr)
        return 2
    try:
        print(f"{family} simulator ({args.kind}) at {sim.address}", flush=True)
        print("Commands (one per line; Ctrl+D ends):\n" + sim.help(), flush=True)
        for line in sys.stdin:
            line = line.strip()
            if line in ("quit", "exit"):
                break
            try:
                reply = sim.command(line)
            except (ValueError, TypeError, HalError, OSError) as exc:
                reply = f"error: {exc}"
            if reply:
                print(reply, flush=True)
    finally:
        sim.stop()
    return 0


def _open_weights(args):
    from kiosk.weights import WeightBook
    return WeightBook(_load_config(args).weights_path)


def _cmd_weights_show(args) -> int:
    from kiosk.security.weights import WeightEstimate
    with _open_weights(args) as book:
        keys = [k for k in book.keys() if args.sku is None or k == f"sku:{args.sku}"]
        if not keys:
            print("no learned weights" + (f" for {args.sku}" if args.sku else ""))
        for key in keys:
            est = book.get(key)
            if isinstance(est, WeightEstimate):
                print(f"{key:28s} {est.mean_g:9.1f} g  sd {est.sd_g:6.1f} g  {est.obs:5d} obs "
                      f"({est.confirmed} confirmed, {est.rejected} rejected)")
            else:
                print(f"{key:28s} spread {est.cv * 100:5.1f} %  units ~{math.exp(est.log_mean):.0f} g "
                      f"({est.log_n:.0f} placements)")
    return 0


def _cmd_weights_export(args) -> int:
    with _open_weights(args) as book:
        text = json.dumps(book.export(), indent=1, ensure_ascii=False) + "\n"
        n = len(book)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"kiosk weights export: {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"{n} estimate(s) written to {args.out}")
    return 0


def _cmd_weights_import(args) -> int:
    from kiosk.weights import WeightsError
    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"kiosk weights import: {args.file}: no such file", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        print(f"kiosk weights import: {args.file}: not JSON ({exc})", file=sys.stderr)
        return 2
    with _open_weights(args) as book:
        try:
            got = book.load(document, replace=args.replace)
        except WeightsError as exc:
            print(f"kiosk weights import: {args.file}: {exc}; nothing was imported", file=sys.stderr)
            return 2
    print(f"imported: {got.added} new, {got.replaced} replaced, {got.kept} kept (local had more evidence)")
    return 0


def _cmd_stills_prune(args) -> int:
    from kiosk.stills import prune
    config = _load_config(args)
    gone = prune(config.stills_dir, args.hours * 3600)
    print(f"{len(gone)} still(s) older than {args.hours:g} h deleted from {config.stills_dir}")
    return 0


def _cmd_bench_security(args) -> int:
    from kiosk.bench.security import main
    return main(args.rest)


def _cmd_calibrate_scale(args) -> int:
    from kiosk.calibrate import calibrate_scale
    return calibrate_scale(_load_config(args), args.known_g, wait=not args.yes)


def _cmd_end_of_day(args) -> int:
    from hal.errors import HalError
    from hal.registry import open_device
    from kiosk.devices import device_options
    config = _load_config(args)
    url = config.devices.get("payment")
    if url is None:
        print("kiosk payment: no card terminal in the config ([devices] payment = ...)", file=sys.stderr)
        return 2
    try:
        with open_device("payment", url, name=f"payment {url}") as terminal:
            result = terminal.end_of_day()
    except (HalError, OSError, RuntimeError) as exc:
        print(f"kiosk payment: end of day failed: {exc}", file=sys.stderr)
        return 1
    for line in result.receipt_lines:
        print(line)
    ok = result.outcome == "approved"
    print(f"End of day {'done' if ok else 'NOT done'}: total {result.amount_cents / 100:.2f} EUR"
          f"{'' if ok else f' ({result.message})'}")
    if ok and args.print and result.receipt_lines and "printer" in config.devices:
        from kiosk.receipt.escpos import text_receipt
        try:
            with open_device("printer", config.devices["printer"], **device_options(config, "printer")) as printer:
                job = f"eod-{result.receipt_no or ''}-{result.trace_no or ''}"
                printer.print_job(job, text_receipt("\n".join(result.receipt_lines)))
        except (HalError, OSError) as exc:
            print(f"kiosk payment: the report could not be printed: {exc}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
