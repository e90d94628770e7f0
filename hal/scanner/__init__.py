"""Barcode scanners: drivers by URL scheme, simulators by ``sim:`` path (see hal/registry.py)."""

DRIVERS: dict[str, str] = {
    "serial": "hal.scanner.serial:SerialScanner",      # CDC-ACM / RS-232 line reader (pyserial)
    "hid": "hal.scanner.hid:HidScanner",               # USB HID keyboard wedge over evdev, grabbed
    "camera": "hal.scanner.camera:CameraScanner",      # decoding frames of a camera device
}
SIMULATORS: dict[str, str] = {
    "default": "hal.scanner.sim_serial:open_simulated",
    "serial": "hal.scanner.sim_serial:open_simulated",
    "loop": "hal.scanner.sim_serial:open_loop",
    "hid": "hal.scanner.sim_hid:open_simulated",
    "camera": "hal.scanner.camera_sim:open_simulated",
}
STANDALONE: dict[str, str] = {
    "default": "hal.scanner.sim_serial:SerialScannerSim",
    "serial": "hal.scanner.sim_serial:SerialScannerSim",
    "hid": "hal.scanner.sim_hid:HidScannerSim",
}
