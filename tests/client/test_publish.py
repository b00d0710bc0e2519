"""Publish, request and respond against a real nats-server: headers intact, errors in plain words."""

import asyncio
import uuid
from urllib.parse import urlsplit

import pytest
from nats import errors as nats_errors

from natstui.client import publish as pub
from natstui.client.session import confirm, describe_error
from natstui.model.compose import (
    ComposeError,
    group_headers,
    headers_text,
    parse_headers,
    parse_timeout,
    payload_problem,
    subject_problem,
)
from tests.conftest import wait_until


def prefix() -> str:
    return "p" + uuid.uuid4().hex[:8]


class RawSubscriber:
    """A subscriber speaking the NATS protocol on a plain socket: it sees the header block
    exactly as the server delivers it (nats-py's parser keeps only the last value of a name)."""

    def __init__(self, url: str, subject: str) -> None:
        self.url = url
        self.subject = subject
        self.buffer = b""

    async def __aenter__(self):
        parts = urlsplit(self.url)
        self.reader, self.writer = await asyncio.open_connection(parts.hostname, parts.port)
        await self.reader.readline()  # INFO
        self.writer.write(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n')
        self.writer.write(f"SUB {self.subject} 1\r\nPING\r\n".encode())
        await self.writer.drain()
        while (await self.reader.readline()).strip() != b"PONG":
            pass
        return self

    async def __aexit__(self, *exc):
        self.writer.close()

    async def next_hmsg(self, timeout: float = 5.0):
        """(subject, header block, payload) of the next HMSG."""
        while True:
            line = (await asyncio.wait_for(self.reader.readline(), timeout)).strip()
            if line == b"PING":
                self.writer.write(b"PONG\r\n")
                continue
            if line.startswith(b"HMSG"):
                fields = line.split()
                hdr_len, total = int(fields[-2]), int(fields[-1])
                body = await asyncio.wait_for(self.reader.readexactly(total + 2), timeout)
                return fields[1].decode(), body[:hdr_len], body[hdr_len:total]


# -- what the compose screen checks -------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, problem",
    [
        ("orders.eu.created", None),
        ("_INBOX.abc.1", None),
        ("", "empty"),
        ("orders eu", "whitespace"),
        ("orders.\teu", "whitespace"),
        ("orders..eu", "empty token"),
        (".orders", "empty token"),
        ("orders.", "empty token"),
        ("orders.*.created", "wildcard '*'"),
        ("orders.>", "wildcard '>'"),
        ("orders.\x07", "control character"),
    ],
)
def test_subject_checks(subject, problem):
    found = subject_problem(subject)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_wildcards_allowed_only_when_asked():
    assert subject_problem("orders.*.x", wildcards=True) is None
    assert subject_problem("orders.>", wildcards=True) is None
    assert "last token" in subject_problem("orders.>.x", wildcards=True)


def test_headers_parse_in_order_with_repeats_and_errors():
    pairs = parse_headers("Content-Type: application/json\n\nAccept: a\nAccept:b  \nX-Empty:\n")
    assert pairs == [("Content-Type", "application/json"), ("Accept", "a"), ("Accept", "b"), ("X-Empty", "")]
    assert group_headers(pairs) == {"Content-Type": "application/json", "Accept": ["a", "b"], "X-Empty": ""}
    assert headers_text({"Accept": ["a", "b"], "X": "\x1b[2J"}) == "Accept: a\nAccept: b\nX: \\e[2J"
    for bad, why in [
        ("no colon here", "line 1: expected 'Name: value'"),
        ("ok: 1\n: v", "line 2: the name is empty"),
        ("Bad Name: v", "not a valid header name"),
    ]:
        with pytest.raises(ComposeError, match=why):
            parse_headers(bad)


def test_payload_and_timeout_checks():
    assert payload_problem('{"a": 1}') is None
    assert payload_problem("plain text") is None
    assert payload_problem("") is None
    problem = payload_problem('{"a": 1,}')
    assert problem and "not valid" in problem and "line 1" in problem
    assert parse_timeout("2.5") == 2.5 and parse_timeout("3s") == 3.0
    for bad in ("0", "-1", "abc", "1000"):
        with pytest.raises(ComposeError):
            parse_timeout(bad)


# -- against the server ----------------------------------------------------------------------


