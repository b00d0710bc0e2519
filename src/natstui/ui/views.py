"""Every main view: its mode name, its name in the command palette, its key, its screen.

The app builds its modes, its view keys and its palette commands from this
list, so a view is added here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from textual.screen import Screen


@dataclass(frozen=True)
class ViewSpec:
    mode: str  # Textual mode name
    title: str  # plain name, as typed in the command palette
    key: str  # key shown in the footer; "" for a view reached from the command palette only
    footer: str  # short label for the footer
    target: str  # "module:Class" of the screen, imported when first shown
    description: str

    def factory(self) -> Callable[[], Screen]:
        module, _, name = self.target.partition(":")

        def build() -> Screen:
            return getattr(import_module(module), name)()

        return build


VIEWS: list[ViewSpec] = [
    ViewSpec(
        "live",
        "Live",
        "1",
        "Live",
        "natstui.ui.screens.live:LiveScreen",
        "Live messages: subject tree, stream and inspector",
    ),
    ViewSpec(
        "streams",
        "Streams",
        "2",
        "Streams",
        "natstui.ui.screens.streams:StreamsScreen",
        "JetStream streams, their configuration and their messages",
    ),
    ViewSpec(
        "consumers",
        "Consumers",
        "3",
        "Consumers",
        "natstui.ui.screens.consumers:ConsumersScreen",
        "Consumers of the selected stream, and the ack workbench",
    ),
    ViewSpec(
        "kv",
        "Key-Value",
        "4",
        "KV",
        "natstui.ui.screens.kv:KeyValueScreen",
        "Key-value buckets, keys, values, history and watch",
    ),
    ViewSpec(
        "objects",
        "Object Store",
        "5",
        "Objects",
        "natstui.ui.screens.objects:ObjectStoreScreen",
        "Object store buckets and objects",
    ),
    ViewSpec(
        "services",
        "Services",
        "6",
        "Services",
        "natstui.ui.screens.services:ServicesScreen",
        "Micro services discovered with $SRV.PING, INFO and STATS",
    ),
    ViewSpec(
        "servers",
        "Servers",
        "7",
        "Servers",
        "natstui.ui.screens.servers:ServersScreen",
        "Every server by cluster (system account); the connected server and the account's JetStream usage",
    ),
    ViewSpec(
        "connections",
        "Connections",
        "8",
        "Conns",
        "natstui.ui.screens.connections:ConnectionsScreen",
        "Every client connection of every server, a top (system account); this connection and its subscriptions",
    ),
    ViewSpec(
        "accounts",
        "Accounts",
        "9",
        "Accounts",
        "natstui.ui.screens.accounts:AccountsScreen",
        "Every account: connections, messages, JetStream usage against its limits (system account)",
    ),
    ViewSpec(
        "jscluster",
        "JetStream cluster",
        "",
        "JS cluster",
        "natstui.ui.screens.jscluster:JetStreamClusterScreen",
        "The meta group, every stream's and consumer's leader and replicas, leader step-down (system account)",
    ),
    ViewSpec(
        "latency",
        "Latency",
        "",
        "Latency",
        "natstui.ui.screens.latency:LatencyScreen",
        "Requests paired with their replies: answered, unanswered, p50/p90/p99 per request subject",
    ),
    ViewSpec(
        "subscriptions",
        "Subscriptions",
        "",
        "Subs",
        "natstui.ui.screens.subscriptions:SubscriptionsScreen",
        "The live stream's subscriptions: add, unsubscribe, drain, limits, step mode, save as default",
    ),
    ViewSpec(
        "events",
        "Events",
        "0",
        "Events",
        "natstui.ui.screens.events:EventsScreen",
        "The system's own events: JetStream advisories, connections, auth errors, servers going away",
    ),
]


@dataclass(frozen=True)
class ActionSpec:
    """A global action (not a view): a key, a palette entry, and a function of the app."""

    name: str
    title: str  # as typed in the command palette
    key: str
    footer: str
    target: str  # "module:function", called with the app
    description: str

    def run(self, app) -> None:
        module, _, name = self.target.partition(":")
        getattr(import_module(module), name)(app)


ACTIONS: list[ActionSpec] = [
    ActionSpec(
        "publish",
        "Publish",
        "p",
        "Publish",
        "natstui.ui.screens.compose:open_compose",
        "Publish a message or send a request",
    ),
    ActionSpec(
        "responder",
        "Responder",
        "",
        "Responder",
        "natstui.ui.screens.subscriptions:open_responder",
        "Answer requests on a subject: a fixed payload, or the request echoed (refused with --read-only)",
    ),
    ActionSpec(
        "consumer_report",
        "Consumer report",
        "",
        "Report",
        "natstui.ui.screens.consumers:open_report",
        "Every consumer of every stream, the most unprocessed first, with delivery rates",
    ),
]
