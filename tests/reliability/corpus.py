"""Hostile messages: what a malicious or broken publisher can put on the wire."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

ESC = "\x1b"
KINDS = 22  # kinds of hostile message, cycled through by ``corpus``


@dataclass
class Hostile:
    subject: str
    data: bytes
    headers: dict[str, str] | None = None
    raw_headers: bytes | None = None  # a header block sent as is (invalid UTF-8, odd lines)


def deep_json(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def nested_objects(depth: int) -> bytes:
    value: object = "[bold]bottom[/]"
    for i in range(depth):
        value = {f"k{i}": value, "esc": f"{ESC}[31m"}
    return json.dumps(value).encode()


def corpus(prefix: str, count: int, max_payload: int) -> list[Hostile]:
    """``count`` messages cycling through every kind of hostile content."""
    osc52 = f"{ESC}]52;c;{base64.b64encode(b'rm -rf ~').decode()}\x07".encode()
    kinds = [
        lambda i: Hostile(f"{prefix}.markup", f"[bold red]alert {i}[/] [link=http://evil]x[/link] [/]".encode()),
        lambda i: Hostile(f"{prefix}.markup.close", b"[/]"),
        lambda i: Hostile(f"{prefix}.ansi", f"{ESC}[2J{ESC}[H{ESC}[31mcleared {i}{ESC}[0m".encode()),
        lambda i: Hostile(f"{prefix}.osc52", osc52 + f" clipboard {i}".encode()),
        lambda i: Hostile(f"{prefix}.title", f"{ESC}]0;pwned {i}\x07{ESC}[?1049h{ESC}P+q{ESC}\\".encode()),
        lambda i: Hostile(f"{prefix}.c1", f"\u009b31m c1 csi \u0085 nel \u009d osc {i}".encode()),
        lambda i: Hostile(f"{prefix}.c1raw", b"\x9b31m raw C1 bytes \x9d\x07 " + str(i).encode()),
        lambda i: Hostile(f"{prefix}.bidi", f"user\u202egnp.exe\u202c \u2066iso\u2069 \u200f{i}".encode()),
        lambda i: Hostile(f"{prefix}.utf8bad", b"\xff\xfe\xc0\xaf\xed\xa0\x80 invalid " + str(i).encode()),
        lambda i: Hostile(f"{prefix}.controls", bytes(range(0, 32)) + b"\x7f" + str(i).encode()),
        lambda i: Hostile(f"{prefix}.crlf", f"line1\r\nline2\rback\ttab {i}\x08\x08bs".encode()),
        lambda i: Hostile(f"{prefix}.json.deep", deep_json(20_000)),
        lambda i: Hostile(f"{prefix}.json.nested", nested_objects(200)),
        lambda i: Hostile(
            f"{prefix}.json.markup",
            json.dumps({"msg": f"{ESC}[2J[bold]x[/]\u202e", "n": i, "\u202ekey": "[/]"}).encode(),
        ),
        lambda i: Hostile(f"{prefix}.zalgo", ("Z" + "\u0336\u0334\u0335" * 300 + "\u200b" * 50 + "🙂" * 20).encode()),
        lambda i: Hostile(f"{prefix}.longline", b"A" * 200_000),
        lambda i: Hostile(
            f"{prefix}.headers",
            b"payload",
            headers={
                "X-Esc": f"{ESC}[31mred{ESC}[0m",
                "X-Markup": "[/][bold]",
                "X-Bidi": "\u202eabc",
                "X-Bell": "ding\x07",
                "X-Osc": f"{ESC}]52;c;aGk=\x07",
            },
        ),
        lambda i: Hostile(
            f"{prefix}.rawheaders",
            b"raw",
            raw_headers=b"NATS/1.0\r\nX-Bad: \xff\xfe\x80 "
            + str(i).encode()
            + b"\r\nX-Ctl: a\x00b\x1b[2Jc\x9b\r\nX-[b]\x1b[31m\xe2\x80\xae: odd name\r\n"
            b"no colon here\r\n: empty name\r\n\r\n",
        ),
        lambda i: Hostile(f"{prefix}.subj.\x1b[2J.{i % 7}", b"escape in the subject"),
        lambda i: Hostile(f"{prefix}.subj.[bold].[/].{i % 5}", b"markup in the subject"),
        lambda i: Hostile(f"{prefix}.subj.\u202eevil\x07\x00.\u009b", b"bidi, bell, NUL and C1 in the subject"),
        lambda i: Hostile(f"{prefix}.empty", b""),
    ]
    assert len(kinds) == KINDS
    messages = [kinds[i % len(kinds)](i) for i in range(count)]
    # a few payloads right at the limit the server allows
    big = json.dumps({"data": "x" * (max_payload - 200), "esc": f"{ESC}[2J"}).encode()
    messages[len(kinds) * 3] = Hostile(f"{prefix}.huge.json", big[: max_payload - 64])
    messages[len(kinds) * 3 + 1] = Hostile(f"{prefix}.huge.binary", bytes(range(256)) * ((max_payload - 64) // 256))
    messages[len(kinds) * 3 + 2] = Hostile(
        f"{prefix}.huge.text", (f"{ESC}[2J[/]\u202e" * 100_000).encode()[: max_payload - 64]
    )
    return messages
