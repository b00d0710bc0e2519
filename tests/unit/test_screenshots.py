"""The screenshot script produces one SVG per main view from the real app on the demo."""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# each view's SVG must show a text that only that view draws (checked against the other SVGs too)
VIEWS = {
    "live": "all subjects",
    "streams": "in the account",
    "messages": "direct get",
    "consumers": "Consumers of stream",
    "workbench": "Workbench stream",
    "kv": "Buckets",
    "objects": "Object stores",
    "services": "every 5 s; u refreshes",
    "servers": "(STATZ + VARZ)",
    "connections": "sort Msgs in/s",
}


def svg_text(svg: str) -> str:
    """The words an SVG screenshot shows, with runs of spaces collapsed to one."""
    texts = (html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))
    return re.sub(r"\s+", " ", " ".join(texts).replace("\xa0", " "))


def test_markers_are_unique_in_the_committed_screenshots():
    shown = {view: svg_text((ROOT / "screenshots" / f"{view}.svg").read_text()) for view in VIEWS}
    for view, marker in VIEWS.items():
        assert [v for v, text in shown.items() if marker in text] == [view], marker


@pytest.mark.timeout(180)
def test_screenshot_script_writes_every_view(tmp_path):
    script = (ROOT / "scripts" / "screenshots.py").read_text()
    copy = tmp_path / "screenshots.py"
    # same script, writing into the temporary folder instead of the repository's screenshots/
    copy.write_text(
        script.replace(
            'OUT = Path(__file__).resolve().parent.parent / "screenshots"', f"OUT = Path({str(tmp_path / 'shots')!r})"
        )
    )
    result = subprocess.run(
        [sys.executable, str(copy)],
        capture_output=True,
        text=True,
        timeout=170,
        env=dict(os.environ, XDG_CONFIG_HOME=str(tmp_path)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = {}
    for view in VIEWS:
        svg = tmp_path / "shots" / f"{view}.svg"
        assert svg.exists(), view
        assert svg.read_text().startswith("<svg"), view
        shown[view] = svg_text(svg.read_text())
    for view, marker in VIEWS.items():
        # the view's own text is in its SVG and in no other: each SVG shows its own view
        assert [v for v, text in shown.items() if marker in text] == [view], (view, marker, shown[view][:400])
