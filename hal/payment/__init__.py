"""payment: ZVT card terminals by URL scheme, simulators by sim: path (see hal/registry.py).

``zvt+tcp://HOST:20007?password=000000&config=0xBA&currency=978`` and ``zvt+serial:///dev/serial/by-id/...?baud=9600``
are ZVT terminals driven by :class:`hal.payment.client.ZvtTerminal`; ``sim:`` / ``sim:tcp`` and ``sim:serial`` put the
ZVT terminal simulator (:mod:`hal.payment.sim`) behind TCP on 127.0.0.1 or a pty and open that same client against it.
"""

DRIVERS: dict[str, str] = {
    "zvt+tcp": "hal.payment.client:ZvtTerminal",
    "zvt+serial": "hal.payment.client:ZvtTerminal",
}
SIMULATORS: dict[str, str] = {
    "default": "hal.payment.sim:open_tcp",
    "tcp": "hal.payment.sim:open_tcp",
    "serial": "hal.payment.sim:open_serial",
}
STANDALONE: dict[str, str] = {
    "default": "hal.payment.sim:TcpTerminalSim",
    "tcp": "hal.payment.sim:TcpTerminalSim",
    "serial": "hal.payment.sim:SerialTerminalSim",
}
