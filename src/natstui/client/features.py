"""Publishing with the newer stream features (TTL, schedules, counters): wait for the stream's answer.

A core publish gets no answer, so a stream that refuses a ``Nats-TTL`` or a
``Nats-Schedule`` would drop the message silently. Here the message is sent as
a request and the stream's acknowledgement read: the sequence it was stored
at, or the refusal in words.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nats import errors as nats_errors
from nats.aio.client import Client as NATS

from natstui.client import publish as pub
from natstui.model.msgfeatures import FEATURE_HEADERS, refusal_text


class StreamRefused(Exception):
    """The stream did not store the message; the text says why, in words."""


def wants_stream(headers: Sequence[tuple[str, str]]) -> bool:
    """Does the message ask a stream for a feature (TTL, schedule, counter, batch)?"""
    return any(name.lower() == h.lower() for name, _ in headers for h in FEATURE_HEADERS)


async def publish_to_stream(
    nc: NATS, subject: str, payload: bytes, headers: Sequence[tuple[str, str]], timeout: float = 5.0
) -> dict[str, Any]:
    """Publish and return the stream's acknowledgement (``stream``, ``seq``, a counter's ``val``)."""
    try:
        reply = await pub.request(nc, subject, payload, list(headers), timeout=timeout)
    except nats_errors.NoRespondersError:
        raise StreamRefused(
            f"no stream stores {subject}: a TTL, a schedule or a counter needs a JetStream stream whose "
            "subjects take it"
        ) from None
    except nats_errors.TimeoutError:
        raise StreamRefused(f"the stream did not answer within {timeout:g} s") from None
    try:
        ack = json.loads(reply.msg.data or b"{}")
    except ValueError:
        raise StreamRefused("something that is not a stream answered on this subject") from None
    if not isinstance(ack, dict) or "stream" not in ack and "error" not in ack:
        raise StreamRefused("something that is not a stream answered on this subject")
    error = ack.get("error")
    if error:
        raise StreamRefused(
            refusal_text(
                str(error.get("description", "unknown error")), int(error.get("err_code", 0)), ack.get("stream", "")
            )
        )
    answer: dict[str, Any] = ack
    return answer


async def stream_for(js: Any, subject: str) -> dict[str, Any] | None:
    """The configuration of the stream that stores ``subject`` (None when no stream does)."""
    answer = await js.api("STREAM.NAMES", {"subject": subject})
    names = answer.get("streams") or []
    if not names:
        return None
    info = await js.stream_info(names[0])
    config: dict[str, Any] = info.get("config") or {}
    return config
