"""Synthetic camera pictures: EAN barcodes drawn from their specification, and a scan area with a product in it.

The camera simulator, the camera-scanner tests and ``bench/bench_camera.py`` all need frames that look like what a
camera above the scan area sees: a counter surface with uneven light and sensor noise, and sometimes a product whose
label carries a barcode, moved, turned, scaled and blurred. The bars are drawn here from the EAN-13/EAN-8 encoding
tables (GS1 General Specifications 5.2), not with a barcode library, so the decoders under test never read their own
writer's output. Randomness comes from a seeded ``numpy`` generator, so a scene repeats exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Left-hand odd-parity ("L") patterns of the digits, 7 modules each, 1 = bar. The right-hand ("R") pattern is the
# complement of L, the left-hand even-parity ("G") pattern is R reversed.
_L = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011")
_R = tuple("".join("1" if m == "0" else "0" for m in p) for p in _L)
_G = tuple(p[::-1] for p in _R)
# EAN-13 has no bars for its first digit: it is carried by the L/G parity pattern of the next six digits.
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
_GUARD, _CENTRE = "101", "01010"


def check_digit(payload: str) -> int:
    """GS1 check digit: weights 3,1,3,... from the rightmost payload digit (PROTOCOLS.md 1.4)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def with_check_digit(code: str) -> str:
    """Accept 12/7 digits (append the check digit) or 13/8 digits (verify it)."""
    if not code.isdigit() or len(code) not in (7, 8, 12, 13):
        raise ValueError(f"{code!r} is not an EAN-13 or EAN-8 number")
    if len(code) in (7, 12):
        return code + str(check_digit(code))
    if int(code[-1]) != check_digit(code[:-1]):
        raise ValueError(f"{code!r}: check digit should be {check_digit(code[:-1])}")
    return code


def ean_modules(code: str) -> str:
    """The 95 (EAN-13) or 67 (EAN-8) modules of a code, '1' for a bar, without quiet zones."""
    code = with_check_digit(code)
    if len(code) == 13:
        left = "".join((_L if p == "L" else _G)[int(d)] for p, d in zip(_PARITY[int(code[0])], code[1:7]))
        right = "".join(_R[int(d)] for d in code[7:])
    else:
        left = "".join(_L[int(d)] for d in code[:4])
        right = "".join(_R[int(d)] for d in code[4:])
    return _GUARD + left + _CENTRE + right + _GUARD


