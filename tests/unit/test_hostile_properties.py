"""Property-based: anything from the wire renders to safe, markup-free text."""

from hypothesis import given, settings
from hypothesis import strategies as st
from nats.aio.msg import Msg
from rich.console import Console
from rich.text import Text

from natstui.model.decode import VIEW_MODES, preview, render_payload
from natstui.model.records import Record
from natstui.model.sanitize import escape_line, is_safe

hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x1b", "[", "]", "/", "\x00", "\r", "\n", "\u202e", "\x9b", "\t", "\x7f"]),
    ),
    max_size=300,
)
hostile_bytes = st.one_of(st.binary(max_size=2000), hostile_text.map(lambda s: s.encode("utf-8", "surrogatepass")))


@settings(max_examples=300, deadline=None)
@given(hostile_bytes, st.sampled_from(VIEW_MODES))
def test_render_payload_never_raises_and_is_safe(data, mode):
    rendered = render_payload(data, mode)
    for line in rendered.text.split("\n"):
        assert is_safe(line.replace("\t", " "))
    assert is_safe(preview(data))


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_escape_line_output_never_contains_control_characters(s):
    out = escape_line(s)
    assert is_safe(out)
    console = Console(width=120, force_terminal=True, color_system=None, record=True)
    console.print(Text(out), end="")
    assert "\x1b" not in console.export_text()


@settings(max_examples=100, deadline=None)
@given(hostile_text, hostile_text, hostile_bytes)
def test_inspector_summary_of_hostile_message_is_safe(subject, header_value, data):
    from natstui.ui.widgets.inspector import headers_table, summary

    msg = Msg(_client=None, subject=subject, reply=header_value, data=data, headers={subject: header_value})  # type: ignore[arg-type]
    record = Record(1, 0.0, msg, subject, "")
    console = Console(width=100, force_terminal=True, color_system=None, record=True)
    console.print(summary(record))
    console.print(headers_table(msg.headers))
    text = console.export_text()
    assert "\x1b" not in text and "\u202e" not in text
