"""natstui: a terminal UI for exploring NATS."""

__version__ = "0.1.0"
