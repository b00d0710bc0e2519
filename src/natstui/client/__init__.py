"""NATS access through nats-py: no Textual import here.

nats-py imports aiohttp, when it is installed, as it is itself imported: about 0.1 s of
natstui's start-up spent on a library that only ``ws://`` and ``wss://`` servers need. The
first import of nats-py from here leaves aiohttp out; :func:`enable_websockets` brings it in
when a websocket URL is about to be used.
"""

from __future__ import annotations

import sys


def _import_nats_without_aiohttp() -> None:
    if "nats" in sys.modules or "aiohttp" in sys.modules:
        return  # already imported (with aiohttp if it is installed)
    sys.modules["aiohttp"] = None  # type: ignore[assignment]  # "import aiohttp" fails in nats-py
    try:
        import nats.aio.transport  # noqa: F401
    finally:
        del sys.modules["aiohttp"]


def enable_websockets() -> None:
    """Give nats-py its websocket transport (aiohttp) if it was left out at import."""
    import nats.aio.transport as transport

    if getattr(transport, "aiohttp", None) is None:
        try:
            import aiohttp
        except ImportError:
            raise ImportError("websocket URLs (ws://, wss://) need aiohttp: pip install 'natstui[websocket]'") from None
        setattr(transport, "aiohttp", aiohttp)  # noqa: B010 - nats-py reads it as a module global


_import_nats_without_aiohttp()
