"""The form for a new object store (the Object Store view's ``c``)."""

from __future__ import annotations

import re
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from natstui.client import objects as obc
from natstui.model.jetstream import STORAGES, parse_duration, parse_size
from natstui.ui.screens.jetstream_forms import FormScreen


class ObjectStoreCreateScreen(FormScreen):
    TITLE_TEXT = "New object store"
    FIELDS = {
        "name": "f-name",
        "description": "f-description",
        "storage": "f-storage",
        "replicas": "f-replicas",
        "ttl": "f-ttl",
        "max_bytes": "f-max-bytes",
    }

    def cancel_notice(self) -> str:
        return "Not created: new object store. The form keeps what you typed."

    def compose_fields(self) -> ComposeResult:
        yield Label("Name")
        yield Input(placeholder="letters, digits, - and _", id="f-name")
        yield Label("Description")
        yield Input(id="f-description")
        yield Label("Storage")
        yield Select([(s, s) for s in STORAGES], value="file", allow_blank=False, id="f-storage")
        yield Label("Replicas")
        yield Input("1", id="f-replicas")
        yield Label("TTL")
        yield Input("0", placeholder="e.g. 7d; 0: objects never expire", id="f-ttl")
        yield Label("Max bytes")
        yield Input("-1", placeholder="e.g. 1GiB, -1 for unlimited", id="f-max-bytes")

    def build(self) -> obc.StoreConfig:
        name = self.value("f-name").strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ValueError("the name may hold only letters, digits, - and _")
        try:
            replicas = int(self.value("f-replicas") or "1")
        except ValueError:
            raise ValueError("replicas must be a number from 1 to 5") from None
        if not 1 <= replicas <= 5:
            raise ValueError("replicas must be a number from 1 to 5")
        return obc.StoreConfig(
            name,
            description=self.value("f-description").strip(),
            storage=self.value("f-storage"),
            replicas=replicas,
            ttl=parse_duration(self.value("f-ttl")),
            max_bytes=parse_size(self.value("f-max-bytes")),
        )

    async def apply(self, config: obc.StoreConfig) -> tuple[Any, str]:
        await obc.create_store(self.app.jetstream().context, config)
        return config, f"Object store {config.name} created."
