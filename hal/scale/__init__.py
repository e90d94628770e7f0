"""Scales: the bagging-area security scale and the produce scale. Drivers by URL scheme, simulators by sim: path.

Bagging-area scales (``hal.scale.base.Scale``): ``hx711:?dout=5&sck=6`` (load cell on GPIO), ``sics:///dev/...``
(Mettler Toledo MT-SICS), ``toledo:///dev/...`` (8217 protocol). Produce scale (``ProduceScale``):
``dialog06:///dev/...``. ``sim:`` is the HX711 pin-level simulator with the real driver; ``sim:sics``,
``sim:toledo`` and ``sim:dialog06`` put a responder on a pty. Only the module a URL names is imported.
"""

DRIVERS: dict[str, str] = {
    "hx711": "hal.scale.hx711:Hx711",
    "sics": "hal.scale.sics:SicsScale",
    "toledo": "hal.scale.toledo:ToledoScale",
    "dialog06": "hal.scale.dialog06:Dialog06Scale",
}
SIMULATORS: dict[str, str] = {
    "default": "hal.scale.sim_hx711:open_simulated",
    "hx711": "hal.scale.sim_hx711:open_simulated",
    "sics": "hal.scale.sim_serial:open_sics",
    "toledo": "hal.scale.sim_serial:open_toledo",
    "dialog06": "hal.scale.sim_dialog06:open_simulated",
}
STANDALONE: dict[str, str] = {
    "default": "hal.scale.sim_serial:SicsSimulator",
    "sics": "hal.scale.sim_serial:SicsSimulator",
    "toledo": "hal.scale.sim_serial:ToledoSimulator",
    "dialog06": "hal.scale.sim_dialog06:Dialog06Simulator",
}