def barcode_image(code: str, module_px: int = 3, height_px: int | None = None, *, damage: float = 0.0,
                  rng: np.random.Generator | None = None) -> np.ndarray:
    """A white label (grey uint8) with the bars, the quiet zones and the digits underneath.

    ``damage`` (0..1) smears that fraction of the symbol's width in its right half, as a thumb or a crease over the
    label would: the label still looks like a barcode but no decoder should read it.
    """
    code = with_check_digit(code)
    modules = ean_modules(code)
    quiet_left, quiet_right = (11, 7) if len(code) == 13 else (7, 7)
    height_px = height_px or module_px * 55
    text_px = module_px * 9
    width = (quiet_left + len(modules) + quiet_right) * module_px
    img = np.full((height_px + text_px + 2 * module_px, width), 255, np.uint8)
    x0 = quiet_left * module_px
    guards = {*range(3), *range(len(modules) // 2 - 2, len(modules) // 2 + 3), *range(len(modules) - 3, len(modules))}
    for i, m in enumerate(modules):
        if m == "1":
            bottom = height_px + (text_px // 2 if i in guards else 0)   # guard bars reach down between the digits
            img[module_px:bottom, x0 + i * module_px:x0 + (i + 1) * module_px] = 0
    scale = module_px / 7.0
    cv2.putText(img, code, (module_px, height_px + text_px + module_px), cv2.FONT_HERSHEY_SIMPLEX, scale, 0,
                max(1, module_px // 2), cv2.LINE_AA)
    if damage > 0:
        rng = rng or np.random.default_rng(0)
        span = int(len(modules) * module_px * damage)
        start = x0 + len(modules) * module_px // 2 + 5 * module_px
        smear = img[:, start:start + span]
        smear[:] = cv2.blur(smear, (max(3, 4 * module_px), 1))
        smear[:] = np.clip(smear.astype(np.int16) + rng.integers(-60, 60, smear.shape), 0, 255).astype(np.uint8)
    return img


@dataclass(frozen=True)
class Product:
    """What is held under the camera: a packet of some colour with a barcode label on it."""
    code: str
    patch: np.ndarray            # BGR picture of the packet, label included

    @property
    def size(self) -> tuple[int, int]:
        return self.patch.shape[1], self.patch.shape[0]


def make_product(code: str, module_px: int = 3, colour: tuple[int, int, int] = (40, 90, 170), *,
                 damage: float = 0.0, rng: np.random.Generator | None = None) -> Product:
    label = cv2.cvtColor(barcode_image(code, module_px, damage=damage, rng=rng), cv2.COLOR_GRAY2BGR)
    h, w = label.shape[:2]
    margin = 6 * module_px
    patch = np.empty((h + 2 * margin, w + 2 * margin, 3), np.uint8)
    patch[:] = colour
    patch[margin:margin + h, margin:margin + w] = label
    return Product(code, patch)


class Scene:
    """The scan area as the camera sees it. ``render`` draws one frame; the background and noise are seeded."""

    def __init__(self, width: int = 640, height: int = 480, seed: int = 0, noise: float = 4.0):
        self.width, self.height = width, height
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        # A counter top lit from one side: brighter on the left, a little darker towards the bottom.
        xs = np.linspace(1.0, 0.75, width, dtype=np.float32)[None, :]
        ys = np.linspace(1.0, 0.85, height, dtype=np.float32)[:, None]
        base = (150 * xs * ys)[:, :, None] * np.array([1.0, 1.02, 0.96], np.float32)
        self.background = np.clip(base, 0, 255).astype(np.uint8)
        # Fresh Gaussian noise for every frame costs more than the rest of the frame; a pool of fields looks the same.
        self._noise_pool = [self.rng.normal(0.0, 1.0, (height, width, 1)).astype(np.float32) for _ in range(6)]

    def render(self, product: Product | None = None, *, x: float | None = None, y: float | None = None,
               angle: float = 0.0, scale: float = 1.0, blur: float = 0.0, motion: int = 0,
               noise: float | None = None, brightness: float = 1.0) -> np.ndarray:
        """One BGR frame. ``x, y``: centre of the product in pixels (default: frame centre); ``angle`` in degrees;
        ``blur``: Gaussian sigma of an out-of-focus lens; ``motion``: horizontal smear in pixels of a moving hand."""
        frame = self.background.copy()
        if product is not None:
            pw, ph = product.size
            cx = self.width / 2 if x is None else x
            cy = self.height / 2 if y is None else y
            m = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, scale)
            m[:, 2] += (cx - pw / 2, cy - ph / 2)
            # BORDER_TRANSPARENT leaves the background wherever the packet does not cover it.
            cv2.warpAffine(product.patch, m, (self.width, self.height), dst=frame, flags=cv2.INTER_AREA,
                           borderMode=cv2.BORDER_TRANSPARENT)
        if motion > 1:
            frame = cv2.blur(frame, (int(motion), 1))
        if blur > 0:
            frame = cv2.GaussianBlur(frame, (0, 0), blur)
        sigma = self.noise if noise is None else noise
        if sigma > 0 or brightness != 1.0:
            field = self._noise_pool[int(self.rng.integers(len(self._noise_pool)))]
            frame = np.clip(frame.astype(np.float32) * brightness + field * sigma, 0, 255).astype(np.uint8)
        return frame

    def blank(self, level: int = 12) -> np.ndarray:
        """A covered lens: nearly black, with the sensor's noise."""
        field = self._noise_pool[int(self.rng.integers(len(self._noise_pool)))]
        grey = np.clip(level + field * self.noise, 0, 255).astype(np.uint8)
        return np.repeat(grey, 3, axis=2)

    def passing(self, product: Product, frames_in: int = 8, frames_hold: int = 8, frames_out: int = 8,
                angle: float = 0.0) -> list[dict]:
        """Render arguments for a product moved in from the right, held still in the middle, moved out to the left,
        as a shopper does at a scanner window. Each element is a dict for ``render(product, **args)``."""
        pw = product.size[0]
        start, centre, end = self.width + pw / 2, self.width / 2, -pw / 2
        steps: list[dict] = []
        for i in range(1, frames_in + 1):
            x = start + (centre - start) * i / frames_in
            steps.append({"x": x, "angle": angle, "motion": 6 if i < frames_in else 0})
        steps += [{"x": centre, "angle": angle}] * frames_hold
        for i in range(1, frames_out + 1):
            steps.append({"x": centre + (end - centre) * i / frames_out, "angle": angle, "motion": 6})
        return steps
