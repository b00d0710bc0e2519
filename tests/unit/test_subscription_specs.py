"""Subscription and responder specs: checked before anything is sent, kept in config.toml."""

from __future__ import annotations

import pytest

from natstui.config import ConfigError, load_config, load_subscriptions, save_layout, save_subscriptions
from natstui.model.subscriptions import (
    ResponderSpec,
    SpecError,
    SubSpec,
    parse_count,
    parse_delay,
    parse_size,
)


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("", "the subject is empty"),
        ("orders new", "whitespace"),
        ("orders\tnew", "whitespace"),
        ("orders..new", "empty token"),
        ("orders.", "empty token"),
        (".orders", "empty token"),
        ("orders.>.eu", "'>' may only be the last token"),
        ("orders.a*", "must be whole tokens"),
        ("orders.>x", "must be whole tokens"),
    ],
)
def test_invalid_subjects_are_refused_with_the_reason(subject, reason):
    with pytest.raises(SpecError, match=reason):
        SubSpec(subject).check()
    with pytest.raises(SpecError, match=reason):
        ResponderSpec(subject).check()


@pytest.mark.parametrize("subject", [">", "orders.*", "orders.*.eu.>", "a.b.c", "ünï.cödé"])
def test_valid_subjects_pass(subject):
    assert SubSpec(subject, "workers").check().subject == subject


def test_queue_group_and_numbers():
    with pytest.raises(SpecError, match="queue group contains whitespace"):
        SubSpec("a", "two words").check()
    assert parse_count("1,000", "n") == 1000 and parse_count("", "n") == 0
    with pytest.raises(SpecError, match="whole number"):
        parse_count("-3", "stop after")
    assert (
        parse_size("64MiB", "b") == 64 * 1024**2 and parse_size("512k", "b") == 512 * 1024 and parse_size("", "b") == 0
    )
    with pytest.raises(SpecError, match="size"):
        parse_size("lots", "the pending bytes limit")
    assert parse_delay("250ms") == 0.25 and parse_delay("2") == 2.0 and parse_delay("1.5s") == 1.5
    with pytest.raises(SpecError, match="delay"):
        parse_delay("soon")
    with pytest.raises(SpecError, match="error code"):
        ResponderSpec("a", error="down", error_code="x").check()


def test_saving_replaces_the_subscriptions_and_keeps_everything_else(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# mine\ntheme = "nord"\n\n[[subscriptions]]\nsubject = "old.>"\n\n[keymap]\n"live.pause" = "p"\n')
    specs = [
        SubSpec("orders.*", "workers", max_msgs=10),
        SubSpec("billing.>", pending_bytes_limit=1024),
        SubSpec("ü.>"),
    ]
    save_subscriptions(specs, path)
    assert load_subscriptions(path) == specs
    data = load_config(path)
    assert data["theme"] == "nord" and data["keymap"] == {"live.pause": "p"}
    assert path.read_text().startswith("# mine\n")
    save_layout({"tree_width": 30}, path)  # another table written afterwards leaves them alone
    save_subscriptions(specs[:1], path)
    assert load_subscriptions(path) == specs[:1] and load_config(path)["layout"] == {"tree_width": 30}
    save_subscriptions([], path)
    assert load_subscriptions(path) == [] and load_config(path)["theme"] == "nord"


def test_a_bad_saved_subscription_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[subscriptions]]\nsubject = "a..b"\n')
    with pytest.raises(ConfigError, match="empty token"):
        load_subscriptions(path)
    path.write_text('subscriptions = "orders"\n')
    with pytest.raises(ConfigError, match=r"\[\[subscriptions\]\]"):
        load_subscriptions(path)
    with pytest.raises(ConfigError, match="does not edit it"):
        save_subscriptions([SubSpec("a")], path)


def test_count_and_saved_subscriptions_reach_the_settings(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from natstui.cli import build_settings, main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    save_subscriptions([SubSpec("saved.>", "grp")])
    settings = build_settings(["nats://127.0.0.1:1"], None, [], "", 1000, False, count=5)
    assert settings.count == 5 and settings.subscriptions == [SubSpec("saved.>", "grp")]
    assert build_settings(["nats://127.0.0.1:1"], None, [], "q", 1000, False).subscriptions == []
    words = " ".join(CliRunner().invoke(main, ["--help"]).output.split())
    assert "--count N Stop the live stream after N messages, like nats sub --count" in words
    result = CliRunner().invoke(main, ["--count", "-1"])
    assert result.exit_code == 2 and "--count" in result.output
