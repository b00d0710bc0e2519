"""The system account's own requests: every server of a cluster or supercluster answers them.

``$SYS.REQ.SERVER.PING[.KIND]`` is answered by every server (the servers do the fan-out over routes
and gateways), ``$SYS.REQ.SERVER.<id>.<KIND>`` by one, ``$SYS.REQ.ACCOUNT.<account>.<KIND>`` about
one account. Replies are ``{"server": {...}, "data": {...}}`` or ``{"server": ..., "error": {...}}``.
Nothing here trusts a reply's shape: a malformed one becomes a :class:`ServerReply` with ``error``
set, never an exception.

Only a connection in the system account gets answers to the server requests: natstui uses the
user's own connection when it is one (``SystemAccess.own``), else a second connection made from
``--system-context`` / ``--system-creds`` (see ``natstui.config.system_settings``).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS

PING = "$SYS.REQ.SERVER.PING"
# What the server requests are called (the monitoring endpoints, without /).
KINDS = ("STATZ", "VARZ", "CONNZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "SUBSZ", "JSZ", "ACCOUNTZ", "HEALTHZ", "IDZ")
NO_SYSTEM = (
    "Not in the system account: start natstui with --system-context NAME or --system-creds FILE "
    "(a user of the system account), or connect as one"
)


@dataclass
class ServerReply:
    """One server's answer. ``data`` is the endpoint's JSON; ``error`` says why there is none."""

    server: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    raw: bytes = b""
    received: float = 0.0  # time.monotonic() when it came

    @property
    def id(self) -> str:
        return str(self.server.get("id") or "")

    @property
    def name(self) -> str:
        return str(self.server.get("name") or self.id)

    @property
    def cluster(self) -> str:
        return str(self.server.get("cluster") or "")

    @classmethod
    def parse(cls, payload: bytes) -> ServerReply:
        reply = cls(raw=payload, received=time.monotonic())
        try:
            body = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            reply.error = "malformed reply (not JSON)"
            return reply
        if not isinstance(body, dict):
            reply.error = "malformed reply (not a JSON object)"
            return reply
        server = body.get("server")
        reply.server = server if isinstance(server, dict) else {}
        error = body.get("error")
        if error:
            if isinstance(error, dict):
                reply.error = str(error.get("description") or error.get("code") or error)
            else:
                reply.error = str(error)
        data = body.get("data", body.get("statsz"))  # STATZ answers under "statsz"
        if isinstance(data, dict):
            reply.data = data
        elif data is None and not error and not isinstance(server, dict):
            reply.data = body  # a bare answer (e.g. from an older server)
        elif not error and data is not None:
            reply.error = "malformed reply (data is not an object)"
        return reply


class NoSystemAccount(Exception):
    """Nobody answers: this connection is not in the system account."""


def _no_responders(msg: Any) -> bool:
    headers = getattr(msg, "headers", None) or {}
    return headers.get("Status") == "503" and not msg.data


async def gather(
    nc: NATS,
    subject: str,
    payload: dict[str, Any] | None = None,
    *,
    timeout: float = 2.0,
    expected: int | None = None,
    quiet: float = 0.3,
) -> list[ServerReply]:
    """Every reply to one request until ``timeout``, ``expected`` replies, or ``quiet`` seconds
    without a new one after the first (servers behind gateways answer late, but together).

    Raises :class:`NoSystemAccount` when the server says nobody listens on the subject."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    replies: list[ServerReply] = []
    try:
        await nc.publish(subject, json.dumps(payload or {}).encode(), reply=inbox)
        deadline = time.monotonic() + timeout
        while expected is None or len(replies) < expected:
            now = time.monotonic()
            wait = deadline - now
            if replies:
                wait = min(wait, quiet)
            if wait <= 0:
                break
            try:
                msg = await sub.next_msg(timeout=wait)
            except asyncio.TimeoutError:
                break
            except Exception as exc:  # nats-py's own timeout type differs between versions
                if "timeout" in type(exc).__name__.lower():
                    break
                raise
            if _no_responders(msg):
                if not replies:
                    raise NoSystemAccount(subject)
                continue
            replies.append(ServerReply.parse(msg.data))
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            pass  # the connection went away: nothing left to undo
    return replies


