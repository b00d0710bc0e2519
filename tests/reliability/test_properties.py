"""Property-based tests for what turns wire data into text, beyond tests/unit/test_hostile_properties.py.

Covered here: JSON documents holding hostile strings, deep nesting, payloads up
to the default max payload, the live stream's row renderer, the subject trie
and tree sort key, header blocks, JetStream ack subjects in the inspector,
error descriptions, and secrets (URL user info, passwords) in what is shown.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from nats import errors as nats_errors
from nats.aio.msg import Msg
from rich.console import Console

from natstui.client.jetstream import parse_header_block
from natstui.client.session import Session, describe_error
from natstui.config import ConnectionSettings
from natstui.model.decode import TEXT_LIMIT, VIEW_MODES, render_payload
from natstui.model.records import Record
from natstui.model.sanitize import escape_block, is_safe
from natstui.model.store import RingStore
from natstui.model.subjects import SubjectTrie
from natstui.model.view import StreamView

HOSTILE_CHARS = [
    "\x1b",
    "[",
    "]",
    "/",
    "\x00",
    "\r",
    "\n",
    "\u202e",
    "\u2066",
    "\x9b",
    "\x85",
    "\t",
    "\x7f",
    "\x07",
    "\u2028",
    "\ufeff",
    "\u0336",
    "²",
    "①",
    "🙂",
    "界",
]
hostile_text = st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(HOSTILE_CHARS)), max_size=200)
token = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_characters=". \t\r\n"),
        st.sampled_from([c for c in HOSTILE_CHARS if c not in "\t\r\n"]),
    ),
    min_size=1,
    max_size=12,
)
subjects = st.lists(token, min_size=1, max_size=6).map(".".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | hostile_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(hostile_text, children, max_size=5),
    max_leaves=40,
)


def lines_are_safe(text: str) -> bool:
    return all(is_safe(line.replace("\t", " ")) for line in text.split("\n"))


def terminal_output(renderable, width: int = 100) -> str:
    console = Console(width=width, force_terminal=True, color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


@settings(max_examples=200, deadline=None)
@given(json_values, st.sampled_from(VIEW_MODES))
def test_json_documents_with_hostile_strings_render_safely(value, mode):
    data = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    rendered = render_payload(data, mode)
    assert lines_are_safe(rendered.text)
    if mode in ("auto", "json") and isinstance(value, (list, dict)):
        assert rendered.mode == "json"


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 200_000), st.sampled_from(["[]", "{}"]), st.sampled_from(VIEW_MODES))
def test_deeply_nested_json_never_raises(depth, brackets, mode):
    opening, closing = brackets
    inner = '"k":' if opening == "{" else ""
    data = (
        ((opening + inner) * depth + "0" + closing * depth).encode()
        if opening == "{"
        else (opening * depth + closing * depth).encode()
    )
    rendered = render_payload(data, mode)
    assert rendered.mode in ("json", "text", "hex")
    assert len(rendered.text) <= 8 * TEXT_LIMIT


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 1024 * 1024), st.binary(min_size=1, max_size=64), st.sampled_from(VIEW_MODES))
def test_payloads_up_to_max_payload_render_a_bounded_amount(size, pattern, mode):
    data = (pattern * (size // len(pattern) + 1))[:size]
    rendered = render_payload(data, mode)
    assert lines_are_safe(rendered.text)
    assert len(rendered.text) <= 8 * TEXT_LIMIT  # escaping may widen each character, never without bound


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_escape_block_keeps_only_newlines_and_tabs(text):
    out = escape_block(text)
    assert lines_are_safe(out)
    assert "\x1b" not in terminal_output(out.replace("[", "\\["))


@settings(max_examples=150, deadline=None)
@given(subjects, hostile_text, st.binary(max_size=400), st.booleans(), st.integers(20, 200))
def test_live_stream_row_is_safe_and_exactly_as_wide_as_the_view(subject, reply, data, selected, width):
    from natstui.ui.widgets.stream import MessageStream

    store = RingStore(10)
    record = store.append(
        Msg(
            _client=None,
            subject=subject,
            reply=reply,
            data=data,  # type: ignore[arg-type]
            headers={"X": reply} if reply else None,
        ),
        subject,
    )
    row = MessageStream(StreamView(store))._render_record(record, width, selected)
    assert row.cell_length == width
    assert is_safe(row.text)


@settings(max_examples=150, deadline=None)
@given(st.lists(subjects, min_size=1, max_size=30))
def test_subject_trie_takes_any_subjects_and_counts_them_all(names):
    trie = SubjectTrie(max_nodes=40)
    trie.add_many(Counter(names))
    assert trie.root.count == len(names)
    for name in names:
        node = trie.find(name)
        assert node is None or node.count >= 1  # past max_nodes a subject counts on an ancestor


@settings(max_examples=300, deadline=None)
@given(st.lists(token, min_size=2, max_size=10))
@example(tokens=["²", "node2", "①", "١٢", "node10"])  # digits that int() refuses, and Arabic-Indic ones it takes
def test_subject_tree_sort_key_takes_any_token(tokens):
    from natstui.ui.widgets.tree import natural_key

    assert sorted(tokens, key=natural_key) == sorted(reversed(tokens), key=natural_key)


@settings(max_examples=300, deadline=None)
@given(st.lists(token, min_size=1, max_size=8), st.randoms(use_true_random=False))
@example(tokens=["node02", "node2", "node002"], rnd=__import__("random").Random(1))  # equal as numbers, not as text
def test_subject_tree_order_does_not_depend_on_arrival_order(tokens, rnd):
    """The tree's sibling order is a total order on tokens: any arrival order gives the same sorted list."""
    from natstui.ui.widgets.tree import natural_key

    shuffled = list(tokens)
    rnd.shuffle(shuffled)
    assert sorted(shuffled, key=natural_key) == sorted(tokens, key=natural_key)
    for a in tokens:  # the key is exact: two tokens share a key only when they are the same token
        for b in tokens:
            assert (natural_key(a) == natural_key(b)) == (a == b)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="ascii", categories=["L"]), max_size=6),
    st.integers(0, 10**30),
    st.integers(0, 10**30),
    st.sampled_from(["", ".x", "-b"]),
)
@example(prefix="node", a=2, b=10, suffix="")
def test_subject_tree_numbers_compare_as_numbers(prefix, a, b, suffix):
    from natstui.ui.widgets.tree import natural_key

    left, right = natural_key(f"{prefix}{a}{suffix}"), natural_key(f"{prefix}{b}{suffix}")
    assert (left < right) == (a < b) and (left == right) == (a == b)


