"""The self-checkout lane: pure core (domain, lane, security) and the shell that wires it to devices and screens."""

__version__ = "0.1.0"
