"""Interest on the subject tree (i in Live): subscriptions across the supercluster matching each node."""

from __future__ import annotations

import nats

from natstui.cli import make_app
from natstui.config import ConnectionSettings, Settings
from tests.conftest import screen_text, wait_connected, wait_until

SIZE = (170, 45)


def live_app(topology, subjects, system: bool = True):
    return make_app(
        Settings(
            connection=ConnectionSettings(servers=[topology.url]),
            subjects=subjects,
            system=topology.system_settings() if system else None,
        )
    )


def expand_all(tree) -> None:
    """Open every node the tree has made (children appear under expanded nodes)."""
    stack = [tree.root]
    while stack:
        node = stack.pop()
        if node.allow_expand and not node.is_expanded:
            node.expand()
        stack.extend(node.children)


def label_line(app, token: str) -> str:
    """The tree's line of the node named ``token`` as the user reads it."""
    for line in screen_text(app).splitlines():
        tree_part = line[:60]
        if f" {token} " in tree_part:
            return tree_part
    return ""


async def test_a_subscriber_on_another_server_raises_a_node_count_and_a_subject_nobody_receives_is_marked(topology):
    publisher = await nats.connect(topology.node("east-2").url, name="ti-publisher")
    receiver = await nats.connect(topology.node("west-2").url, name="ti-receiver")
    app = live_app(topology, ["ti.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            live = app.screen
            for subject in ("ti.alpha.x", "ti.beta.y"):
                await publisher.publish(subject, b"1")
            await publisher.flush()
            trie = app.monitor.trie
            await wait_until(lambda: trie.find("ti.alpha.x") and trie.find("ti.beta.y"), pilot=pilot)
            live.INTEREST_EVERY = 0.5
            live.subject_tree.focus()
            await pilot.press("i")
            await wait_until(lambda: live.subject_tree.interest is not None, pilot=pilot, timeout=15)

            def shown(token: str, text: str) -> bool:
                expand_all(live.subject_tree)
                live.subject_tree.sync()
                return text in label_line(app, token)

            # natstui's own ti.> is left out: nobody else listens
            await wait_until(lambda: shown("x", "no interest") and shown("y", "no interest"), pilot=pilot)
            header = live.interest_line.render().plain  # wrapped on the screen: read whole
            assert header.startswith("interest ") and " subs of APP, 7 servers" in header

            await receiver.subscribe("ti.alpha.*")
            await receiver.flush()
            await wait_until(lambda: shown("x", "1 sub"), pilot=pilot, timeout=20)
            assert shown("alpha", "1 sub") and shown("y", "no interest")
            mark = live.subject_tree.interest.node_mark(trie.find("ti.alpha.x"))
            assert mark == (1, False)

            await pilot.press("i")  # off again: no marks, no header
            await wait_until(lambda: not shown("x", "sub") and "subs of APP" not in screen_text(app), pilot=pilot)
    finally:
        await publisher.close()
        await receiver.close()


async def test_without_the_system_account_the_tree_says_what_is_needed(topology):
    app = live_app(topology, ["ti.>"], system=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("i")
        await wait_until(lambda: "--system-context" in screen_text(app), pilot=pilot, timeout=15)
        header = app.screen.interest_line.render().plain  # wrapped on the screen: read whole
        assert header.startswith("interest Not in the system account: start natstui with --system-context")
        assert app.screen.subject_tree.interest is None


async def test_a_server_with_more_subscriptions_than_a_page_is_read_in_pages(topology):
    from natstui.client.interest import PAGE, collect
    from natstui.client.system import SystemAccess

    many = await nats.connect(topology.node("west-1").url, name="ti-many")
    own = await nats.connect(topology.node("east-1").url, name="ti-own")
    system = await nats.connect(topology.system_url)
    try:
        for i in range(PAGE + 100):
            await many.subscribe(f"tipage.s{i}")
        await own.subscribe("tipage.>")  # the asking connection's own: left out
        await many.flush()
        await own.flush()
        snapshot = await collect(SystemAccess(system), own)
        assert snapshot.index is not None and snapshot.account == "APP" and snapshot.pages == 2
        assert snapshot.index.match_subject("tipage.s5").exact == 1
        assert snapshot.index.match_subject("tipage").under == PAGE + 100
    finally:
        await many.close()
        await own.close()
        await system.close()
