"""Lane light: drivers by URL scheme, simulators by ``sim:`` path (see hal/registry.py)."""

DRIVERS: dict[str, str] = {
    "gpio": "hal.light.gpio:GpioLight",            # three lamps on GPIO pins through gpiozero (lgpio on the Pi)
}
SIMULATORS: dict[str, str] = {
    "default": "hal.light.sim:open_simulated",     # the gpio driver on gpiozero mock pins
}
STANDALONE: dict[str, str] = {
    "default": "hal.light.sim:LightConsole",       # `kiosk sim light`: mock pins, shown as lines on the terminal
}
