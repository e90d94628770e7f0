"""The lane's configuration: one TOML file (``config/lane.toml`` in the demo, ``/etc/kiosk/kiosk.toml`` on a lane).

Relative paths in the file are relative to the file's own directory, so a config and its catalog travel together.
Every value is checked when the file is read; a broken config stops the lane at start with a message that names
the file, the key and what is wrong, instead of failing later in the middle of a sale.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hal.errors import BadDeviceURL
from hal.url import parse as parse_device_url
from kiosk.assist.protocol import valid_name
from kiosk.domain.barcodes import GERMAN_LAYOUTS, BarcodeError, InstoreLayout, parse_layouts
from kiosk.lane.settings import ROLE_ORDER, Settings

DEFAULT_PATHS = ("/etc/kiosk/kiosk.toml",)
REPO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "lane.toml"

#: ``produce`` is the optional produce scale of the look-up screen (a scale URL, like ``scale``).
DEVICE_FAMILIES = ("scanner", "scale", "printer", "payment", "camera", "light", "produce")


class ConfigError(ValueError):
    """The lane's configuration is missing or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Attendant:
    id: str
    name: str
    role: str
    pin_hash: str | None = None
    badge: str | None = None


@dataclass(frozen=True)
class Store:
    name: str = "Demo-Markt"
    address: str = ""
    vat_id: str = ""
    store_id: str = "demo"
    ereceipt_url: str = ""     # base address of the e-receipt service; its QR code goes on the receipt


@dataclass(frozen=True)
class SpeechConfig:
    """The ``[speech]`` section: how the lane reads aloud once a shopper switches speech on (kiosk/speech.py)."""

    enabled: bool = True       # false: the lane never speaks, whatever the shopper chooses
    device: str = ""           # ALSA/PulseAudio device for espeak-ng -d; empty: the default (the headphone socket)
    rate: int = 160            # words per minute (espeak-ng -s, 80..450)
    amplitude: int = 100       # volume (espeak-ng -a, 0..200)
    voices: dict[str, str] = field(default_factory=lambda: {"de": "de", "en": "en", "nl": "nl"})


@dataclass(frozen=True)
class AssistConfig:
    """The ``[assist]`` section: how the lane reaches attendants' consoles (kiosk/assist/, README "Remote assist").

    ``bus = "embedded"``: the lane serves its own console on ``console`` (nothing to install, the demo's way);
    ``"mqtt://host:1883"`` or ``"mqtts://host:8883"``: the store's broker, with this lane's broker user, the store CA
    and the store's command key (files made by ``kiosk store init``); ``"off"``: alerts only at the lane.
    ``kiosk console`` reads the same section (its ``console`` address, TLS certificate and key).
    """

    bus: str = "embedded"
    console: str = "127.0.0.1:8765"   # host:port the console listens on ("" for none)
    username: str = ""                # the broker user (a lane's is its lane id)
    password_file: Path | None = None
    ca_file: Path | None = None       # the store CA: verifies the broker (mqtts)
    cert_file: Path | None = None     # the console's TLS certificate and key: https when both are set
    key_file: Path | None = None
    command_key_file: Path | None = None   # the store's command-signing key (consoles sign, lanes check)

    @property
    def embedded(self) -> bool:
        return self.bus == "embedded"

    @property
    def mqtt(self) -> bool:
        return self.bus.startswith(("mqtt://", "mqtts://"))


@dataclass(frozen=True)
class DisplayConfig:
    """The ``[display]`` section: how big the panel's pixels are, which sets the size of every touch target (15 mm,
    kiosk/ui/theme.py). ``diagonal_in`` (the panel's diagonal in inches) or ``px_per_mm`` (its density), not both;
    neither: the lane's panel of the screen's resolution (7" at 1024x600, 10.1" at 1280x800, 15.6" at 1920x1080).
    """

    diagonal_in: float | None = None
    px_per_mm: float | None = None


