"""`natstui serve` and `natstui demo --serve` in a real browser: Debian's Chromium, headless, driven by Playwright.

The page's terminal (xterm.js) draws on a canvas, so the screen is read the way the page gets it: the
app's output arrives in the page's websocket, and a VT emulator (pyte) replays it. Keys are typed into
the page with the browser's keyboard, so they go through xterm.js and textual-serve as a user's do.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nats
import pyte
import pytest

from natstui.client.session import confirm
from natstui.demo.server import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=(
        "no /usr/bin/chromium: scripts/test installs Debian's chromium with apt-get when it runs as root; "
        "as another user, install it with: sudo apt-get install -y chromium"
    ),
)


class PageTerminal:
    """What the page's terminal shows, replayed from the app's output in its websocket."""

    def __init__(self) -> None:
        self.screen: pyte.Screen | None = None
        self.stream: pyte.ByteStream | None = None
        self.lock = threading.Lock()
        self.frames = 0

    def attach(self, ws) -> None:
        query = parse_qs(urlparse(ws.url).query)
        width, height = int(query.get("width", ["80"])[0]), int(query.get("height", ["24"])[0])
        with self.lock:
            self.screen = pyte.Screen(width, height)
            self.stream = pyte.ByteStream(self.screen)
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):  # the app's terminal output (text frames are meta)
            with self.lock:
                self.frames += 1
                self.stream.feed(bytes(payload))

    def _sent(self, payload) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            with self.lock:
                self.screen.resize(size["height"], size["width"])

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.screen.display) if self.screen else ""


def wait_page(page, term: PageTerminal, condition: Callable[[str], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition(term.text()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never showed {what} within {timeout}s:\n{term.text()}")
        page.wait_for_timeout(100)  # lets Playwright deliver the websocket events


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} never answered"
        time.sleep(0.1)


def start(args: list[str], tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"), NATS_PASSWORD="never-in-the-page")
    return subprocess.Popen(
        [sys.executable, "-m", "natstui", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
    try:
        return proc.communicate(timeout=15)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        return proc.communicate()[0].decode(errors="replace")


def open_page(playwright, url: str, tmp_path: Path):
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=ARGS,
        viewport={"width": 1400, "height": 900},
    )
    page = context.pages[0] if context.pages else context.new_page()
    term = PageTerminal()
    page.on("websocket", term.attach)
    page.goto(url)
    return context, page, term


def publish(url: str, messages) -> None:
    """Publish from outside the browser."""

    async def run() -> None:
        nc = await nats.connect(url)
        try:
            for subject, data in messages:
                await nc.publish(subject, data)
            await nc.flush()
        finally:
            await nc.close()

    thread = threading.Thread(target=lambda: asyncio.run(run()))  # Playwright's loop runs in this thread
    thread.start()
    thread.join(15)


class Subscriber:
    """A plain NATS subscriber in a thread of its own: what the server really delivered."""

    def __init__(self, url: str, subject: str) -> None:
        self.url, self.subject = url, subject
        self.received: list[bytes] = []
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "subscriber never connected"

    async def _run(self) -> None:
        nc = await nats.connect(self.url)

        async def got(msg) -> None:
            self.received.append(msg.data)

        await nc.subscribe(self.subject, cb=got)
        await confirm(nc)  # the subscription is on the server before anything is sent to it
        self.ready.set()
        while not self.stop.is_set():
            await asyncio.sleep(0.05)
        await nc.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


def focus_terminal(page) -> None:
    page.locator(".xterm").first.click()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("allow_changes", [False, True], ids=["read-only", "allow-changes"])
def test_serve_in_chromium(nats_server, tmp_path, allow_changes):
    from playwright.sync_api import sync_playwright

    url = nats_server.url
    port = free_port()
    p = "web" + os.urandom(4).hex()
    proc = start(
        ["serve", "--port", str(port), "--server", url, "--subject", f"{p}.>"]
        + (["--allow-changes"] if allow_changes else []),
        tmp_path,
    )
    subscriber = Subscriber(url, f"{p}.from.browser")
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        with sync_playwright() as playwright:
            context, page, term = open_page(playwright, f"http://127.0.0.1:{port}/", tmp_path)
            try:
                assert "never-in-the-page" not in page.content()
                wait_page(page, term, lambda text: "● connected" in text, "the app, connected")
                # a message published to the server appears in the page
                publish(url, [(f"{p}.orders.created", b"seen-in-the-browser")])
                wait_page(
                    page, term, lambda text: "seen-in-the-browser" in text and "1 received" in text, "the message"
                )
                # typed keys reach the app: the Streams view, and back
                focus_terminal(page)
                page.keyboard.press("2")
                wait_page(page, term, lambda text: "in the account" in text, "the Streams view after '2'")
                page.keyboard.press("1")
                wait_page(page, term, lambda text: "seen-in-the-browser" in text, "the Live view after '1'")
                # a change: publishing with p
                page.keyboard.press("p")
                if not allow_changes:
                    wait_page(page, term, lambda text: "Refused" in text and "read-only" in text, "the refusal")
                    assert "Headers: one 'Name: value'" not in term.text()  # no compose screen opened
                else:
                    wait_page(page, term, lambda text: "Headers: one 'Name: value'" in text, "the compose screen")
                    # the subject typed in the page (its field has the focus), published with ctrl+s
                    page.keyboard.type(f"{p}.from.browser")
                    wait_page(page, term, lambda text: f"{p}.from.browser" in text, "the typed subject")
                    page.keyboard.press("Control+s")
                    deadline = time.monotonic() + 20
                    while not subscriber.received and time.monotonic() < deadline:
                        page.wait_for_timeout(100)
                    assert subscriber.received == [b""], term.text()  # on the server: one message, empty payload
            finally:
                context.close()
    finally:
        subscriber.close()
        out = stop(proc)
    assert "never-in-the-page" not in out
    if not allow_changes:
        assert subscriber.received == []


@pytest.mark.timeout(180)
def test_demo_serve_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start(["demo", "--serve", str(port)], tmp_path)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc, timeout=60)
        with sync_playwright() as playwright:
            context, page, term = open_page(playwright, f"http://127.0.0.1:{port}/", tmp_path)
            try:
                wait_page(page, term, lambda text: "● connected" in text, "the demo app, connected")
                wait_page(page, term, lambda text: "orders." in text and " received" in text, "demo traffic")
                focus_terminal(page)
                page.keyboard.press("2")
                wait_page(page, term, lambda text: "ORDERS" in text and "in the account" in text, "the demo streams")
                page.keyboard.press("p")
                wait_page(page, term, lambda text: "Refused" in text and "read-only" in text, "the read-only refusal")
            finally:
                context.close()
    finally:
        stop(proc)
