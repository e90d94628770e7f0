"""`kiosk sim light`: the standalone light simulator shows what the lamp does as lines on the terminal."""

from __future__ import annotations

from hal.registry import start_simulator
from halkit import wait_for


def test_the_console_prints_every_change_of_the_lamps():
    lines: list[str] = []
    sim = start_simulator("light", out=lines.append, red=5, amber=6, green=13)
    try:
        assert sim.address == "mock-gpio:red=5,amber=6,green=13"
        assert sim.command("show green") == "showing green steady"
        wait_for(lambda: any("[GREEN]" in line for line in lines), what="green shown")
        assert sim.command("state") == "red off  amber off  green ON "
        sim.command("show red fast")
        wait_for(lambda: sum("[RED  ]" in line for line in lines) >= 3, what="red flashing on the console")
        assert not any("[RED  ]" in line and "[GREEN]" in line for line in lines)   # never two lamps at once
        sim.command("off")
        wait_for(lambda: "[" not in lines[-1], what="all lamps out on the console")
        assert "show red fast" in [what for _, what in sim.history]
        assert "show COLOUR [PATTERN]" in sim.help()
    finally:
        sim.stop()
    assert not sim.running and not sim.light.is_open
