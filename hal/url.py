"""Device URLs: ``scheme://host:port/path?key=value`` chosen by scheme, the way pyserial's ``serial_for_url`` does.

Examples (DESIGN.md section 4): ``serial:///dev/serial/by-id/usb-Datalogic-if00?baud=9600``,
``hid:///dev/input/by-id/usb-Honeywell-event-kbd?layout=de``, ``hx711:?dout=5&sck=6``,
``escpos+tcp://192.168.1.50:9100``, ``gpio:?red=17&amber=27&green=22``, ``sim:`` and ``sim:hid?layout=de``.
For ``sim:`` the path names which simulator of the family to start (empty: the family's default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from hal.errors import BadDeviceURL


@dataclass(frozen=True)
class DeviceURL:
    raw: str
    scheme: str
    host: str | None = None
    port: int | None = None
    path: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @property
    def is_sim(self) -> bool:
        return self.scheme == "sim"

    def text(self, key: str, default: str | None = None) -> str | None:
        return self.params.get(key, default)

    def number(self, key: str, default: float | None = None, *, lo: float | None = None,
               hi: float | None = None) -> float | None:
        """A numeric parameter, checked against its range; the error names the URL and the key."""
        value = self.params.get(key)
        if value is None:
            return default
        try:
            n = float(value)
        except ValueError:
            raise BadDeviceURL(f"{self.raw}: {key}={value!r} is not a number") from None
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            raise BadDeviceURL(f"{self.raw}: {key}={value} is outside {lo}..{hi}")
        return n

    def integer(self, key: str, default: int | None = None, *, lo: int | None = None,
                hi: int | None = None) -> int | None:
        n = self.number(key, None if default is None else float(default), lo=lo, hi=hi)
        if n is None:
            return None
        if n != int(n):
            raise BadDeviceURL(f"{self.raw}: {key}={self.params.get(key)} must be a whole number")
        return int(n)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.params.get(key)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise BadDeviceURL(f"{self.raw}: {key}={value!r} must be true or false")

    def require_path(self, what: str) -> str:
        if not self.path:
            raise BadDeviceURL(f"{self.raw}: no device path; give {what}")
        return self.path


def parse(url: str | DeviceURL) -> DeviceURL:
    if isinstance(url, DeviceURL):
        return url
    if not isinstance(url, str) or ":" not in url:
        raise BadDeviceURL(f"{url!r} is not a device URL (examples: 'sim:', 'serial:///dev/serial/by-id/...')")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme:
        raise BadDeviceURL(f"{url!r} has no scheme")
    try:
        port = parts.port
    except ValueError:
        raise BadDeviceURL(f"{url!r}: the port is not a number between 0 and 65535") from None
    params: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in params:
            raise BadDeviceURL(f"{url!r}: parameter {key!r} appears twice")
        params[key] = value
    return DeviceURL(raw=url, scheme=scheme, host=parts.hostname, port=port, path=unquote(parts.path),
                     params=params)
