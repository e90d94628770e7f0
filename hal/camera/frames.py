"""What all camera drivers do with a frame once they have it: make it grey, encode it as JPEG.

Frames are numpy arrays as OpenCV uses them: (h, w, 3) uint8 in B, G, R order, or (h, w) grey.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_grey(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def encode_jpeg(frame: np.ndarray, quality: int = 85) -> bytes:
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"JPEG quality {quality} is outside 1..100")
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"OpenCV could not encode a frame of shape {frame.shape} as JPEG")
    return buf.tobytes()
