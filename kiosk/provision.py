"""First-boot provisioning: the technician's ``kiosk.toml`` on the boot partition becomes the lane's configuration.

``kiosk provision --from /boot/firmware/kiosk.toml --to /etc/kiosk [--keep-source]`` (run as root at every boot by
``kiosk-firstboot.service`` while the file is there) reads the *first-boot file*, checks every value, and writes

- ``DIR/kiosk.toml``: the complete lane config (``kiosk.config.load`` accepts it; it is loaded before it is kept),
  mode 0640, owner root, group kiosk: it holds the attendants' PIN hashes and the audit seed;
- ``DIR/assist/broker.password``, ``DIR/assist/ca.crt``, ``DIR/assist/command.key``: the broker secrets, mode 0600,
  owner kiosk (when that user exists), in ``DIR/assist`` (0700, kiosk);
- ``DIR/kiosk.env``: ``KIOSK_ARGS=--headless`` for a lane without a screen (``[lane] headless = true``);
- ``DIR/.provisioned``: a digest of the first-boot file that was applied (0600, root).

Then it rewrites the first-boot file *in place* (the FAT clusters that held the secrets are overwritten, not just
freed) without the PINs, passwords and keys, with a ``[provisioned]`` table saying when and where it was applied
(``--keep-source`` leaves it alone). Every file is written to a temporary name and renamed, the config last: a
broken first-boot file writes nothing at all, and an interrupted run is simply done again at the next boot.

Idempotent: a scrubbed file (it has ``[provisioned]``) and a file whose digest was already applied change nothing. A
technician re-provisions a lane by putting a new, complete first-boot file on the boot partition and rebooting; the
lane's audit seed is kept unless the new file gives one.

The first-boot file (TOML; every key not marked optional is required)::

    [lane]
    id = "kasse-2"                  # the lane id: letters, digits, '-', '_', '.'
    lang = "de"                     # optional: the welcome screen's language, de, en or nl (default de)
    badge_prefix = "ATT-"           # optional: attendants' badges start with this (default ATT-)
    console = "0.0.0.0:8765"        # optional, lanes without [broker]: where the lane's own console listens
    headless = false                # optional: true runs the lane without a screen (a test rig, the qemu boot test)

    [store]
    id = "markt-7"                  # as in `kiosk store init --store`
    name = "Frischmarkt Lindenstraße"
    address = "Lindenstraße 5, 10969 Berlin"   # optional, printed on the receipt
    vat_id = "DE123456789"          # optional, printed on the receipt
    ereceipt_url = "https://bon.frischmarkt.example"   # optional: the e-receipt service
    audit_seed = "..."              # optional secret: the random rescan audits' seed (made at random if left out)

    [broker]                        # optional: without it the lane serves its own attendant console ("embedded")
    url = "mqtts://store-server.local:8883"
    password = "..."                # this lane's broker password: lanes/<lane>.password from `kiosk store init`
    ca = '''
    -----BEGIN CERTIFICATE-----
    ...
    -----END CERTIFICATE-----
    '''                             # the store CA (ca.crt), inline; or instead:
    # ca_file = "store-ca.crt"      # a file next to this one on the boot partition
    command_key = "3f9a..."         # the store's command key (command.key): hex
    username = "kasse-2"            # optional: the broker user (default: the lane id)

    [devices]                       # device URLs, see README "Devices"
    payment = "zvt+tcp://192.168.1.60:20007?password=000000"   # the card terminal: required
    # scanner, scale, printer, light: optional, each defaults to the usual field device (DEFAULT_DEVICES);
    # camera, produce: optional, none by default. "sim:" gives a simulated device (tests, demos, the boot test).

    [display]                       # optional: diagonal_in = 10.1 (inches) or px_per_mm = 6.7, not both

    [rules]                         # optional: any lane rule of kiosk/lane/settings.py, e.g. nudge_s = 12

    [[attendants]]                  # at least one
    id = "anna"
    name = "Anna"                   # optional (default: the id)
    role = "attendant"              # optional: attendant (default), supervisor or technician
    pin = "4821"                    # 4 to 12 digits, in quotes; hashed with scrypt, never written anywhere in clear
    badge = "ATT-0001"              # optional: a badge code (then the PIN is optional)

A real lane's devices default to the field devices the image's udev rules name (systemd/udev/99-kiosk.rules), never
to simulators: a scanner in USB-COM mode at /dev/kiosk-scanner, an HX711 load cell on GPIO 5/6, an Epson TM-T88
receipt printer on USB, the lane light on GPIO 17/27/22. The card terminal has no default: it is always on the
store's network (or serial line) at an address only the technician knows.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import ssl
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DATA_DIR = Path("/var/lib/kiosk")
OWNER = "kiosk"

#: The field devices a lane gets when its first-boot file does not name them.
DEFAULT_DEVICES = {
    "scanner": "serial:///dev/kiosk-scanner?suffix=auto",
    "scale": "hx711:?dout=5&sck=6&gain=128&rate=10",
    "printer": "escpos+usb://04b8:0202",
    "light": "gpio:?red=17&amber=27&green=22",
}
#: Device families of the first-boot file's [devices] and the hal package that opens them.
DEVICE_FAMILIES = {"scanner": "scanner", "scale": "scale", "printer": "printer", "payment": "payment",
                   "camera": "camera", "light": "light", "produce": "scale"}
#: Query parameters of device URLs that are secrets (the ZVT terminal's password): kept out of the scrubbed file.
SECRET_URL_PARAMS = ("password",)

SECTIONS = {
    "lane": {"id", "lang", "badge_prefix", "console", "headless"},
    "store": {"id", "name", "address", "vat_id", "ereceipt_url", "audit_seed"},
    "broker": {"url", "password", "ca", "ca_file", "command_key", "username"},
    "devices": set(DEVICE_FAMILIES),
    "display": {"diagonal_in", "px_per_mm"},
    "rules": None,            # checked by kiosk.config against kiosk/lane/settings.py
    "attendants": {"id", "name", "role", "pin", "pin_hash", "badge"},
}
ROLES = ("attendant", "supervisor", "technician")
ASSIST_FILES = ("broker.password", "ca.crt", "command.key")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PIN = re.compile(r"^[0-9]{4,12}$")
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2}){16,}$")


class ProvisionError(ValueError):
    """The first-boot file is wrong; the message names the file and the key. Nothing was written."""


@dataclass
class Result:
    """What a run did: ``applied`` (config written), ``unchanged`` (already applied), and the source's fate."""

    status: str                       # "applied" or "unchanged"
    config: Path
    lane: str = ""
    store: str = ""
    attendants: int = 0
    bus: str = ""
    scrubbed: bool = False            # the first-boot file was rewritten without its secrets (now or before)
    written: list[Path] = field(default_factory=list)
    note: str = ""

    def describe(self) -> str:
        if self.status == "unchanged":
            return f"{self.note} Nothing to do; the lane's config is {self.config}."
        lines = [f"Provisioned lane {self.lane} of store {self.store}: {self.config} "
                 f"({self.attendants} attendant(s), attendant channel {self.bus})."]
        lines += [f"  wrote {p}" for p in self.written]
        if self.scrubbed:
            lines.append("  PINs, passwords and keys were removed from the first-boot file.")
        else:
            lines.append("  The first-boot file was left as it was (--keep-source): it still holds the secrets.")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- the run

