"""One received message, as the store keeps it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional


class Record:
    """A message and where it came from.

    ``msg`` is nats-py's ``Msg`` (kept whole so that later actions such as
    respond or ack can use it); ``seq`` is the store's own counter.
    """

    __slots__ = ("seq", "time", "msg", "sub_subject", "queue")

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

    @property
    def subject(self) -> str:
        return self.msg.subject

    @property
    def reply(self) -> str:
        return self.msg.reply or ""

    @property
    def data(self) -> bytes:
        return self.msg.data or b""

    @property
    def headers(self) -> Optional[dict]:
        return self.msg.headers

    @property
    def sid(self) -> Optional[int]:
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