def test_subject_tree_sort_key_takes_a_very_long_number():
    from natstui.ui.widgets.tree import natural_key

    assert sorted(["1" * 5000, "2", "0" * 4999 + "3"], key=natural_key) == ["2", "0" * 4999 + "3", "1" * 5000]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_header_block_parser_never_raises(block):
    headers = parse_header_block(b"NATS/1.0\r\n" + block)
    assert headers is None or all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())


@settings(max_examples=150, deadline=None)
@given(
    token, token, st.lists(st.integers(0, 2**63), min_size=5, max_size=5), st.sampled_from(["", "dom"]), hostile_text
)
def test_jetstream_ack_subject_in_the_inspector_is_safe(stream, consumer, numbers, domain, data):
    from natstui.ui.widgets.inspector import summary

    assume("." not in stream + consumer)
    parts = ["$JS", "ACK"] + ([domain, "hash"] if domain else []) + [stream, consumer] + [str(n) for n in numbers]
    if domain:
        parts.append("token")
    msg = Msg(_client=None, subject=f"ack.{stream}", reply=".".join(parts), data=data.encode("utf-8", "replace"))  # type: ignore[arg-type]
    text = terminal_output(summary(Record(1, 0.0, msg, ">", "")))
    assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text


ERRORS = [
    Exception,
    nats_errors.Error,
    nats_errors.TimeoutError,
    nats_errors.MaxPayloadError,
    OSError,
    ConnectionResetError,
    nats_errors.UnexpectedEOF,
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ERRORS), hostile_text)
def test_error_descriptions_are_one_safe_line(kind, text):
    described = Session(ConnectionSettings()).safe(describe_error(kind(text)))
    assert described and is_safe(described)


# Passwords and user names as people write them in URLs: anything but the URL's own delimiters.
url_secret = st.text(
    alphabet=st.characters(codec="ascii", exclude_characters="/?#[]\\ \t\r\n\x00"), min_size=3, max_size=20
).filter(lambda s: s.strip() == s and ":" not in s and s.isprintable())


@settings(max_examples=300, deadline=None)
@given(url_secret, url_secret, st.booleans())
def test_url_user_info_never_shown(user, password, encode):
    if encode:
        user, password = quote(user, safe=""), quote(password, safe="")
    url = f"nats://{user}:{password}@127.0.0.1:4222"
    settings_ = ConnectionSettings(servers=[url], password=None)
    assert settings_.display_servers == "nats://127.0.0.1:4222"
    shown = Session(settings_).safe(f"cannot connect to {url}: authorization violation for {user}:{password}")
    assume("***" not in password)  # a password made of the mask itself cannot be told from the mask
    assert password not in shown and f":{password}@" not in shown
    if not any(
        secret in "cannot connect to nats://127.0.0.1:4222: authorization violation for" for secret in (user, password)
    ):  # else redacting it rightly changes more of the text
        assert shown.startswith("cannot connect to nats://***@127.0.0.1:4222: ")


printable = st.characters(codec="utf-8", categories=["L", "N", "P", "S"])


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.one_of(printable, st.sampled_from("*a@:")), min_size=3, max_size=16),
    st.lists(st.text(alphabet=st.one_of(printable, st.sampled_from("*a@: ")), max_size=8), max_size=4),
)
@example(password="*a*", pieces=["", "a*"])  # the stars put in place of one copy complete another
def test_a_password_is_never_shown_however_it_is_surrounded(password, pieces):
    session = Session(ConnectionSettings(password=password))
    text = password.join(pieces + [""]) + password
    assert password not in session.safe(text)