def provision(source: str | os.PathLike, target: str | os.PathLike, *, keep_source: bool = False,
              data_dir: str | os.PathLike = DATA_DIR, owner: str | None = OWNER,
              now: float | None = None) -> Result:
    """Apply the first-boot file ``source`` to the config directory ``target`` (see the module's docstring).

    ``owner`` is the user the broker secrets are handed to (and the group of kiosk.toml) when it exists and this runs
    as root; ``None`` leaves ownership alone. Raises :class:`ProvisionError` for a bad file, before writing anything.
    """
    source = Path(source)
    target_dir = Path(target)
    now = time.time() if now is None else now
    try:
        raw_bytes = source.read_bytes()
    except FileNotFoundError:
        raise ProvisionError(f"{source}: no such first-boot file") from None
    except OSError as exc:
        raise ProvisionError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    try:
        # utf-8-sig: Windows editors put a byte order mark in front; CR LF line ends are TOML already.
        raw = tomllib.loads(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProvisionError(f"{source}: not UTF-8 text (save it as UTF-8); nothing was written") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProvisionError(f"{source}: not valid TOML: {exc}; nothing was written") from None
    config_path = target_dir / "kiosk.toml"

    if "provisioned" in raw:
        done = raw["provisioned"] if isinstance(raw["provisioned"], dict) else {}
        if not config_path.exists():
            raise ProvisionError(f"{source}: this first-boot file was applied on {done.get('at', '(unknown date)')} "
                                 f"and holds no secrets any more, but {config_path} is missing (a new data "
                                 "partition?): put a complete first-boot file on the boot partition and reboot")
        return Result("unchanged", config_path, lane=str(done.get("lane", "")), store=str(done.get("store", "")),
                      scrubbed=True, note=f"{source} was applied on {done.get('at', '(unknown date)')} and "
                                          "holds no secrets any more.")
    digest = hashlib.sha256(raw_bytes).hexdigest()
    record = _read_record(target_dir / ".provisioned")
    if record.get("source_sha256") == digest and config_path.exists():
        scrubbed = False
        if not keep_source:
            plan = _plan(raw, source, config_path, target_dir, data_dir, now, hash_pins=False)
            _scrub(source, raw_bytes, plan.scrubbed_text)
            scrubbed = True
        return Result("unchanged", config_path, lane=record.get("lane", ""), store=record.get("store", ""),
                      scrubbed=scrubbed, note=f"{source} was already applied on {record.get('at', '?')}"
                                              + (" (its secrets are now removed)." if scrubbed else "."))

    plan = _plan(raw, source, config_path, target_dir, data_dir, now)
    written = _commit(plan, target_dir, owner)
    _write_record(target_dir / ".provisioned", {"source_sha256": digest, "at": _stamp(now), "lane": plan.lane,
                                                "store": plan.store, "source": str(source)})
    if not keep_source:
        _scrub(source, raw_bytes, plan.scrubbed_text)
    return Result("applied", config_path, lane=plan.lane, store=plan.store, attendants=plan.attendants,
                  bus=plan.bus, scrubbed=not keep_source, written=written)


@dataclass
class _Plan:
    lane: str
    store: str
    bus: str
    attendants: int
    config_text: str
    env_text: str | None              # kiosk.env, None: no such file
    assist: dict[str, str]            # file name in assist/ -> content
    scrubbed_text: str


def _plan(raw: dict[str, Any], source: Path, config_path: Path, target_dir: Path, data_dir, now: float,
          hash_pins: bool = True) -> _Plan:
    """Check the first-boot file and compose every file to write (nothing is written here).

    ``hash_pins=False`` when only the scrubbed text is wanted: the config then carries placeholder hashes.
    """
    where = str(source)

    def err(key: str, msg: str) -> ProvisionError:
        return ProvisionError(f"{where}: {key}: {msg}; nothing was written")

    for name in raw:
        if name not in SECTIONS:
            raise err(name, f"unknown section (known: {', '.join(s for s in SECTIONS)})")
    tables: dict[str, dict[str, Any]] = {}
    for name, keys in SECTIONS.items():
        if name == "attendants":
            continue
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise err(name, f"must be a table ([{name}])")
        if keys is not None:
            for key in value:
                if key not in keys:
                    raise err(f"{name}.{key}", f"unknown key (known in [{name}]: {', '.join(sorted(keys))})")
        tables[name] = value

    def text(section: str, key: str, *, required: bool = False, default: str = "") -> str:
        value = tables[section].get(key)
        if value is None:
            if required:
                raise err(f"{section}.{key}", "missing")
            return default
        if not isinstance(value, str):
            raise err(f"{section}.{key}", f"must be a string in quotes, not {value!r}")
        if required and not value.strip():
            raise err(f"{section}.{key}", "is empty")
        if any(ord(c) < 32 and c not in "\t" for c in value) and key != "ca":
            raise err(f"{section}.{key}", "must be one line of text")
        return value

    # [lane]
    lane_id = text("lane", "id", required=True)
    if not _NAME.match(lane_id):
        raise err("lane.id", f"{lane_id!r} must be letters, digits, '-', '_' or '.', starting with a letter or digit")
    lang = text("lane", "lang", default="de")
    if lang not in ("de", "en", "nl"):
        raise err("lane.lang", f"{lang!r} must be de, en or nl")
    badge_prefix = text("lane", "badge_prefix", default="ATT-")
    console = text("lane", "console", default="")
    if console:
        host, sep, port = console.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise err("lane.console", f"{console!r}: expected host:port such as \"0.0.0.0:8765\"")
    headless = tables["lane"].get("headless", False)
    if not isinstance(headless, bool):
        raise err("lane.headless", "must be true or false")

    # [store]
    store_id = text("store", "id", required=True)
    if not _NAME.match(store_id):
        raise err("store.id", f"{store_id!r} must be letters, digits, '-', '_' or '.' (as in `kiosk store init`)")
    store_name = text("store", "name", required=True)
    address = text("store", "address")
    vat_id = text("store", "vat_id")
    ereceipt_url = text("store", "ereceipt_url")
    if ereceipt_url:
        parts = urlsplit(ereceipt_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise err("store.ereceipt_url", f"{ereceipt_url!r} is not an address such as https://bon.example.com")
    audit_seed = text("store", "audit_seed")
    if "audit_seed" in tables["store"] and len(audit_seed) < 16:
        raise err("store.audit_seed", "must be at least 16 characters (leave it out and one is made at random)")
    if not audit_seed:
        audit_seed = _existing_audit_seed(config_path) or secrets.token_hex(16)

    # [broker]
    broker = tables["broker"]
    assist: dict[str, str] = {}
    assist_lines: list[str]
    if broker:
        url = text("broker", "url", required=True)
        try:
            from kiosk.assist.mqtt import parse_url
            _host, _port, tls = parse_url(url)
        except ValueError as exc:
            raise err("broker.url", str(exc)) from None
        password = text("broker", "password", required=True)
        if password != password.strip():
            raise err("broker.password", "has spaces at its start or end (copy the password file's one line)")
        command_key = text("broker", "command_key", required=True).strip()
        if not _HEX.match(command_key):
            raise err("broker.command_key", "must be the store's command key as `kiosk store init` wrote it "
                                            "(command.key: 64 hex digits)")
        username = text("broker", "username", default=lane_id)
        if not _NAME.match(username):
            raise err("broker.username", f"{username!r} is not a broker user name")
        ca = _ca(tables["broker"], source, err)
        if tls and ca is None:
            raise err("broker.ca", "mqtts:// needs the store CA (ca.crt from `kiosk store init`): give ca = '''...''' "
                                   "or ca_file = \"FILE\" next to this file")
        assist["broker.password"] = password + "\n"
        assist["command.key"] = command_key + "\n"
        assist_lines = [f"bus = {_q(url)}", f"username = {_q(username)}",
                        f"password_file = {_q(str(target_dir / 'assist' / 'broker.password'))}",
                        f"command_key_file = {_q(str(target_dir / 'assist' / 'command.key'))}"]
        if ca is not None:
            assist["ca.crt"] = ca
            assist_lines.append(f"ca_file = {_q(str(target_dir / 'assist' / 'ca.crt'))}")
        if console:
            assist_lines.append(f"console = {_q(console)}")
        bus = url
    else:
        bus = "embedded"
        assist_lines = ['bus = "embedded"']
        if console:
            assist_lines.append(f"console = {_q(console)}")

    # [devices]
    devices = dict(DEFAULT_DEVICES)
    for family, url in tables["devices"].items():
        devices[family] = _device_url(family, url, err)
    if "payment" not in tables["devices"]:
        raise err("devices.payment", "missing: the card terminal's address, e.g. "
                                     "zvt+tcp://192.168.1.60:20007?password=000000")

    # [display], [rules]
    display = tables["display"]
    rules = dict(tables["rules"])
    if "audit_seed" in rules:
        raise err("rules.audit_seed", "give it as [store] audit_seed (it is removed from this file after use)")
    if "role_commands" in rules:
        raise err("rules.role_commands", "unknown rule")

    # [[attendants]]
    entries = raw.get("attendants")
    if entries is None or entries == []:
        raise err("attendants", "missing: at least one [[attendants]] with id, role and pin")
    if not isinstance(entries, list) or not all(isinstance(a, dict) for a in entries):
        raise err("attendants", "must be an array of tables ([[attendants]])")
    attendant_lines: list[str] = []
    seen_ids: dict[str, str] = {}
    seen_pins: dict[str, str] = {}
    seen_badges: dict[str, str] = {}
    from kiosk.attendants import hash_pin
    for n, a in enumerate(entries, start=1):
        key = f"attendants[{n}]"
        for k in a:
            if k not in SECTIONS["attendants"]:
                raise err(f"{key}.{k}", f"unknown key (known: {', '.join(sorted(SECTIONS['attendants']))})")
        aid = a.get("id")
        if not isinstance(aid, str) or not aid.strip():
            raise err(f"{key}.id", "missing" if aid is None else f"must be a string, not {aid!r}")
        if not _NAME.match(aid):
            raise err(f"{key}.id", f"{aid!r} must be letters, digits, '-', '_' or '.'")
        if aid in seen_ids:
            raise err(f"{key}.id", f"{aid!r} appears twice ({seen_ids[aid]})")
        seen_ids[aid] = key
        name = a.get("name", aid)
        if not isinstance(name, str) or not name.strip():
            raise err(f"{key}.name", f"must be a string, not {name!r}")
        role = a.get("role", "attendant")
        if role not in ROLES:
            raise err(f"{key}.role", f"{role!r} is not one of {', '.join(ROLES)}")
        badge = a.get("badge")
        if badge is not None:
            if not isinstance(badge, str) or not badge.strip():
                raise err(f"{key}.badge", f"must be a string, not {badge!r}")
            if badge in seen_badges:
                raise err(f"{key}.badge", f"the same badge as {seen_badges[badge]}")
            seen_badges[badge] = key
        pin = a.get("pin")
        pin_hash = a.get("pin_hash")
        if pin is not None and pin_hash is not None:
            raise err(f"{key}.pin", "give pin or pin_hash, not both")
        if pin is not None:
            if isinstance(pin, int) and not isinstance(pin, bool):
                raise err(f"{key}.pin", "write the PIN in quotes (pin = \"0815\"): as a number, leading zeros "
                                        "would be lost")
            if not isinstance(pin, str) or not _PIN.match(pin):
                raise err(f"{key}.pin", "a PIN is 4 to 12 digits")
            if pin in seen_pins:
                raise err(f"{key}.pin", f"the same PIN as {seen_pins[pin]}: every attendant needs their own")
            seen_pins[pin] = key
        elif pin_hash is not None:
            if not isinstance(pin_hash, str) or not pin_hash.startswith("scrypt$"):
                raise err(f"{key}.pin_hash", "must be a hash made by `kiosk attendant hash-pin`")
        elif badge is None:
            raise err(f"{key}.pin", "missing: an attendant signs in with a PIN (or a badge)")
        lines = ["[[attendants]]", f"id = {_q(aid)}", f"name = {_q(name)}", f"role = {_q(role)}"]
        if pin is not None:
            lines.append(f"pin_hash = {_q(hash_pin(pin) if hash_pins else 'scrypt$placeholder')}")
        elif pin_hash is not None:
            lines.append(f"pin_hash = {_q(pin_hash)}")
        if badge is not None:
            lines.append(f"badge = {_q(badge)}")
        attendant_lines.append("\n".join(lines))

    # The lane's config.
    out = [f"# The lane's configuration, written by `kiosk provision` from {source} on {_stamp(now)}.",
           "# To change it, put a new first-boot file on the boot partition and reboot (systemd/README.md); changes",
           "# made here are kept until then. Attendants' PINs are stored only as scrypt hashes.",
           "", "[lane]", f"id = {_q(lane_id)}", f"lang = {_q(lang)}", f"data_dir = {_q(str(data_dir))}",
           f"badge_prefix = {_q(badge_prefix)}",
           "", "[store]", f"id = {_q(store_id)}", f"name = {_q(store_name)}", f"address = {_q(address)}",
           f"vat_id = {_q(vat_id)}"]
    if ereceipt_url:
        out.append(f"ereceipt_url = {_q(ereceipt_url)}")
    out += ["", "[devices]"] + [f"{k} = {_q(v)}" for k, v in devices.items()]
    out += ["", "[rules]", "# The secret seed of the random rescan audits (kiosk/security/risk.py).",
            f"audit_seed = {_q(audit_seed)}"] + [f"{k} = {_toml_value(v)}" for k, v in rules.items()]
    out += ["", "[assist]"] + assist_lines
    if display:
        out += ["", "[display]"] + [f"{k} = {_toml_value(v)}" for k, v in display.items()]
    out += [""] + [block + "\n" for block in attendant_lines]
    config_text = "\n".join(out).rstrip("\n") + "\n"
    _validate(config_text, config_path, err)

    # The first-boot file without its secrets.
    removed: list[str] = []
    scrubbed: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "attendants":
            kept = []
            for n, a in enumerate(value, start=1):
                if "pin" in a:
                    removed.append(f"attendants[{n}].pin")
                kept.append({k: v for k, v in a.items() if k != "pin"})
            scrubbed[name] = kept
            continue
        table = dict(value)
        for key in {"store": ("audit_seed",), "broker": ("password", "command_key", "ca")}.get(name, ()):
            if key in table:
                removed.append(f"{name}.{key}")
                del table[key]
        if name == "devices":
            for family, url in list(table.items()):
                clean = _without_secret_params(url)
                if clean != url:
                    removed.append(f"devices.{family} {'/'.join(SECRET_URL_PARAMS)}")
                    table[family] = clean
        scrubbed[name] = table
    head = [f"# The first-boot file of lane {lane_id}, store {store_id}: applied by `kiosk provision` on {_stamp(now)}",
            f"# to {config_path}. Its PINs, passwords and keys were removed from here and are kept only on the lane",
            "# (PINs as hashes). This file cannot be applied again: to provision the lane anew, replace it with a",
            "# complete first-boot file (systemd/README.md) and reboot.",
            "", "[provisioned]", f"at = {_q(_stamp(now))}", f"to = {_q(str(config_path))}", f"lane = {_q(lane_id)}",
            f"store = {_q(store_id)}", f"removed = {_toml_value(removed)}", ""]
    scrubbed_text = "\n".join(head) + "\n" + _dump(scrubbed)

    env_text = "# Written by `kiosk provision`: extra arguments of `kiosk run` (kiosk.service).\nKIOSK_ARGS=--headless\n" \
        if headless else None
    return _Plan(lane=lane_id, store=store_id, bus=bus, attendants=len(entries), config_text=config_text,
                 env_text=env_text, assist=assist, scrubbed_text=scrubbed_text)


def _validate(config_text: str, config_path: Path, err) -> None:
    """Load the composed config exactly as the lane will: a value the lane would refuse is refused here."""
    from kiosk.config import ConfigError, parse
    try:
        parse(tomllib.loads(config_text), config_path)
    except ConfigError as exc:
        message = str(exc).removeprefix(f"{config_path}: ")
        key, _, what = message.partition(": ")
        raise err(key, what or message) from None
    except tomllib.TOMLDecodeError as exc:   # pragma: no cover - a bug in this module
        raise err("(config)", f"could not compose a valid config: {exc}") from None


def _ca(broker: dict[str, Any], source: Path, err) -> str | None:
    """The store CA as PEM text, from ``ca`` (inline) or ``ca_file`` (next to the first-boot file), checked."""
    if "ca" in broker and "ca_file" in broker:
        raise err("broker.ca", "give ca or ca_file, not both")
    if "ca_file" in broker:
        name = broker["ca_file"]
        if not isinstance(name, str) or not name:
            raise err("broker.ca_file", f"must be a file name, not {name!r}")
        path = source.parent / name
        try:
            pem = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise err("broker.ca_file", f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
        key = "broker.ca_file"
    elif "ca" in broker:
        pem = broker["ca"]
        if not isinstance(pem, str):
            raise err("broker.ca", "must be the PEM text in ''' quotes")
        key = "broker.ca"
    else:
        return None
    pem = pem.strip() + "\n"
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise err(key, "is not a PEM certificate (-----BEGIN CERTIFICATE----- ...)")
    if "PRIVATE KEY" in pem:
        raise err(key, "holds a private key: give only the CA certificate (ca.crt), never ca.key")
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise err(key, f"not a valid certificate ({exc})") from None
    return pem


def _device_url(family: str, url: Any, err) -> str:
    from hal.errors import BadDeviceURL
    from hal.registry import family_module
    from hal.url import parse
    key = f"devices.{family}"
    if not isinstance(url, str) or not url.strip():
        raise err(key, f"must be a device URL in quotes, not {url!r}")
    hint = (" (a ZVT terminal on the network: zvt+tcp://192.168.1.60:20007)" if family == "payment" else
            " (see README \"Devices\")")
    if ":" not in url or re.match(r"^[0-9.]+:[0-9]+$", url):
        raise err(key, f"{url!r} is not a device URL{hint}")
    try:
        u = parse(url)
    except BadDeviceURL as exc:
        raise err(key, str(exc)) from None
    module = family_module(DEVICE_FAMILIES[family])
    if u.is_sim:
        kind = u.path or "default"
        if kind not in module.SIMULATORS:
            raise err(key, f"{url!r}: no {family} simulator {kind!r} (known: {', '.join(sorted(module.SIMULATORS))})")
    elif u.scheme not in module.DRIVERS:
        raise err(key, f"{url!r}: no {family} driver for {u.scheme + ':'!r} (known: "
                       f"{', '.join(s + ':' for s in sorted(module.DRIVERS))}, sim:){hint}")
    return url


def _without_secret_params(url: str) -> str:
    if not isinstance(url, str) or "?" not in url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_URL_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/")))


def _existing_audit_seed(config_path: Path) -> str:
    """The audit seed of the config already there (a lane provisioned again keeps it), or ''."""
    try:
        seed = tomllib.loads(config_path.read_text(encoding="utf-8")).get("rules", {}).get("audit_seed", "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return ""
    return seed if isinstance(seed, str) else ""


# -------------------------------------------------------------------------------------------------- writing

def _commit(plan: _Plan, target_dir: Path, owner: str | None) -> list[Path]:
    """Write every file to a temporary name, then rename them into place, the config last."""
    uid, gid = _owner_ids(owner)
    given = target_dir
    target_dir = Path(os.path.realpath(target_dir))     # /etc/kiosk is a symlink to /var/lib/kiosk/etc
    if not target_dir.is_dir():
        target_dir.mkdir(parents=True)
        os.chmod(target_dir, 0o750 if gid is not None else 0o700)
        if gid is not None:
            os.chown(target_dir, 0, gid)
    assist_dir = target_dir / "assist"
    staged: list[tuple[Path, Path]] = []
    try:
        if plan.assist:
            if not assist_dir.is_dir() or assist_dir.is_symlink():
                if assist_dir.is_symlink():
                    assist_dir.unlink()
                assist_dir.mkdir(mode=0o700, exist_ok=True)
            os.chmod(assist_dir, 0o700, follow_symlinks=False)
            if uid is not None:
                os.chown(assist_dir, uid, gid, follow_symlinks=False)
            for name, content in plan.assist.items():
                staged.append((_stage(assist_dir / name, content, 0o600, uid, gid), assist_dir / name))
        env = target_dir / "kiosk.env"
        if plan.env_text is not None:
            staged.append((_stage(env, plan.env_text, 0o644, None, None), env))
        config = target_dir / "kiosk.toml"
        # The config holds PIN hashes and the audit seed: the lane's group may read it, nobody else.
        staged.append((_stage(config, plan.config_text, 0o640 if gid is not None else 0o600, 0 if gid is not None
                              else None, gid), config))
        _load_staged(staged[-1][0])
        for tmp, final in staged:
            os.replace(tmp, final)
        staged = []
    finally:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
    if plan.env_text is None:
        (target_dir / "kiosk.env").unlink(missing_ok=True)
    for name in ASSIST_FILES:            # secrets of an earlier provisioning that this one does not have
        if name not in plan.assist:
            (assist_dir / name).unlink(missing_ok=True)
    _fsync_dir(assist_dir)
    _fsync_dir(target_dir)
    written = [given / "kiosk.toml"] + [given / "assist" / n for n in plan.assist]
    if plan.env_text is not None:
        written.append(given / "kiosk.env")
    return written


def _load_staged(path: Path) -> None:
    """The written config, read back from disk by the lane's own loader before it takes the old one's place."""
    from kiosk.config import ConfigError, load
    try:
        load(path)
    except ConfigError as exc:          # pragma: no cover - _plan checked the same text already
        raise ProvisionError(f"the composed config does not load ({exc}); nothing was changed") from None


def _stage(final: Path, content: str, mode: int, uid: int | None, gid: int | None) -> Path:
    """A new temporary file beside ``final`` with ``content``, mode and owner set, flushed to disk."""
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".new")
    try:
        os.fchmod(fd, mode)
        if uid is not None or gid is not None:
            os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            fd = -1
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        if fd != -1:
            os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _owner_ids(owner: str | None) -> tuple[int | None, int | None]:
    """(uid, gid) of ``owner`` when it exists and we may hand files to it (root); else (None, None)."""
    if owner is None or os.geteuid() != 0:
        return None, None
    try:
        pw = pwd.getpwnam(owner)
    except KeyError:
        return None, None
    try:
        gid = grp.getgrnam(owner).gr_gid
    except KeyError:
        gid = pw.pw_gid
    return pw.pw_uid, gid


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_record(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_record(path: Path, record: dict[str, str]) -> None:
    tmp = _stage(path, json.dumps(record, indent=1) + "\n", 0o600, None, None)
    os.replace(tmp, path)


def _scrub(source: Path, old: bytes, text: str) -> None:
    """Rewrite ``source`` in place with ``text``: the clusters that held the secrets are overwritten, not freed.

    The FAT boot partition has no copy-on-write: writing over the file's own bytes replaces them on the card. The new
    text is padded with a comment line to the old length first (so every old byte is overwritten and the file is
    valid TOML at each step), flushed, then cut to its own length.
    """
    new = text.encode("utf-8")
    padded = new
    if len(new) < len(old):
        gap = len(old) - len(new)
        padded = new + (b"#" + b" " * max(gap - 2, 0) + b"\n")[:gap] if gap >= 2 else new + b"\n" * gap
    with open(source, "r+b") as f:
        f.seek(0)
        f.write(padded)
        f.flush()
        os.fsync(f.fileno())
        f.truncate(len(new))
        f.flush()
        os.fsync(f.fileno())


# --------------------------------------------------------------------------------------------------- TOML out

def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return _q(str(value))                        # dates and times: as text


def _key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else _q(key)


def _dump(data: dict[str, Any]) -> str:
    """Tables and arrays of tables of the first-boot file, as TOML (comments are not kept)."""
    out: list[str] = []
    for name, value in data.items():
        if isinstance(value, list):
            for item in value:
                out.append(f"[[{_key(name)}]]")
                out += [f"{_key(k)} = {_toml_value(v)}" for k, v in item.items()]
                out.append("")
        else:
            out.append(f"[{_key(name)}]")
            out += [f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()]
            out.append("")
    return "\n".join(out)


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))