@dataclass(frozen=True)
class LaneConfig:
    path: Path | None
    lane_id: str = "lane-1"
    store: Store = field(default_factory=Store)
    data_dir: Path = Path("var/lane")
    catalog_db: Path = Path("var/lane/catalog.db")
    catalog_seed: Path | None = None
    devices: dict[str, str] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    layouts: tuple[InstoreLayout, ...] = GERMAN_LAYOUTS
    attendants: tuple[Attendant, ...] = ()
    badge_prefix: str = "ATT-"
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    assist: AssistConfig = field(default_factory=AssistConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.db"

    @property
    def weights_path(self) -> Path:
        """The learned item weights (kiosk/weights.py): on the data partition, kept across image updates."""
        return self.data_dir / "weights.db"

    @property
    def stills_dir(self) -> Path:
        return self.data_dir / "stills"


def find_config(explicit: str | os.PathLike | None = None) -> Path:
    """The config to use: ``--config``, then ``$KIOSK_CONFIG``, then /etc/kiosk, then the repository's demo config."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env)
    for p in DEFAULT_PATHS:
        if Path(p).exists():
            return Path(p)
    return REPO_CONFIG


def load(path: str | os.PathLike) -> LaneConfig:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (give one with --config or KIOSK_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse(raw, path)


def parse(raw: dict[str, Any], path: Path | None = None) -> LaneConfig:
    where = str(path) if path else "<config>"
    base = path.parent if path else Path.cwd()

    def err(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {msg}")

    def table(name: str) -> dict[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise err(name, "must be a table ([%s])" % name)
        return value

    def text(tbl: dict, name: str, key: str, default: str | None = None) -> str | None:
        value = tbl.get(key, default)
        if value is not None and not isinstance(value, str):
            raise err(f"{name}.{key}", f"must be a string, not {value!r}")
        return value

    known = {"lane", "store", "catalog", "devices", "rules", "instore", "attendants", "speech", "assist", "display"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise err(unknown[0], f"unknown section (known: {', '.join(sorted(known))})")

    lane = table("lane")
    lane_id = text(lane, "lane", "id", "lane-1") or ""
    if not valid_name(lane_id):
        raise err("lane.id", f"{lane_id!r} must be letters, digits, '-', '_' or '.', starting with a letter or digit")
    data_dir = _path(base, text(lane, "lane", "data_dir", "../var/lane") or "")
    lang = text(lane, "lane", "lang", "de")

    st = table("store")
    store = Store(name=text(st, "store", "name", Store.name) or "", address=text(st, "store", "address", "") or "",
                  vat_id=text(st, "store", "vat_id", "") or "", store_id=text(st, "store", "id", "demo") or "demo",
                  ereceipt_url=text(st, "store", "ereceipt_url", "") or "")

    cat = table("catalog")
    catalog_db = _path(data_dir, text(cat, "catalog", "db", "catalog.db") or "catalog.db")
    seed = text(cat, "catalog", "seed")
    catalog_seed = _path(base, seed) if seed else None

    devices = table("devices")
    for fam, url in devices.items():
        if fam not in DEVICE_FAMILIES:
            raise err(f"devices.{fam}", f"unknown device family (known: {', '.join(DEVICE_FAMILIES)})")
        if not isinstance(url, str) or ":" not in url:
            raise err(f"devices.{fam}", f"{url!r} is not a device URL such as 'sim:' or 'serial:///dev/...'")
        try:
            parse_device_url(url)
        except BadDeviceURL as exc:
            raise err(f"devices.{fam}", str(exc)) from None

    rules = table("rules")
    settings_fields = {f.name: f for f in dataclasses.fields(Settings)}
    kwargs: dict[str, Any] = {"default_lang": lang}
    for key, value in rules.items():
        f = settings_fields.get(key)
        if f is None or key == "role_commands":
            raise err(f"rules.{key}", "unknown rule")
        default = getattr(Settings(), key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise err(f"rules.{key}", "must be true or false")
        elif isinstance(default, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise err(f"rules.{key}", f"must be a non-negative number, not {value!r}")
            value = type(default)(value)
        elif isinstance(default, str) and not isinstance(value, str):
            raise err(f"rules.{key}", "must be a string")
        kwargs[key] = value
    if kwargs.get("default_lang") not in ("de", "en", "nl"):
        raise err("lane.lang", "must be de, en or nl")
    if kwargs.get("weight_model", "learned") not in ("learned", "catalog"):
        raise err("rules.weight_model", "must be learned or catalog")
    for key in ("tolerance_sigma", "max_n", "prior_n", "confirmed_weight"):
        if key in kwargs and kwargs[key] <= 0:
            raise err(f"rules.{key}", "must be greater than 0")
    if kwargs.get("receipt_default", "paper") not in ("paper", "ereceipt", "none"):
        raise err("rules.receipt_default", "must be paper, ereceipt or none")
    settings = Settings(**kwargs)

    layouts = GERMAN_LAYOUTS
    if "instore" in raw:
        entries = raw["instore"]
        if not isinstance(entries, list):
            raise err("instore", "must be an array of tables ([[instore]])")
        try:
            layouts = parse_layouts(entries)
        except BarcodeError as exc:
            raise err("instore", str(exc)) from None

    attendants = []
    seen: set[str] = set()
    entries = raw.get("attendants", [])
    if not isinstance(entries, list):
        raise err("attendants", "must be an array of tables ([[attendants]])")
    for n, a in enumerate(entries, start=1):
        key = f"attendants[{n}]"
        if not isinstance(a, dict):
            raise err(key, "must be a table")
        aid = text(a, key, "id")
        if not aid:
            raise err(f"{key}.id", "missing")
        if aid in seen:
            raise err(f"{key}.id", f"{aid!r} appears twice")
        seen.add(aid)
        role = text(a, key, "role", "attendant")
        if role not in ROLE_ORDER:
            raise err(f"{key}.role", f"{role!r} is not one of {', '.join(ROLE_ORDER)}")
        pin_hash = text(a, key, "pin_hash")
        if pin_hash is not None and not pin_hash.startswith("scrypt$"):
            raise err(f"{key}.pin_hash", "must be a hash made by `kiosk attendant hash-pin` (never a plain PIN)")
        if "pin" in a:
            raise err(f"{key}.pin", "plain PINs are not accepted; store pin_hash from `kiosk attendant hash-pin`")
        attendants.append(Attendant(aid, text(a, key, "name", aid) or aid, role or "attendant", pin_hash,
                                    text(a, key, "badge")))
    badge_prefix = text(lane, "lane", "badge_prefix", "ATT-") or "ATT-"
    speech = _speech(table("speech"), err)
    assist = _assist(table("assist"), base, err)
    display = _display(table("display"), err)
    if assist.bus != "off" and not valid_name(store.store_id):
        raise err("store.id", f"{store.store_id!r} must be letters, digits, '-', '_' or '.' (it is part of the "
                              "assist channel's topics)")

    return LaneConfig(path=path, lane_id=lane_id, store=store, data_dir=data_dir, catalog_db=catalog_db,
                      catalog_seed=catalog_seed, devices={k: str(v) for k, v in devices.items()}, settings=settings,
                      layouts=layouts, attendants=tuple(attendants), badge_prefix=badge_prefix,
                      speech=speech, assist=assist, display=display)


def _assist(tbl: dict[str, Any], base: Path, err: Callable[[str, str], ConfigError]) -> AssistConfig:
    """The ``[assist]`` section, every value checked."""
    names = {f.name for f in dataclasses.fields(AssistConfig)}
    unknown = sorted(set(tbl) - names)
    if unknown:
        raise err(f"assist.{unknown[0]}", f"unknown setting (known: {', '.join(sorted(names))})")
    for key, value in tbl.items():
        if not isinstance(value, str):
            raise err(f"assist.{key}", f"must be a string, not {value!r}")
    bus = tbl.get("bus", AssistConfig.bus)
    if bus not in ("embedded", "off") and not bus.startswith(("mqtt://", "mqtts://")):
        raise err("assist.bus", f"{bus!r}: expected \"embedded\", \"off\", \"mqtt://host:port\" or "
                                "\"mqtts://host:port\"")
    console = tbl.get("console", AssistConfig.console)
    if console:
        host, sep, port = console.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise err("assist.console", f"{console!r}: expected host:port such as \"127.0.0.1:8765\"")
    files = {k: _path(base, tbl[k]) if tbl.get(k) else None
             for k in ("password_file", "ca_file", "cert_file", "key_file", "command_key_file")}
    if bool(files["cert_file"]) != bool(files["key_file"]):
        raise err("assist.cert_file", "the console's TLS needs both cert_file and key_file")
    if bus.startswith(("mqtt://", "mqtts://")) and files["command_key_file"] is None:
        raise err("assist.command_key_file", "a lane on the store's broker needs the store's command key "
                                             "(made by `kiosk store init`)")
    if bus.startswith("mqtts://") and files["ca_file"] is None:
        raise err("assist.ca_file", "mqtts:// needs the store CA to check the broker (made by `kiosk store init`)")
    return AssistConfig(bus=bus, console=console, username=tbl.get("username", ""), **files)


def _display(tbl: dict[str, Any], err: Callable[[str, str], ConfigError]) -> DisplayConfig:
    """The ``[display]`` section, every value checked."""
    limits = {"diagonal_in": (3.0, 100.0, "inches, such as 7 or 10.1"), "px_per_mm": (1.0, 40.0, "such as 6.7")}
    unknown = sorted(set(tbl) - set(limits))
    if unknown:
        raise err(f"display.{unknown[0]}", "unknown setting (known: diagonal_in, px_per_mm)")
    if len(tbl) > 1:
        raise err("display", "set diagonal_in or px_per_mm, not both")
    for key, value in tbl.items():
        low, high, example = limits[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise err(f"display.{key}", f"must be a number from {low:g} to {high:g} ({example}), not {value!r}")
    return DisplayConfig(**{key: float(value) for key, value in tbl.items()})


def _speech(tbl: dict[str, Any], err: Callable[[str, str], ConfigError]) -> SpeechConfig:
    """The ``[speech]`` section, every value checked."""
    default = SpeechConfig()
    unknown = sorted(set(tbl) - {f.name for f in dataclasses.fields(SpeechConfig)})
    if unknown:
        raise err(f"speech.{unknown[0]}", "unknown setting (known: enabled, device, rate, amplitude, voices)")
    enabled = tbl.get("enabled", default.enabled)
    if not isinstance(enabled, bool):
        raise err("speech.enabled", "must be true or false")
    device = tbl.get("device", default.device)
    if not isinstance(device, str):
        raise err("speech.device", f"must be a string such as \"default\" or \"plughw:0,0\", not {device!r}")
    numbers = {}
    for key, low, high in (("rate", 80, 450), ("amplitude", 0, 200)):
        value = tbl.get(key, getattr(default, key))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise err(f"speech.{key}", f"must be a whole number from {low} to {high}, not {value!r}")
        numbers[key] = value
    voices = dict(default.voices)
    given = tbl.get("voices", {})
    if not isinstance(given, dict):
        raise err("speech.voices", "must be a table such as { de = \"de\", en = \"en-us\" }")
    for lang, voice in given.items():
        if lang not in ("de", "en", "nl"):
            raise err(f"speech.voices.{lang}", "the lane speaks de, en and nl")
        if not isinstance(voice, str) or not voice or voice.startswith("-"):
            raise err(f"speech.voices.{lang}", f"must be an espeak-ng voice name such as \"de\", not {voice!r}")
        voices[lang] = voice
    return SpeechConfig(enabled=enabled, device=device, rate=numbers["rate"], amplitude=numbers["amplitude"],
                        voices=voices)


def _path(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p).resolve()
