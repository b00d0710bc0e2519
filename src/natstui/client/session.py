"""One connection to NATS: connect like the nats CLI, know its true state, measure RTT."""

from __future__ import annotations

import asyncio
import ssl
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import nats
from nats import errors as nats_errors
from nats.aio.client import Client as NATS

from natstui.config import ConnectionSettings
from natstui.model.sanitize import escape_line, redact, redact_url


async def confirm(nc: NATS, timeout: float = 5.0) -> None:
    """Return once the server has processed every command sent so far.

    nats-py writes a flush's PING ahead of commands still waiting in its
    pending buffer, so one flush can be answered before an earlier SUB
    reached the server; the second PING goes out after them.
    """
    await nc.flush(timeout=timeout)  # type: ignore[arg-type]
    await nc.flush(timeout=timeout)  # type: ignore[arg-type]


class ConnState(str, Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    FAILED = "failed"
    OFFLINE = "offline"  # no server: a recording or a test store


class ConnectError(Exception):
    """The connection could not be made; the message is safe to show."""


def describe_error(exc: BaseException) -> str:
    """A plain-words description of a connection or server error."""
    if isinstance(exc, nats_errors.AuthorizationError) or "authorization violation" in str(exc).lower():
        return "authorization violation: the server refused the credentials"
    if isinstance(exc, nats_errors.NoServersError):
        return "no server could be reached"
    if isinstance(exc, nats_errors.NoRespondersError):
        return "no responders: nothing is subscribed to that subject"
    if isinstance(exc, nats_errors.MaxPayloadError):
        return f"payload too large for the server ({exc})" if str(exc) else "payload too large for the server"
    if isinstance(exc, nats_errors.BadSubjectError):
        return "invalid subject"
    description = getattr(exc, "description", None)
    if description:  # JetStream API errors carry the server's own words
        code = getattr(exc, "err_code", None)
        if "jetstream not enabled" in str(description).lower():
            return "JetStream is not enabled for this account or server"
        return f"{description} (error {code})" if code else str(description)
    if exc.__class__.__name__ == "ServiceUnavailableError":
        return "JetStream is not available (not enabled, or no response from the JetStream API)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, (asyncio.TimeoutError, nats_errors.TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or exc.__class__.__name__
    text = str(exc).strip()
    if text.startswith("nats: "):
        text = text[6:]
    return text.strip("'") or exc.__class__.__name__


def tls_context(settings: ConnectionSettings) -> Optional[ssl.SSLContext]:
    if not (settings.tls_ca or settings.tls_cert or any(u.startswith("tls://") for u in settings.servers)):
        return None
    ctx = ssl.create_default_context(
        cafile=str(Path(settings.tls_ca).expanduser()) if settings.tls_ca else None
    )
    if settings.tls_cert:
        ctx.load_cert_chain(
            str(Path(settings.tls_cert).expanduser()),
            str(Path(settings.tls_key).expanduser()) if settings.tls_key else None,
        )
    return ctx


class Session:
    """Owns the nats-py client. The UI reads ``state`` and friends on its timer."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self.nc: NATS = NATS()
        self._attempted = False
        self._failed = False
        self._ever_connected = False
        self._rtt_pending: Optional[asyncio.Future] = None
        self.offline = False  # set when there is deliberately no server (recordings, tests)
        self.error: str = ""
        self.rtt: Optional[float] = None
        self.dropped: Dict[int, int] = {}  # sid -> slow-consumer drops
        self.reconnects = 0
        self.error_listeners: List[Callable[[str], None]] = []
        self._secrets = settings.secrets()

    # -- state -------------------------------------------------------------
    @property
    def state(self) -> ConnState:
        nc = self.nc
        if self.offline:
            return ConnState.OFFLINE
        if self._failed:
            return ConnState.FAILED
        if not self._attempted:
            return ConnState.CONNECTING
        if nc.is_connected:
            return ConnState.CONNECTED
        if nc.is_closed:
            return ConnState.CLOSED if self._ever_connected else ConnState.CONNECTING
        if nc.is_reconnecting or nc.is_connecting or self._ever_connected:
            return ConnState.RECONNECTING if self._ever_connected else ConnState.CONNECTING
        return ConnState.CONNECTING

    @property
    def server_info(self) -> Dict[str, Any]:
        return dict(getattr(self.nc, "_server_info", {}) or {})

    @property
    def server_name(self) -> str:
        return escape_line(str(self.server_info.get("server_name", "")))

    @property
    def server_url(self) -> str:
        url = self.nc.connected_url
        if url is not None and self.nc.is_connected:
            host = url.hostname or ""
            return f"{url.scheme}://{host}:{url.port}" if url.port else f"{url.scheme}://{host}"
        return self.settings.display_servers

    @property
    def total_dropped(self) -> int:
        return sum(self.dropped.values())

    def safe(self, text: str) -> str:
        """Text that may hold a credential, made safe to show."""
        return escape_line(redact(text, self._secrets))

    # -- connection --------------------------------------------------------
    def _connect_options(self) -> Dict[str, Any]:
        s = self.settings
        opts: Dict[str, Any] = dict(
            servers=s.servers,
            name=s.name,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=3,
            ping_interval=10,
            max_outstanding_pings=2,
        )
        if s.user:
            opts["user"] = s.user
        if s.password:
            opts["password"] = s.password
        if s.token:
            opts["token"] = s.token
        if s.creds:
            opts["user_credentials"] = str(Path(s.creds).expanduser())
        if s.nkey:
            opts["nkeys_seed"] = str(Path(s.nkey).expanduser())
        if s.inbox_prefix:
            opts["inbox_prefix"] = s.inbox_prefix
        try:
            ctx = tls_context(s)
        except (OSError, ssl.SSLError) as exc:
            raise ConnectError(self.safe(f"cannot load TLS files: {describe_error(exc)}")) from None
        if ctx is not None:
            opts["tls"] = ctx
        return opts

    async def connect(self) -> None:
        """Connect, failing fast (every server tried once, or credentials refused)."""
        if self._attempted and not self.nc.is_closed:
            await self.close()
        self.nc = NATS()
        self._failed = False
        self.error = ""
        opts = self._connect_options()
        failures: List[BaseException] = []
        give_up = asyncio.Event()
        connecting = True
        n_servers = len(self.settings.servers)

        async def error_cb(exc: Exception) -> None:
            if isinstance(exc, nats_errors.SlowConsumerError):
                self.dropped[exc.sid] = self.dropped.get(exc.sid, 0) + 1
                return
            if connecting:
                failures.append(exc)
                if len(failures) >= n_servers or isinstance(exc, nats_errors.AuthorizationError):
                    give_up.set()
                return
            self._report(describe_error(exc))

        async def disconnected_cb() -> None:
            if self._ever_connected and not self.nc.is_closed:
                self._report("disconnected from the server; reconnecting")

        async def reconnected_cb() -> None:
            self.reconnects += 1
            self.error = ""

        self._attempted = True
        task = asyncio.ensure_future(
            self.nc.connect(
                error_cb=error_cb,
                disconnected_cb=disconnected_cb,
                reconnected_cb=reconnected_cb,
                **opts,
            )
        )
        waiter = asyncio.ensure_future(give_up.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if give_up.is_set() and not task.done():
                # A refused login may surface as a reset before the server's
                # -ERR is read: give the explanation a moment to arrive.
                await asyncio.wait({task}, timeout=0.3)
        finally:
            waiter.cancel()
        connecting = False
        if task.done() and task.exception() is None:
            self._ever_connected = True
            return
        if not task.done():
            task.cancel()
            try:
                await task
            except BaseException:
                pass
        elif task.exception() is not None:
            failures.append(task.exception())  # type: ignore[arg-type]
        try:
            await self.nc.close()
        except Exception:
            pass
        self._failed = True
        reason = self._failure_reason(failures)
        self.error = self.safe(f"cannot connect to {self.settings.display_servers}: {reason}")
        raise ConnectError(self.error)

    def _failure_reason(self, failures: List[BaseException]) -> str:
        if not failures:
            return "unknown error"
        for exc in failures:
            if isinstance(exc, nats_errors.AuthorizationError) or "authorization" in str(exc).lower():
                return describe_error(exc)
        last = failures[-1]
        s = self.settings
        if isinstance(last, ConnectionResetError) and (s.user or s.token or s.creds or s.nkey or "@" in "".join(s.servers)):
            return "the server closed the connection while logging in: check the credentials"
        return describe_error(last)

    def _report(self, text: str) -> None:
        self.error = self.safe(text)
        for listener in list(self.error_listeners):
            listener(self.error)

    async def measure_rtt(self, timeout: float = 10.0) -> Optional[float]:
        """One PING/PONG; at most one in flight.

        nats-py's ``rtt()`` cancels its PONG future on a timeout, and a PONG
        arriving later then stops nats-py's read loop (the connection looks
        up but receives nothing). So the future is never cancelled here: a
        late PONG completes it harmlessly.
        """
        if not self.nc.is_connected:
            self.rtt = None
            return None
        pending = self._rtt_pending
        if pending is not None and not pending.done():
            return self.rtt  # the previous PING is still unanswered
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._rtt_pending = future
        start = loop.time()
        try:
            await self.nc._send_ping(future)
        except Exception:
            self.rtt = None
            return None
        done, _ = await asyncio.wait({future}, timeout=timeout)
        self.rtt = loop.time() - start if done and not future.cancelled() else None
        return self.rtt

    async def close(self) -> None:
        try:
            if not self.nc.is_closed:
                await self.nc.close()
        except Exception:
            pass
