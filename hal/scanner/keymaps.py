"""Keyboard layouts of HID wedge scanners, and the decoder that turns their key events back into text.

A keyboard-wedge scanner "types" each code on a virtual keyboard of its own configured country. Reading the raw
Linux key codes keeps the host's layout out of it, but then the codes must be decoded with the *scanner's* layout:
on a German scanner the key that says ``KEY_Y`` types ``z``, and Shift+7 types ``/`` rather than ``&``.

A :class:`Layout` is data: for each key code the character without modifier, with Shift and with AltGr, plus
which characters are dead keys (typed as the dead key and then Space). The German layout is the one German Windows
PCs use (``~`` is not a dead key there), which is what scanners emulate. :class:`KeyDecoder` follows Shift, Caps
Lock, AltGr, Ctrl and Alt as the keys go down and up, and returns what each key-down types. :meth:`Layout.strokes`
is the inverse, used by the simulator to type a code the way a scanner of that layout would.

Key codes are the kernel's (``linux/input-event-codes.h``; PROTOCOLS.md 1.8 lists the ones used here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Modifier and special keys (input-event-codes.h).
KEY_ENTER, KEY_KPENTER = 28, 96
KEY_LEFTCTRL, KEY_RIGHTCTRL = 29, 97
KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 42, 54
KEY_LEFTALT, KEY_RIGHTALT = 56, 100
KEY_LEFTMETA, KEY_RIGHTMETA = 125, 126
KEY_CAPSLOCK, KEY_NUMLOCK, KEY_SCROLLLOCK = 58, 69, 70
KEY_SPACE = 57
KEY_RIGHTBRACE = 27      # the key right of P; Ctrl on it is how wedge scanners send GS (0x1D, "Ctrl+]" on US)

MODIFIERS = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_LEFTALT, KEY_RIGHTALT,
                       KEY_LEFTMETA, KEY_RIGHTMETA})
LOCKS_IGNORED = frozenset({KEY_NUMLOCK, KEY_SCROLLLOCK})   # scanners sending keypad digits assume NumLock on

# Keypad keys type the same on every layout (NumLock on), except the decimal key (see Layout.keypad_decimal).
KEYPAD_DIGITS = {82: "0", 79: "1", 80: "2", 81: "3", 75: "4", 76: "5", 77: "6", 71: "7", 72: "8", 73: "9"}
KEYPAD_OTHER = {98: "/", 55: "*", 74: "-", 78: "+"}
KEY_KPDOT = 83

# Input event types and codes that the simulators write (the decoder only needs EV_KEY).
EV_SYN, EV_KEY, EV_MSC = 0, 1, 4
SYN_REPORT, MSC_SCAN = 0, 4

GS = "\x1d"
ENTER = "\r"      # what the decoder returns for Enter / keypad Enter: the same end-of-read as a serial CR

Stroke = tuple[tuple[int, ...], int]   # (modifier keys held, key pressed)


def _rows(*rows: tuple[int, str, str, dict[int, str]]) -> dict[int, tuple[str, str, str]]:
    """Build code -> (plain, shift, altgr) from rows of consecutive key codes, written as strings."""
    keys: dict[int, tuple[str, str, str]] = {}
    for first, plain, shifted, altgr in rows:
        if len(plain) != len(shifted):
            raise ValueError(f"layout row at key {first}: {plain!r} and {shifted!r} differ in length")
        for i, (p, s) in enumerate(zip(plain, shifted)):
            keys[first + i] = (p, s, altgr.get(first + i, ""))
        for code, ch in altgr.items():
            if code not in keys:
                keys[code] = ("", "", ch)
    return keys


@dataclass(frozen=True)
class Layout:
    name: str
    keys: dict[int, tuple[str, str, str]]
    dead: frozenset[str] = frozenset()     # characters whose key is a dead key: the scanner follows it with Space
    has_altgr: bool = False                # the right Alt key is AltGr (a third level), not a second Alt
    keypad_decimal: str = "."
    _inverse: dict[str, list[Stroke]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Prefer the plainest way to type a character: without modifier, then Shift, then AltGr.
        for level, mods in ((2, (KEY_RIGHTALT,)), (1, (KEY_LEFTSHIFT,)), (0, ())):
            for code, chars in sorted(self.keys.items(), reverse=True):
                ch = chars[level]
                if ch:
                    strokes = [(mods, code)] + ([((), KEY_SPACE)] if ch in self.dead else [])
                    self._inverse[ch] = strokes

    def can_type(self, ch: str) -> bool:
        return ch in self._inverse

    def strokes(self, ch: str) -> list[Stroke]:
        """The key strokes a scanner with this layout sends for one character (KeyError if it has none)."""
        if ch == GS:
            return [((KEY_LEFTCTRL,), KEY_RIGHTBRACE)]
        if ch in (ENTER, "\n"):
            return [((), KEY_ENTER)]
        return self._inverse[ch]


US = Layout("us", _rows(
    (2, "1234567890-=", "!@#$%^&*()_+", {}),
    (16, "qwertyuiop[]", "QWERTYUIOP{}", {}),
    (30, "asdfghjkl;'`", 'ASDFGHJKL:"~', {}),
    (43, "\\zxcvbnm,./", "|ZXCVBNM<>?", {}),
    (57, " ", " ", {}),
))

DE = Layout("de", _rows(
    (2, "1234567890ß´", '!"§$%&/()=?`', {3: "²", 4: "³", 8: "{", 9: "[", 10: "]", 11: "}", 12: "\\"}),
    (16, "qwertzuiopü+", "QWERTZUIOPÜ*", {16: "@", 18: "€", 27: "~"}),
    (30, "asdfghjklöä^", "ASDFGHJKLÖÄ°", {}),
    (43, "#", "'", {}),
    (44, "yxcvbnm,.-", "YXCVBNM;:_", {50: "µ"}),
    (57, " ", " ", {}),
    (86, "<", ">", {86: "|"}),      # KEY_102ND, the extra key left of Y on ISO keyboards
), dead=frozenset("^´`"), has_altgr=True, keypad_decimal=",")

LAYOUTS: dict[str, Layout] = {"us": US, "de": DE}


def key_name(code: int) -> str:
    """``59`` -> ``"KEY_F1"`` for messages (python-evdev's names when it is installed)."""
    try:
        from evdev import ecodes
        name = ecodes.KEY.get(code)
    except ImportError:
        name = None
    if isinstance(name, (list, tuple)):
        name = name[0]
    return f"{name} ({code})" if name else f"key {code}"


class KeyDecoder:
    """Follows the modifier keys and turns each key-down into the text it types with ``layout``.

    ``key(code, value)`` takes one EV_KEY event (value 1 down, 0 up, 2 autorepeat) and returns the text typed
    (``""`` for nothing, :data:`ENTER` at the end of a code, occasionally two characters when a dead key is followed
    by a key it does not combine with), or ``None`` when the key or combination types nothing on this layout.
    """

    def __init__(self, layout: Layout):
        self.layout = layout
        self.reset()

    def reset(self) -> None:
        """Forget held keys and Caps Lock (a replugged scanner starts fresh)."""
        self._held: set[int] = set()
        self.caps = False
        self._dead = ""              # a dead key waiting for the next key
        self._alt_digits = ""        # Alt+keypad digits (the "Alt+numpad" character mode)

    def _is(self, *codes: int) -> bool:
        return any(c in self._held for c in codes)

    def _altgr(self) -> bool:
        # Windows treats Ctrl+Alt as AltGr, and some scanners send it that way.
        return self.layout.has_altgr and (self._is(KEY_RIGHTALT) or (self._is(KEY_LEFTCTRL, KEY_RIGHTCTRL)
                                                                     and self._is(KEY_LEFTALT)))

    def _alt(self) -> bool:
        if self._altgr():
            return False
        return self._is(KEY_LEFTALT) or (not self.layout.has_altgr and self._is(KEY_RIGHTALT))

    def key(self, code: int, value: int) -> str | None:
        if value == 2:                                   # autorepeat: the scanner never holds a key that long
            return ""
        if code in MODIFIERS:
            was_alt = self._alt()
            if value:
                self._held.add(code)
                return ""
            self._held.discard(code)
            if was_alt and not self._alt() and self._alt_digits:
                return self._alt_numpad()
            return ""
        if value == 0:
            return ""
        if code == KEY_CAPSLOCK:
            self.caps = not self.caps
            return ""
        if code in LOCKS_IGNORED:
            return ""
        if code in (KEY_ENTER, KEY_KPENTER):
            return self._after_dead(ENTER)
        if self._alt():
            if code in KEYPAD_DIGITS:
                self._alt_digits += KEYPAD_DIGITS[code]
                return ""
            return None
        if self._is(KEY_LEFTCTRL, KEY_RIGHTCTRL) and not self._altgr():
            return GS if code == KEY_RIGHTBRACE else None
        if code in KEYPAD_DIGITS:
            return self._after_dead(KEYPAD_DIGITS[code])
        if code in KEYPAD_OTHER:
            return self._after_dead(KEYPAD_OTHER[code])
        if code == KEY_KPDOT:
            return self._after_dead(self.layout.keypad_decimal)
        chars = self.layout.keys.get(code)
        if chars is None:
            return None
        if self._altgr():
            ch = chars[2]
        else:
            shifted = self._is(KEY_LEFTSHIFT, KEY_RIGHTSHIFT)
            if self.caps and chars[0].isalpha() and chars[1] == chars[0].upper():
                shifted = not shifted
            ch = chars[1] if shifted else chars[0]
        if not ch:
            return None
        if ch in self.layout.dead:
            pending, self._dead = self._dead, ch
            return pending
        return self._after_dead(ch)

    def _after_dead(self, ch: str) -> str:
        """A dead key followed by Space types the accent itself; followed by anything else, both (as on Windows)."""
        pending, self._dead = self._dead, ""
        if pending and ch == " ":
            return pending
        return pending + ch

    def _alt_numpad(self) -> str:
        digits, self._alt_digits = self._alt_digits, ""
        n = int(digits) % 256
        if n < 128:
            return chr(n)
        # Windows: Alt+0nnn is the ANSI code page, Alt+nnn the OEM one.
        return bytes([n]).decode("cp1252" if digits.startswith("0") else "cp437", errors="replace")
