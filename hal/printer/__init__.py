"""printer: drivers by URL scheme, simulators by sim: path (see hal/registry.py).

``escpos+tcp://host:9100``, ``escpos+serial:///dev/serial/by-id/...?baud=19200`` and ``escpos+usb://04b8:0202`` are
ESC/POS printers through python-escpos (:mod:`hal.printer.driver`); ``sim:`` / ``sim:tcp`` and ``sim:serial`` put
the ESC/POS simulator behind TCP or a pty and open those same drivers. :func:`render` and :class:`ReceiptBuilder`
make a job's bytes; they are imported on first use, so opening the registry does not load python-escpos.
"""

DRIVERS: dict[str, str] = {
    "escpos+tcp": "hal.printer.driver:TcpPrinter",
    "escpos+serial": "hal.printer.driver:SerialPrinter",
    "escpos+usb": "hal.printer.driver:UsbPrinter",
}
SIMULATORS: dict[str, str] = {
    "default": "hal.printer.sim:open_tcp",
    "tcp": "hal.printer.sim:open_tcp",
    "serial": "hal.printer.sim:open_serial",
}
STANDALONE: dict[str, str] = {
    "default": "hal.printer.sim:TcpPrinterSim",
    "tcp": "hal.printer.sim:TcpPrinterSim",
    "serial": "hal.printer.sim:SerialPrinterSim",
}


def __getattr__(name: str):
    if name in ("render", "ReceiptBuilder"):
        import importlib

        return getattr(importlib.import_module("hal.printer.receipt"), name)
    raise AttributeError(f"module 'hal.printer' has no attribute {name!r}")
