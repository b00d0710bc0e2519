"""A responder: answers requests on a subject, a stand-in for a service that is down or not written yet.

It answers with a fixed payload and headers, or with the request echoed (its payload and
headers), optionally after a delay and with the micro-services error headers
(``Nats-Service-Error``, ``Nats-Service-Error-Code``). Messages without a reply subject are not
requests and are left alone. It lives on the app's connection: closing the app removes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from natstui.model.compose import ComposeError, parse_headers
from natstui.model.templates import TemplateError, render

if TYPE_CHECKING:
    from natstui.client.feed import LiveSub

SERVICE_ERROR = "Nats-Service-Error"
SERVICE_ERROR_CODE = "Nats-Service-Error-Code"


def answer_callback(nc: NATS, entry: LiveSub) -> Callable[[Msg], Awaitable[None]]:
    spec = entry.responder
    assert spec is not None

    async def send(msg: Msg) -> None:
        data = (msg.data or b"") if spec.echo else spec.payload
        headers = dict(msg.headers or {}) if spec.echo else {}
        if spec.template is not None and not spec.echo:
            try:  # the template as the compose screen fills it, numbered by this answer
                filled = render(spec.template, entry.answered + entry.answer_errors + 1)
                data = filled.payload.encode("utf-8")
                headers = dict(parse_headers(filled.headers))
            except (TemplateError, ComposeError):
                entry.answer_errors += 1
                return
        headers.update(spec.headers)
        if spec.error:
            headers[SERVICE_ERROR] = spec.error
            headers[SERVICE_ERROR_CODE] = spec.error_code or "500"
        try:
            await nc.publish(msg.reply, data, headers=headers or None)
        except Exception:
            entry.answer_errors += 1
            return
        entry.answered += 1

    async def later(msg: Msg) -> None:
        await asyncio.sleep(spec.delay)
        await send(msg)

    async def answer(msg: Msg) -> None:
        if not msg.reply:
            return
        if not spec.delay:
            await send(msg)
            return
        # each request waits on its own: a second one is not held behind the first one's delay
        task = asyncio.ensure_future(later(msg))
        entry.tasks.add(task)
        task.add_done_callback(entry.tasks.discard)

    return answer
