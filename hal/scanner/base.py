"""The scanner interface. A driver reads codes from its device and reports each as one :class:`hal.events.ScanData`.

Drivers: ``serial:`` (CDC-ACM or RS-232 line reader), ``hid:`` (evdev keyboard wedge, grabbed), ``camera:`` (decoding
frames from a camera device). A driver must:

- strip prefix and suffix, split off the AIM symbology identifier (``]E0``) when the scanner sends one;
- never block the caller: reading happens in the driver's thread, results go to the listener;
- drop nothing silently: a garbled or truncated read is reported as :class:`hal.events.ErrorEvent` (the lane then
  asks the shopper to scan again) and the driver keeps reading;
- survive unplug and replug (:class:`hal.base.Reconnector`), reporting OFFLINE/ONLINE.

``enabled`` follows UnifiedPOS DeviceEnabled: while False, reads are discarded (the lane disables the scanner while
it is out of service).
"""

from __future__ import annotations

from hal.base import Device


class Scanner(Device):
    family = "scanner"
    enabled = True

    def enable(self, on: bool = True) -> None:
        self.enabled = on
