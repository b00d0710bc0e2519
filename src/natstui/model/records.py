"""One received message, as the store keeps it."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class StoredMsg:
    """A message that was not delivered by a subscription: read from a stream,
    a KV bucket or a recording. Has the fields of nats-py's ``Msg`` that the
    views read."""

    __slots__ = ("subject", "reply", "data", "headers", "_sid", "stored_at")

    def __init__(
        self,
        subject: str,
        data: bytes = b"",
        headers: dict[str, Any] | None = None,
        reply: str = "",
        stored_at: float | None = None,
    ) -> None:
        self.subject = subject
        self.reply = reply
        self.data = data
        self.headers = headers
        self._sid = None
        self.stored_at = stored_at  # when the server stored it, if the record's time is another (read) time


class Record:
    """A message and where it came from.

    ``msg`` is nats-py's ``Msg`` (kept whole so that later actions such as
    respond or ack can use it); ``seq`` is the store's own counter.
    """

    __slots__ = ("seq", "time", "msg", "sub_subject", "queue", "sections")

    def __init__(
        self,
        seq: int,
        time: float,
        msg: Any,
        sub_subject: str = "",
        queue: str = "",
    ) -> None:
        self.seq = seq
        self.time = time
        self.msg = msg
        self.sub_subject = sub_subject
        self.queue = queue
        # Extra (title, [(label, value)]) blocks for the inspector, e.g. a
        # stored stream message's sequence or a KV entry's revision.
        self.sections: list[tuple[str, list[tuple[str, str]]]] | None = None

    @classmethod
    def stored(
        cls,
        subject: str,
        data: bytes,
        headers: dict[str, Any] | None,
        time: float,
        sections: list[tuple[str, list[tuple[str, str]]]] | None = None,
        seq: int = 0,
        stored_at: float | None = None,
    ) -> Record:
        """A record for the inspector from something read rather than received (``time``: when it was
        read, or stored; ``stored_at``: when the server stored it, when ``time`` is the reading)."""
        record = cls(seq, time, StoredMsg(subject, data, headers, stored_at=stored_at))
        record.sections = sections
        return record

    @property
    def subject(self) -> str:
        return str(self.msg.subject)

    @property
    def reply(self) -> str:
        return self.msg.reply or ""

    @property
    def data(self) -> bytes:
        return self.msg.data or b""

    @property
    def headers(self) -> dict[str, Any] | None:
        headers: dict[str, Any] | None = self.msg.headers
        return headers

    @property
    def sid(self) -> int | None:
        # nats-py's ``Msg.sid`` raises when unset; read the field behind it.
        return getattr(self.msg, "_sid", None)

    @property
    def size(self) -> int:
        return len(self.msg.data or b"")

    def js_metadata(self) -> Any:
        """nats-py ``Msg.Metadata`` when the reply is a JetStream ack subject, else None."""
        reply = self.reply
        if not reply.startswith("$JS.ACK."):
            return None
        try:
            return self.msg.metadata
        except Exception:  # malformed ack subject: show the message without metadata
            return None

    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.time)