class SystemAccess:
    """The system account, or why natstui has none (``reason``, one line with the fix)."""

    def __init__(self, nc: NATS | None = None, *, own: bool = False, reason: str = "") -> None:
        self.nc = nc
        self.own = own  # the user's own connection is in the system account
        self.reason = reason if nc is None else ""
        self.servers_seen = 0  # how many servers answered the last ping: later pings stop there

    @property
    def available(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    def _nc(self) -> NATS:
        if self.nc is None:
            raise NoSystemAccount(self.reason or NO_SYSTEM)
        return self.nc

    async def ping(
        self, kind: str, payload: dict[str, Any] | None = None, *, timeout: float = 2.0, complete: bool = False
    ) -> list[ServerReply]:
        """Every server's answer to ``kind`` (``STATZ``, ``VARZ``, ``CONNZ``, ...), sorted by name.

        Stops once as many servers answered as last time, unless ``complete`` (then it waits for the
        replies to go quiet, so that a server that joined is seen)."""
        subject = PING if kind == "STATZ" else f"{PING}.{kind}"
        expected = None if complete or not self.servers_seen else self.servers_seen
        replies = await gather(self._nc(), subject, payload, timeout=timeout, expected=expected)
        if complete or len(replies) > self.servers_seen:
            self.servers_seen = len(replies)
        return sorted(replies, key=lambda r: (r.cluster, r.name))

    async def server(
        self, server_id: str, kind: str, payload: dict[str, Any] | None = None, *, timeout: float = 2.0
    ) -> ServerReply | None:
        """One server's answer (None when it does not answer in time)."""
        replies = await gather(self._nc(), f"$SYS.REQ.SERVER.{server_id}.{kind}", payload, timeout=timeout, expected=1)
        return replies[0] if replies else None

    async def accounts(
        self, kind: str, payload: dict[str, Any] | None = None, *, timeout: float = 2.0
    ) -> list[ServerReply]:
        """Every server's answer about many accounts (``$SYS.REQ.ACCOUNT.PING.STATZ`` with ``accounts``)."""
        expected = self.servers_seen or None
        return await gather(self._nc(), f"$SYS.REQ.ACCOUNT.PING.{kind}", payload, timeout=timeout, expected=expected)

    async def account(
        self, account: str, kind: str, payload: dict[str, Any] | None = None, *, timeout: float = 2.0
    ) -> list[ServerReply]:
        """Every server's answer about one account (``CONNZ``, ``JSZ``, ``STATZ``, ``SUBSZ``, ...)."""
        return await gather(self._nc(), f"$SYS.REQ.ACCOUNT.{account}.{kind}", payload, timeout=timeout)


async def is_system(nc: NATS, timeout: float = 1.0) -> bool:
    """Whether this connection is in the system account (a server answers its STATZ ping)."""
    try:
        replies = await gather(nc, PING, timeout=timeout, expected=1)
    except NoSystemAccount:
        return False
    return bool(replies)


class SystemLink:
    """The app's way to the system account, made again for each new connection of the user's.

    The user's own connection when it is in the system account; else a second connection from the
    system settings (``--system-context``, ``--system-creds``); else a reason with the fix."""

    def __init__(self, settings: Any = None) -> None:
        self.settings = settings  # ConnectionSettings of the system user, or None
        self._for: NATS | None = None
        self._access: SystemAccess | None = None
        self._session: Any = None  # natstui.client.session.Session of the second connection
        self._lock = asyncio.Lock()

    async def access(self, own: NATS, own_connected: bool) -> SystemAccess:
        async with self._lock:
            if self._access is not None and self._for is own:
                return self._access
            if not own_connected:
                return SystemAccess(reason="Not connected")
            await self.close()
            self._for = own
            if await is_system(own):
                self._access = SystemAccess(own, own=True)
            elif self.settings is not None:
                self._access = await self._second()
            else:
                self._access = SystemAccess(reason=NO_SYSTEM)
            return self._access

    async def _second(self) -> SystemAccess:
        from natstui.client.session import ConnectError, Session

        self._session = Session(self.settings)
        try:
            await self._session.connect()
        except ConnectError as exc:
            return SystemAccess(reason=f"System account connection failed: {exc}")
        if not await is_system(self._session.nc):
            await self._session.close()
            self._session = None
            return SystemAccess(reason=f"The system user is not in the system account. {NO_SYSTEM}")
        return SystemAccess(self._session.nc)

    def forget(self) -> None:
        """Ask again on the next call (e.g. after a reconnection)."""
        self._for = None

    async def close(self) -> None:
        session, self._session = self._session, None
        self._access = None
        if session is not None:
            await session.close()
