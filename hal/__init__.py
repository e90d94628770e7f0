"""Hardware abstraction for the lane's devices. One package per device family; never imports ``kiosk``."""
