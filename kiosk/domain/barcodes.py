"""Turning what a scanner sent into what the lane sells: the one place that knows barcode formats.

The shell calls :func:`classify` once per scan and journals the result (see ``codes.py``). Plain EAN/UPC and the
German in-store codes (prefix 20-29) are the common case and are decoded here by hand, in a few microseconds; GS1
element strings (GS1-128, DataBar, GS1 DataMatrix/QR) and GS1 Digital Link URIs are rare and intricate, so they go to
``biip``. In-store layouts differ between countries and even between stores, so they are data
(:class:`InstoreLayout`, read from the store configuration with :func:`parse_layouts`); :data:`GERMAN_LAYOUTS` is the
default. Nothing here raises on scanner input: bad scans come back as :class:`~kiosk.domain.codes.ScanRejected` with
a stable ``reason`` key. Only programming and configuration mistakes raise :class:`BarcodeError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message

from kiosk.domain.codes import GtinCode, InstoreCode, OtherCode, ScanCode, ScanRejected, VoucherCode

__all__ = [
    "BarcodeError",
    "GERMAN_LAYOUTS",
    "GS1_AIMS",
    "InstoreLayout",
    "LAYOUT_KINDS",
    "MAX_SCAN_LENGTH",
    "classify",
    "expand_upce",
    "gtin_check_digit",
    "is_valid_gtin",
    "normalize_gtin",
    "parse_layouts",
    "price_check_digit_4",
    "price_check_digit_5",
    "split_aim",
]


class BarcodeError(ValueError):
    """A number or an in-store layout given by a program or a configuration is not valid; the message says why."""


# A scan longer than this is a stuck key or a scanner sending a file, not a code: the largest GS1 DataMatrix
# holds about 2300 characters, but nothing a shop sells carries more than a few hundred.
MAX_SCAN_LENGTH = 1024

GTIN_LENGTHS = (8, 12, 13, 14)
_GTIN_NAMES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}

# AIM identifiers whose data is a GS1 element string (FNC1 in first position), PROTOCOLS.md 1.3.
GS1_AIMS = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})

# Symbology letters that can carry a bare GTIN: EAN/UPC, ITF(-14), and "other" (scanners use ]X0 when they have no
# identifier for a symbology). Digits read from a Code 128, Code 39 or plain QR are someone's own number (a badge, a
# loyalty card), and reading them as a GTIN would turn a harmless unknown code into a false check-digit rejection.
_GTIN_AIM_LETTERS = frozenset("EIX")

# GS (0x1D) is the GS1 field separator and may legitimately appear inside the data; every other C0 control and DEL
# means the scanner or the keyboard wedge is misconfigured.
_CONTROL = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")
_URL = re.compile(r"https?://", re.IGNORECASE)
_DL_GTIN_PATH = re.compile(r"/01/(?:\d{8}|\d{12,14})(?:/|$)")
_DIGITS = frozenset("0123456789")
_STRIP = " \r\n"


# --- check digits ---------------------------------------------------------------------------------------------------

def _require_digits(value: str, what: str) -> None:
    if not isinstance(value, str) or not value or not (value.isascii() and value.isdigit()):
        raise BarcodeError(f"{what} must be a string of digits 0-9, got {value!r}")


def _check_digit(payload: str) -> int:
    # Unchecked core for the hot path. Summing the ASCII bytes and removing 48 ('0') per digit avoids a Python-level
    # loop; weight 3 falls on the rightmost payload digit and every second one to its left.
    b = payload.encode("ascii")
    threes = b[::-2]
    ones = b[-2::-2]
    total = 3 * (sum(threes) - 48 * len(threes)) + sum(ones) - 48 * len(ones)
    return -total % 10


def gtin_check_digit(payload: str) -> int:
    """The GS1 check digit for ``payload`` (a GTIN, SSCC or GLN without its last digit), PROTOCOLS.md 1.4."""
    _require_digits(payload, "a GTIN payload")
    return _check_digit(payload)


def is_valid_gtin(code: str) -> bool:
    """True if ``code`` is 8, 12, 13 or 14 digits whose last digit is the right GTIN check digit."""
    return (
        isinstance(code, str)
        and len(code) in GTIN_LENGTHS
        and code.isascii()
        and code.isdigit()
        and _check_digit(code[:-1]) == ord(code[-1]) - 48
    )


def normalize_gtin(code: str) -> str:
    """``code`` as the 14-digit GTIN the catalog is keyed by; raises :class:`BarcodeError` if it is not a GTIN."""
    if not isinstance(code, str):
        raise BarcodeError(f"a GTIN must be a string, got {code!r}")
    if not (code.isascii() and code.isdigit()):
        raise BarcodeError(f"not a GTIN: {code!r} contains characters other than digits")
    if len(code) not in GTIN_LENGTHS:
        raise BarcodeError(f"not a GTIN: {code!r} has {len(code)} digits; a GTIN has 8, 12, 13 or 14")
    expected = _check_digit(code[:-1])
    if expected != ord(code[-1]) - 48:
        raise BarcodeError(f"not a GTIN: {_GTIN_NAMES[len(code)]} {code} should end in check digit {expected}, "
                           f"not {code[-1]}")
    return code.zfill(14)


def expand_upce(code: str) -> str:
    """The 12-digit UPC-A that the 8-digit UPC-E ``code`` (number system, 6 digits, check digit) stands for.

    UPC-E is UPC-A with zeros suppressed; the last of the six digits says where they were (GS1 General
    Specifications, UPC-E). The check digit is that of the UPC-A, so it is verified after expanding.
    """
    _require_digits(code, "a UPC-E code")
    if len(code) != 8:
        raise BarcodeError(f"a UPC-E code has 8 digits (number system, 6 digits, check digit), got {len(code)}: "
                           f"{code!r}")
    if code[0] not in "01":
        raise BarcodeError(f"UPC-E {code}: the number system digit must be 0 or 1, got {code[0]}")
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    upca = ns + body + check
    expected = _check_digit(upca[:-1])
    if expected != ord(check) - 48:
        raise BarcodeError(f"UPC-E {code} (UPC-A {upca}) should end in check digit {expected}, not {check}")
    return upca


# Transformed values of the price/weight check digit (GS1 General Specifications 7.9.3), indexed by digit.
_W2_MINUS = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_W3 = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)
_W5_PLUS = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)
_W5_MINUS = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)
_W5_MINUS_INVERSE = tuple(_W5_MINUS.index(r) for r in range(10))


def _price_check_4(v: bytes) -> int:
    s = _W2_MINUS[v[0] - 48] + _W2_MINUS[v[1] - 48] + _W3[v[2] - 48] + _W5_MINUS[v[3] - 48]
    return 3 * s % 10


def _price_check_5(v: bytes) -> int:
    s = (_W5_PLUS[v[0] - 48] + _W2_MINUS[v[1] - 48] + _W5_MINUS[v[2] - 48] + _W5_PLUS[v[3] - 48]
         + _W2_MINUS[v[4] - 48])
    return _W5_MINUS_INVERSE[-s % 10]


def price_check_digit_4(value4: str) -> int:
    """The check digit over a 4-digit price or weight (``"1234"`` gives 9), PROTOCOLS.md 1.5."""
    _require_digits(value4, "a 4-digit price/weight")
    if len(value4) != 4:
        raise BarcodeError(f"a 4-digit price/weight must have 4 digits, got {value4!r}")
    return _price_check_4(value4.encode("ascii"))


def price_check_digit_5(value5: str) -> int:
    """The check digit over a 5-digit price or weight (``"00199"`` gives 2), PROTOCOLS.md 1.5."""
    _require_digits(value5, "a 5-digit price/weight")
    if len(value5) != 5:
        raise BarcodeError(f"a 5-digit price/weight must have 5 digits, got {value5!r}")
    return _price_check_5(value5.encode("ascii"))


# --- AIM identifiers ------------------------------------------------------------------------------------------------

def split_aim(raw: str) -> tuple[str | None, str]:
    """Split a leading AIM symbology identifier (``]`` + code letter + modifier) off ``raw``.

    Anything else starting with ``]`` is left in the data: it may be the code's own content, and the caller then
    sees it unchanged rather than mysteriously shortened.
    """
    if len(raw) >= 3 and raw[0] == "]" and raw[1].isascii() and raw[1].isalpha() and raw[2].isascii() \
            and raw[2].isalnum():
        return raw[:3], raw[3:]
    return None, raw


# --- in-store layouts -----------------------------------------------------------------------------------------------

LAYOUT_KINDS = ("price", "weight", "count", "article", "voucher")
_TEMPLATE_LETTERS = frozenset("AKVSXC")
# Restricted-circulation numbers exist as EAN-8 and EAN-13 (and UPC-A in North America); GTIN-14 is not one.
_TEMPLATE_LENGTHS = (8, 12, 13)


def _group(template: str, letter: str) -> tuple[int, int] | None:
    start = template.find(letter)
    if start < 0:
        return None
    end = template.rfind(letter) + 1
    if template[start:end] != letter * (end - start):
        raise BarcodeError(f"template {template!r}: the {letter} digits must be one unbroken group")
    return start, end


@dataclass(frozen=True)
class InstoreLayout:
    """One in-store code layout: which prefix it claims and where article, value and check digits sit.

    ``template`` has one character per digit of the code: literal digits at the start are the prefix a code must
    have; ``A`` article digits; ``V`` value digits (in the smallest unit: cents, grams or pieces); ``K`` the
    price/weight check digit over the ``V`` digits (4- or 5-digit algorithm by how many ``V`` there are); ``S``
    voucher serial digits; ``X`` a digit that is ignored; ``C`` the EAN check digit, always last. ``kind`` says what
    the value means: "price" (cents), "weight" (grams), "count" (pieces), "article" (no value: an in-store article
    number) or "voucher" (a bottle-return voucher: ``S`` serial and ``V`` value in cents). A 13-digit layout also
    matches a GTIN-14 that is the same code with a leading 0, and a 12-digit one an EAN-13 starting with 0, because
    they are the same number. Constructing an invalid layout raises :class:`BarcodeError`.
    """

    template: str
    kind: str
    prefix: str = field(init=False, repr=False, compare=False)
    _match: str = field(init=False, repr=False, compare=False)
    _article: tuple[int, int] | None = field(init=False, repr=False, compare=False)
    _value: tuple[int, int] | None = field(init=False, repr=False, compare=False)
    _serial: tuple[int, int] | None = field(init=False, repr=False, compare=False)
    _k: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        t, kind = self.template, self.kind
        if not isinstance(t, str):
            raise BarcodeError(f"template must be a string, got {t!r}")
        if not isinstance(kind, str) or kind not in LAYOUT_KINDS:
            raise BarcodeError(f"kind must be one of {', '.join(LAYOUT_KINDS)}; got {kind!r}")
        if len(t) not in _TEMPLATE_LENGTHS:
            raise BarcodeError(f"template {t!r} has {len(t)} characters; an in-store code has 13 "
                               f"(EAN-13), 12 (UPC-A) or 8 (EAN-8)")
        unknown = sorted({ch for ch in t if ch not in _TEMPLATE_LETTERS and ch not in _DIGITS})
        if unknown:
            raise BarcodeError(f"template {t!r} contains {', '.join(map(repr, unknown))}; allowed are digits and "
                               f"A (article), K (value check), V (value), S (serial), X (ignored), C (check digit)")
        prefix = t[:len(t) - len(t.lstrip("0123456789"))]
        if not prefix:
            raise BarcodeError(f"template {t!r} must start with at least one literal digit (the prefix it claims); "
                               f"without one it would swallow every GTIN")
        if any(ch in _DIGITS for ch in t[len(prefix):]):
            raise BarcodeError(f"template {t!r}: literal digits are only allowed at the start, as the prefix")
        if t[-1] != "C" or t.count("C") != 1:
            raise BarcodeError(f"template {t!r} must end in exactly one C (the EAN check digit) and have no other C")
        article = _group(t, "A")
        value = _group(t, "V")
        serial = _group(t, "S")
        n_value = 0 if value is None else value[1] - value[0]
        n_k = t.count("K")
        if n_k > 1:
            raise BarcodeError(f"template {t!r} has {n_k} K digits; a value has one check digit")
        if n_k and value is None:
            raise BarcodeError(f"template {t!r} has a K (value check digit) but no V (value) digits to check")
        if n_k and n_value not in (4, 5):
            raise BarcodeError(f"template {t!r}: a K check digit exists only for 4 or 5 value digits, "
                               f"not {n_value}")
        if kind == "voucher":
            if serial is None or value is None:
                raise BarcodeError(f"template {t!r}: a voucher needs S (serial) and V (value) digits")
            if article is not None:
                raise BarcodeError(f"template {t!r}: a voucher has no article digits; mark unused digits X")
        else:
            if serial is not None:
                raise BarcodeError(f"template {t!r}: S (serial) digits belong to vouchers only, not to {kind!r}")
            if article is None:
                raise BarcodeError(f"template {t!r}: a {kind!r} code needs A (article) digits")
            if kind == "article" and value is not None:
                raise BarcodeError(f"template {t!r}: an 'article' code carries no value; use kind price, weight or "
                                   f"count, or mark the digits X")
            if kind != "article" and value is None:
                raise BarcodeError(f"template {t!r}: a {kind!r} code needs V (value) digits")
        set_ = object.__setattr__  # frozen: the derived fields are filled once, here
        set_(self, "prefix", prefix)
        set_(self, "_match", "0" * (14 - len(t)) + prefix)
        set_(self, "_article", article)
        set_(self, "_value", value)
        set_(self, "_serial", serial)
        set_(self, "_k", t.find("K"))

    def _decode(self, code: str) -> InstoreCode | VoucherCode | ScanRejected:
        # ``code`` has the template's length and prefix and a verified EAN check digit (classify did both).
        value = None
        if self._value is not None:
            v0, v1 = self._value
            digits = code[v0:v1]
            if self._k >= 0:
                b = digits.encode("ascii")
                expected = _price_check_5(b) if len(b) == 5 else _price_check_4(b)
                got = ord(code[self._k]) - 48
                if expected != got:
                    return ScanRejected(
                        "price_check",
                        f"in-store code {code}: the price/weight check digit (position {self._k + 1}) should be "
                        f"{expected} for the value {digits}, but it is {got}; the label is misprinted or was "
                        f"tampered with",
                    )
            value = int(digits)
        if self.kind == "voucher":
            s0, s1 = self._serial  # type: ignore[misc]  # a voucher layout always has S (checked on construction)
            return VoucherCode(code=code, serial=code[s0:s1], value_cents=value)  # type: ignore[arg-type]
        a0, a1 = self._article  # type: ignore[misc]  # non-voucher layouts always have A
        return InstoreCode(code=code, article=code[a0:a1], kind=self.kind, value=value)


def parse_layouts(entries: list[dict]) -> tuple[InstoreLayout, ...]:
    """Read the store's in-store layouts from configuration, in order: the first layout whose prefix fits wins.

    Each entry is ``{"template": "22AAAAKVVVVVC", "kind": "price"}`` (a ``"comment"`` key is allowed). A
    :class:`BarcodeError` names the entry (counting from 1) and what is wrong with it, including a layout that can
    never match because an earlier one already claims all its codes.
    """
    if not isinstance(entries, (list, tuple)):
        raise BarcodeError(f"in-store layouts must be a list of entries, got {type(entries).__name__}")
    layouts: list[InstoreLayout] = []
    for number, entry in enumerate(entries, start=1):
        where = f"in-store layout entry {number} ({entry!r})"
        if not isinstance(entry, dict):
            raise BarcodeError(f"{where}: expected a table with 'template' and 'kind'")
        missing = [key for key in ("template", "kind") if key not in entry]
        if missing:
            raise BarcodeError(f"{where}: missing {' and '.join(repr(key) for key in missing)}")
        extra = sorted(str(key) for key in entry if key not in ("template", "kind", "comment"))
        if extra:
            raise BarcodeError(f"{where}: unknown key(s) {', '.join(map(repr, extra))}; allowed are 'template', "
                               f"'kind' and 'comment'")
        try:
            layout = InstoreLayout(template=entry["template"], kind=entry["kind"])
        except BarcodeError as exc:
            raise BarcodeError(f"{where}: {exc}") from None
        for earlier_number, earlier in enumerate(layouts, start=1):
            if len(earlier.template) == len(layout.template) and layout.prefix.startswith(earlier.prefix):
                raise BarcodeError(f"{where}: can never match, because entry {earlier_number} "
                                   f"({earlier.template!r}) comes first and claims every code with prefix "
                                   f"{earlier.prefix}; put the more specific layout first")
        layouts.append(layout)
    return tuple(layouts)


# German restricted-circulation numbers, PROTOCOLS.md 1.5 (GS1 Germany via biip's rcn.py and the snabble SDK).
# The measure layouts come first; the catch-all for 20, 21, 24 and 27 (no measure) comes after them so that it only
# gets what they leave. Its article is the 11 digits after the "2", so that 20... and 21... numbers stay distinct.
# 980 is GS1's prefix for refund receipts; reverse vending machines print 980 + 5-digit serial + 4-digit value in
# cents + check digit. Stores whose machines print something else put their own layout in the configuration.
GERMAN_LAYOUTS: tuple[InstoreLayout, ...] = parse_layouts([
    {"template": "22AAAAKVVVVVC", "kind": "price"},
    {"template": "23AAAAKVVVVVC", "kind": "price"},
    {"template": "25AAAAKVVVVVC", "kind": "count"},
    {"template": "26AAAAKVVVVVC", "kind": "count"},
    {"template": "28AAAAKVVVVVC", "kind": "weight"},
    {"template": "29AAAAKVVVVVC", "kind": "weight"},
    {"template": "2AAAAAAAAAAAC", "kind": "article"},
    {"template": "980SSSSSVVVVC", "kind": "voucher"},
])


# --- classification -------------------------------------------------------------------------------------------------

def _reject(reason: str, message: str) -> ScanRejected:
    return ScanRejected(reason=reason, message=message)


def _classify_digits(data: str, aim: str | None, layouts: tuple[InstoreLayout, ...]) -> ScanCode | ScanRejected:
    # The hot path: every EAN on every item goes through here, so it stays free of biip and of allocations beyond a
    # few slices.
    n = len(data)
    if n not in GTIN_LENGTHS or (aim is not None and aim[1:2] not in _GTIN_AIM_LETTERS):
        return OtherCode(data=data, symbology=aim)
    if n == 8 and aim == "]E0" and data[0] in "01":
        # ]E0 never carries an EAN-8 (that is ]E4), so 8 digits under ]E0 are a UPC-E from a scanner set to send it
        # unexpanded.
        try:
            data = expand_upce(data)
        except BarcodeError as exc:
            return _reject("check_digit", str(exc))
        n = 12
    expected = _check_digit(data[:-1])
    if expected != ord(data[-1]) - 48:
        return _reject("check_digit", f"{_GTIN_NAMES[n]} {data}: the check digit should be {expected}, but it is "
                                      f"{data[-1]}; a misread or a misprinted label")
    gtin = "0" * (14 - n) + data
    for layout in layouts:
        if gtin.startswith(layout._match):
            return layout._decode(gtin[14 - len(layout.template):])
    return GtinCode(gtin=gtin, symbology=aim)


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _from_element_strings(element_strings: GS1ElementStrings, data: str, aim: str | None) -> ScanCode | ScanRejected:
    gtin = None
    fields: dict[str, object] = {}
    for es in element_strings:
        ai = es.ai.ai
        if ai == "01":
            if es.gtin is None:
                # biip keeps a wrong GTIN check digit as an error on the element instead of failing the message.
                return _reject("check_digit", f"GS1 code {data!r}: {es.gtin_error or 'the GTIN is not valid'}")
            gtin = es.gtin.value.zfill(14)
        elif ai.startswith("310") and es.decimal is not None:
            fields["weight_g"] = _round_half_up(es.decimal * 1000)
        elif ai.startswith("392") and es.decimal is not None:
            fields["price_cents"] = _round_half_up(es.decimal * 100)
        elif ai == "30":
            if not es.value:
                return _reject("not_a_code", f"GS1 code {data!r}: the count (AI 30) is empty")
            fields["count"] = int(es.value)
        elif ai == "10":
            fields["lot"] = es.value
        elif ai == "21":
            fields["serial"] = es.value
        elif ai == "15" and es.date is not None:
            fields["best_before"] = es.date.isoformat()
        elif ai == "17" and es.date is not None:
            fields["expiry"] = es.date.isoformat()
    if gtin is None:
        return OtherCode(data=data, symbology=aim)
    return GtinCode(gtin=gtin, symbology=aim, **fields)  # type: ignore[arg-type]


def _classify_element_string(data: str, aim: str | None, guessed: bool) -> ScanCode | ScanRejected:
    try:
        message = GS1Message.parse(data)
    except (ParseError, ValueError, ArithmeticError) as exc:
        if guessed:
            # Only the shape suggested GS1 (no AIM, no GS): it is more likely someone's own number than a broken
            # GS1 code.
            return OtherCode(data=data, symbology=aim)
        return _reject("not_a_code", f"not a valid GS1 element string {data!r}: {exc}")
    result = _from_element_strings(message.element_strings, data, aim)
    if guessed and isinstance(result, ScanRejected):
        return OtherCode(data=data, symbology=aim)
    return result


def _is_digital_link(data: str) -> bool:
    try:
        path = urlsplit(data).path
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return _DL_GTIN_PATH.search(path) is not None


def classify(
    raw: str,
    aim: str | None = None,
    layouts: tuple[InstoreLayout, ...] = GERMAN_LAYOUTS,
) -> ScanCode | ScanRejected:
    """What one scan is: a GTIN, an in-store code, a bottle-return voucher, some other code, or a rejection.

    ``raw`` is one line from the scanner (a trailing CR/LF is fine). ``aim`` is the AIM identifier if the driver
    already split it off; if None, a leading one is split off here. Never raises on any text: unusable input comes
    back as :class:`ScanRejected` with ``reason`` one of "empty", "too_long", "control_characters", "check_digit",
    "price_check" and "not_a_code".
    """
    data = raw.strip(_STRIP)
    if not data:
        return _reject("empty", "the scan contained no data (only spaces or a line end)")
    if len(data) > MAX_SCAN_LENGTH:
        return _reject("too_long", f"the scan has {len(data)} characters, more than the {MAX_SCAN_LENGTH} a code "
                                   f"may have; a stuck key, or a scanner in the wrong mode")
    if len(data) <= 14 and data.isdigit() and data.isascii() and aim not in GS1_AIMS:
        return _classify_digits(data, aim, layouts)

    bad = _CONTROL.search(data)
    if bad is not None:
        return _reject("control_characters",
                       f"control character 0x{ord(bad.group()):02X} at position {bad.start() + 1} of "
                       f"{len(data)}; check the scanner's prefix/suffix and keyboard settings")
    if aim is None:
        aim, data = split_aim(data)
        if not data:
            return _reject("empty", f"the scan contained only the symbology identifier {aim}")
    if not data.replace("\x1d", "").isprintable():
        ch = next(c for c in data if c != "\x1d" and not c.isprintable())
        return _reject("not_a_code", f"unprintable character U+{ord(ch):04X} at position {data.index(ch) + 1}; "
                                     f"not text from a barcode")

    if aim in GS1_AIMS or "\x1d" in data:
        return _classify_element_string(data, aim, guessed=False)
    if data.isdigit() and data.isascii():
        if aim is None and len(data) >= 16 and data.startswith("01"):
            # A GS1 DataBar or GS1-128 from a scanner that sends no AIM: "01" + GTIN-14, maybe more AIs.
            return _classify_element_string(data, aim, guessed=True)
        return _classify_digits(data, aim, layouts)
    if aim is None and len(data) > 16 and data.startswith("01") and data[2:16].isdigit() and data[2:16].isascii():
        return _classify_element_string(data, aim, guessed=True)
    if _URL.match(data) and _is_digital_link(data):
        try:
            link = GS1DigitalLinkURI.parse(data)
        except (ParseError, ValueError, ArithmeticError) as exc:
            return _reject("not_a_code", f"not a valid GS1 Digital Link {data!r}: {exc}")
        return _from_element_strings(link.element_strings, data, aim)
    return OtherCode(data=data, symbology=aim)