async def test_publish_with_headers_arrives_intact_even_a_repeated_name(server_url, nc):
    p = prefix()
    got = []

    async def cb(msg):
        got.append(msg)

    await nc.subscribe(f"{p}.>", cb=cb)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    async with RawSubscriber(server_url, f"{p}.>") as raw:
        headers = parse_headers(
            "Content-Type: application/json\nAccept: text/plain\nAccept: application/json\nX-Trace: ünï"
        )
        await pub.publish(nc, f"{p}.orders", b'{"id": 1}', headers)
        # unique names go through nats-py's own publish
        await pub.publish(nc, f"{p}.single", b"one", [("X-One", "1")])
        subject, block, payload = await raw.next_hmsg()
        assert subject == f"{p}.orders" and payload == b'{"id": 1}'
        lines = block.decode().split("\r\n")
        assert lines[0] == "NATS/1.0"
        assert lines[1:5] == [
            "Content-Type: application/json",
            "Accept: text/plain",
            "Accept: application/json",
            "X-Trace: ünï",
        ]
        subject, block, payload = await raw.next_hmsg()
        assert subject == f"{p}.single" and b"X-One: 1\r\n" in block and payload == b"one"
    await wait_until(lambda: len(got) == 2)
    assert got[0].headers["Content-Type"] == "application/json"
    assert got[0].headers["X-Trace"] == "ünï"
    assert got[1].headers == {"X-One": "1"}


async def test_publish_refuses_bad_subjects_before_sending(nc):
    p = prefix()
    got = []

    async def cb(msg):
        got.append(msg)

    await nc.subscribe(">", cb=cb)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    before = nc.stats["out_msgs"]
    for subject in (f"{p}.*", f"{p} x", f"{p}..x", ""):
        with pytest.raises(ComposeError):
            await pub.publish(nc, subject, b"nope")
    assert nc.stats["out_msgs"] == before
    await nc.flush()
    assert not [m for m in got if m.subject.startswith(p)]


async def test_request_gets_the_reply_with_round_trip_and_headers(nc):
    p = prefix()
    seen = []

    async def responder(msg):
        seen.append(msg)
        await nc.publish(msg.reply, b'{"ok": true}', headers={"X-Served-By": "test"})

    await nc.subscribe(f"{p}.svc", cb=responder)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    reply = await pub.request(nc, f"{p}.svc", b"ping", [("Accept", "a"), ("Accept", "b")], timeout=5)
    assert reply.msg.data == b'{"ok": true}'
    assert reply.msg.headers == {"X-Served-By": "test"}
    assert reply.round_trip > 0 and reply.subject == f"{p}.svc"
    assert reply.sent_headers == {"Accept": ["a", "b"]}
    assert seen[0].data == b"ping" and seen[0].reply == reply.inbox
    assert reply.service_error is None


async def test_no_responders_and_timeout_in_plain_words(nc):
    p = prefix()
    with pytest.raises(nats_errors.NoRespondersError) as info:
        await pub.request(nc, f"{p}.nobody", b"", timeout=5)
    assert describe_error(info.value) == "no responders: nothing is subscribed to that subject"

    async def silent(msg):  # listens, never answers
        pass

    await nc.subscribe(f"{p}.silent", cb=silent)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    with pytest.raises(nats_errors.TimeoutError) as info:
        await pub.request(nc, f"{p}.silent", b"", timeout=0.2)
    assert describe_error(info.value) == "timed out"


async def test_respond_reaches_the_requester(nc):
    p = prefix()
    received = []

    async def remember(msg):
        received.append(msg)

    await nc.subscribe(f"{p}.ask", cb=remember)
    await nc.flush()
    task = asyncio.ensure_future(nc.request(f"{p}.ask", b"question", timeout=5))
    await wait_until(lambda: received)
    await pub.respond(nc, received[0].reply, b"answer", [("X-Answer", "42")])
    answer = await task
    assert answer.data == b"answer" and answer.headers == {"X-Answer": "42"}
    with pytest.raises(ValueError, match="no reply subject"):
        await pub.respond(nc, "", b"x")


async def test_payload_too_large_is_refused_in_plain_words(nc):
    p = prefix()
    too_big = b"x" * (nc.max_payload + 1)
    with pytest.raises(nats_errors.MaxPayloadError) as info:
        await pub.publish(nc, f"{p}.big", too_big, [("A", "1"), ("A", "2")])
    assert describe_error(info.value).startswith("payload too large for the server")
    with pytest.raises(nats_errors.MaxPayloadError):
        await pub.publish(nc, f"{p}.big", too_big)
    assert nc.is_connected


async def test_payload_that_fits_only_without_its_headers_is_refused_and_the_connection_kept(nc):
    """nats-py counts the payload only: with headers the message may be over the server's limit,
    which closes the connection. natstui counts both and refuses before sending."""
    p = prefix()
    near = b"x" * (nc.max_payload - 10)
    with pytest.raises(nats_errors.MaxPayloadError) as info:
        await pub.publish(nc, f"{p}.near", near, [("Content-Type", "text/plain")])
    assert describe_error(info.value).startswith("payload too large for the server")
    await nc.flush(timeout=2)
    assert nc.is_connected
