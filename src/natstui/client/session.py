"""One connection to NATS: connect like the nats CLI, know its true state, measure RTT."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

from nats import errors as nats_errors
from nats.aio.client import Client as NATS

from natstui.client import enable_websockets
from natstui.config import ConnectionSettings
from natstui.model.sanitize import escape_line, redact


async def confirm(nc: NATS, timeout: float = 5.0) -> None:
    """Return once the server has processed every command sent so far.

    nats-py writes a flush's PING ahead of commands still waiting in its
    pending buffer, so one flush can be answered before an earlier SUB
    reached the server; the second PING goes out after them.
    """
    await nc.flush(timeout=timeout)  # type: ignore[arg-type]
    await nc.flush(timeout=timeout)  # type: ignore[arg-type]


# Errors that mean the connection is gone (the reconnection handles them)
# and failures of one attempt to reach a server (not worth a notice each).
_CONNECTION_LOST = (nats_errors.UnexpectedEOF, nats_errors.StaleConnectionError, ConnectionError)
_CONNECTIVITY = (
    OSError,
    asyncio.TimeoutError,
    nats_errors.TimeoutError,
    nats_errors.UnexpectedEOF,
    nats_errors.StaleConnectionError,
)


# Messages parsed between two turns of the event loop at most (see _Client._process_msg).
YIELD_EVERY = 50


class _Client(NATS):
    """nats-py's client, that never logs in without TLS once TLS was asked for.

    nats-py upgrades to TLS only when the server's INFO says ``tls_required``:
    given a ``tls://`` URL or a CA against a server (or a man in the middle)
    that does not say so, it would send CONNECT, credentials included, in
    plain text. Here the INFO is checked before CONNECT is written, on every
    connection and reconnection: a server that offers TLS without requiring
    it (``allow_non_tls``) is upgraded, as the Go client does; one that does
    not offer it is refused.
    """

    def __init__(self, tls_wanted: bool = False) -> None:
        super().__init__()
        self._tls_wanted = tls_wanted
        self._since_yield = 0

    async def _process_msg(self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes) -> None:
        """nats-py's, with a turn of the event loop given up every ``YIELD_EVERY`` messages.

        nats-py parses everything the socket delivered in one go (up to 256 KiB, ~1,500 small
        messages, per turn of the loop) and each subscription's task then hands its whole queue to
        the callback without a pause. Under a flood each turn of the loop carried that much work,
        and a view switch, which takes Textual many turns, took seconds. Parsing stops here every
        few hundred messages so that keys and frames get their turns in between.
        """
        await super()._process_msg(sid, subject, reply, data, headers)
        self._since_yield += 1
        if self._since_yield >= YIELD_EVERY:
            self._since_yield = 0
            await asyncio.sleep(0)

    async def _process_info(self, info: dict[str, Any], initial_connection: bool = False) -> None:
        server = self._current_server
        if (
            self._tls_wanted
            and initial_connection
            and not info.get("tls_required")
            and server is not None
            and server.uri.scheme not in ("ws", "wss")
        ):
            if not info.get("tls_available"):
                raise nats_errors.SecureConnWantedError
            info["tls_required"] = True  # the same dict nats-py reads next, to start TLS
        await super()._process_info(info, initial_connection)


class ConnState(str, Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    FAILED = "failed"
    OFFLINE = "offline"  # no server: a recording or a test store


class ConnectError(Exception):
    """The connection could not be made; the message is safe to show."""


_PERMISSION = re.compile(r"permissions violation for (subscription|publish) to (.+)", re.IGNORECASE)


def _tls_reason(exc: ssl.SSLError) -> str:
    """What went wrong in a TLS handshake, in words a user can act on."""
    reason = str(getattr(exc, "reason", "") or "").upper()
    if isinstance(exc, ssl.SSLCertVerificationError) or reason == "CERTIFICATE_VERIFY_FAILED":
        detail = getattr(exc, "verify_message", "") or ""
        if "hostname" in detail.lower() or "ip address mismatch" in detail.lower():
            return f"TLS error: the server's certificate is not valid for this host name ({detail})"
        extra = f" ({detail})" if detail else ""
        return f"TLS error: the server's certificate is not trusted{extra}; give its CA with --tls-ca"
    if "CERTIFICATE_REQUIRED" in reason:
        return "TLS error: the server requires a client certificate (--tls-cert and --tls-key)"
    if "BAD_CERTIFICATE" in reason or "UNKNOWN_CA" in reason or "UNSUPPORTED_CERTIFICATE" in reason:
        return "TLS error: the server rejected the client certificate"
    if "WRONG_VERSION_NUMBER" in reason or "RECORD_LAYER_FAILURE" in reason:
        return "TLS error: the server does not speak TLS on this port"
    if "KEY_VALUES_MISMATCH" in reason:
        return "TLS error: the client key does not match the client certificate"
    if "PEM_LIB" in reason or "NO_START_LINE" in reason:
        return "TLS error: a certificate or key file is not in PEM format"
    return f"TLS error: {(reason or str(exc)).replace('_', ' ').lower()}"


# nats-py's errors that need no detail, in plain words
_PLAIN_ERRORS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (nats_errors.NoServersError, "no server could be reached"),
    (nats_errors.NoRespondersError, "no responders: nothing is subscribed to that subject"),
    (nats_errors.BadSubjectError, "invalid subject"),
    (nats_errors.UnexpectedEOF, "the server closed the connection"),
    (nats_errors.StaleConnectionError, "the server stopped answering (stale connection)"),
    ((nats_errors.ConnectionClosedError, nats_errors.ConnectionDrainingError), "the connection is closed"),
    (nats_errors.ConnectionReconnectingError, "not connected at the moment (reconnecting)"),
    (nats_errors.OutboundBufferLimitError, "too much waiting to be sent while disconnected"),
    (nats_errors.SecureConnRequiredError, "the server requires TLS: connect with a tls:// URL or give --tls-ca"),
    (
        nats_errors.SecureConnWantedError,
        "TLS was asked for (a tls:// URL or a CA) but the server does not offer it: not logging in without it",
    ),
)


def describe_error(exc: BaseException) -> str:
    """A plain-words description of a connection or server error (one line, no protocol jargon)."""
    text = str(exc).strip()
    lowered = text.lower()
    if isinstance(exc, nats_errors.AuthorizationError) or "authorization violation" in lowered:
        return "authorization violation: the server refused the credentials"
    if isinstance(exc, nats_errors.InvalidUserCredentialsError):
        return "the creds file does not hold a user JWT and an nkey seed"
    if lowered.startswith("nkeys:"):  # the nkeys package on a seed it cannot read
        return f"the nkey seed is not valid ({text[6:].strip()})"
    permission = _PERMISSION.search(text)
    if permission:
        verb = "subscribe to" if permission.group(1).lower() == "subscription" else "publish to"
        subject = permission.group(2).strip().strip("'")
        return f"permission denied: this user may not {verb} {escape_line(subject)}"
    if isinstance(exc, nats_errors.MaxPayloadError):
        detail = text[6:] if text.startswith("nats: ") else text
        if not detail or detail == "maximum payload exceeded":
            return "payload too large for the server: the message is bigger than the largest it accepts (max_payload)"
        return f"payload too large for the server: {detail}"
    for kinds, words in _PLAIN_ERRORS:
        if isinstance(exc, kinds):
            return words
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
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "the server closed the connection"
    if isinstance(exc, ssl.SSLError):
        return _tls_reason(exc)
    if isinstance(exc, (asyncio.TimeoutError, nats_errors.TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError):
        return exc.strerror or text or exc.__class__.__name__
    if text.startswith("nats: "):
        text = text[6:]
    return escape_line(text.strip("'")) or exc.__class__.__name__


def tls_context(settings: ConnectionSettings) -> ssl.SSLContext | None:
    if not (settings.tls_ca or settings.tls_cert or any(u.startswith("tls://") for u in settings.servers)):
        return None
    ctx = ssl.create_default_context(cafile=str(Path(settings.tls_ca).expanduser()) if settings.tls_ca else None)
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
        self._rtt_pending: asyncio.Future[None] | None = None
        self.offline = False  # set when there is deliberately no server (recordings, tests)
        self.error: str = ""
        self.rtt: float | None = None
        self.dropped: dict[int, int] = {}  # sid -> slow-consumer drops
        self.reconnects = 0
        # Called with each connection event worth showing: errors, a lost
        # connection, a reconnection. The text is safe to show.
        self.error_listeners: list[Callable[[str], None]] = []
        # Subscriptions the server refused (permission denied), by subject: the
        # server drops them, nats-py does not know.
        self.refused_subscriptions: dict[str, str] = {}
        self._outage_reason = ""  # why the connection was lost, until it is back
        self._outage_notes: set[str] = set()  # failures already told during this outage
        self._secrets = settings.secrets()

    # -- state -------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Connected now (read from the client, as ``state`` is): the one check every view uses."""
        return self.state is ConnState.CONNECTED

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
    def server_info(self) -> dict[str, Any]:
        return dict(getattr(self.nc, "_server_info", {}) or {})

    @property
    def server_name(self) -> str:
        info = self.server_info
        name = str(info.get("server_name", ""))
        # An unnamed server reports its 56-character ID as its name: not a name to show.
        return "" if name == info.get("server_id") else escape_line(name)

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
        """Text that may hold a credential, made safe to show.

        Redacted until nothing changes: the stars put in place of one copy of
        a secret can complete another (``*a*`` in ``*a*a**a*``).
        """
        for _ in range(8):
            redacted = redact(text, self._secrets)
            if redacted == text:
                break
            text = redacted
        return escape_line(text)

    # -- connection --------------------------------------------------------
    def _connect_options(self) -> dict[str, Any]:
        s = self.settings
        opts: dict[str, Any] = dict(
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
        if any(url.split("://", 1)[0].lower() in ("ws", "wss") for url in s.servers):
            try:
                enable_websockets()
            except ImportError as exc:
                raise ConnectError(str(exc)) from None
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
        opts = self._connect_options()
        self.nc = _Client(tls_wanted="tls" in opts)
        self._failed = False
        self.error = ""
        self.refused_subscriptions = {}
        self._outage_reason = ""
        self._outage_notes = set()
        failures: list[BaseException] = []
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
            text = describe_error(exc)
            refused = _PERMISSION.search(str(exc))
            if refused and refused.group(1).lower() == "subscription":
                self.refused_subscriptions[refused.group(2).strip().strip("'").strip('"')] = text
            if self.nc.is_connected and not isinstance(exc, _CONNECTION_LOST):
                self._report(text)  # e.g. a permission refused on a working connection
                return
            # The connection is lost or being made again: the status bar says
            # why; a notice goes out once per outage (see disconnected_cb), and
            # again only for a new kind of failure, not for every attempt.
            self.error = self.safe(f"{text}; reconnecting" if self._ever_connected else text)
            self._outage_reason = self._outage_reason or text
            routine = isinstance(exc, _CONNECTIVITY) and not isinstance(exc, ssl.SSLError)
            if not routine and text not in self._outage_notes:
                self._outage_notes.add(text)
                self._report(f"{text}; reconnecting")

        async def disconnected_cb() -> None:
            if self._ever_connected and not self.nc.is_closed:
                where = self._current_url()
                reason = self._outage_reason or "the connection was lost"
                self._report(
                    f"disconnected from {where}: {reason}; reconnecting"
                    if where
                    else f"disconnected: {reason}; reconnecting"
                )

        async def reconnected_cb() -> None:
            self.reconnects += 1
            self.error = ""
            self._outage_reason = ""
            self._outage_notes = set()
            name = self.server_name
            self._notify(f"reconnected to {self.server_url}" + (f" ({name})" if name else ""))

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

    def _failure_reason(self, failures: list[BaseException]) -> str:
        if not failures:
            return "unknown error"
        for exc in failures:
            if isinstance(exc, nats_errors.AuthorizationError) or "authorization" in str(exc).lower():
                return describe_error(exc)
        for exc in failures:  # a TLS alert says more than the reset that follows it
            if isinstance(exc, ssl.SSLError):
                return describe_error(exc)
        last = failures[-1]
        s = self.settings
        if s.creds and isinstance(last, (TypeError, nats_errors.InvalidUserCredentialsError)):
            return "the creds file does not hold a user JWT and an nkey seed"
        if isinstance(last, (ConnectionResetError, BrokenPipeError, nats_errors.UnexpectedEOF)):
            # Dropped while logging in. Over TLS with no client certificate, a
            # server that wants one closes the connection right after the
            # handshake: which of the two the client sees first is a race.
            if self.nc._server_info.get("tls_verify") and not s.tls_cert:
                return "TLS error: the server requires a client certificate (--tls-cert and --tls-key)"
            if s.user or s.token or s.creds or s.nkey or "@" in "".join(s.servers):
                return "the server closed the connection while logging in: check the credentials"
        return describe_error(last)

    def _report(self, text: str) -> None:
        """An error worth telling the user: kept in ``error`` and passed to the listeners."""
        self.error = self.safe(text)
        self._notify(text)

    def _notify(self, text: str) -> None:
        """Tell the listeners (the app shows a notification) without changing ``error``."""
        shown = self.safe(text)
        for listener in list(self.error_listeners):
            listener(shown)

    def _current_url(self) -> str:
        """The server this client is (or was last) connected to, without user info."""
        server = getattr(self.nc, "_current_server", None)
        url = getattr(server, "uri", None)
        if url is None:
            return ""
        host = url.hostname or ""
        return f"{url.scheme}://{host}:{url.port}" if url.port else f"{url.scheme}://{host}"

    async def measure_rtt(self, timeout: float = 10.0) -> float | None:
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
        future: asyncio.Future[None] = loop.create_future()
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
