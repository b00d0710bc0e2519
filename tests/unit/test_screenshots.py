"""The screenshot script produces one SVG per main view from the real app on the demo."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ("live", "streams", "messages", "consumers", "workbench", "kv", "objects", "services", "server")


@pytest.mark.timeout(180)
def test_screenshot_script_writes_every_view(tmp_path):
    script = (ROOT / "scripts" / "screenshots.py").read_text()
    copy = tmp_path / "screenshots.py"
    # same script, writing into the temporary folder instead of the repository's screenshots/
    copy.write_text(script.replace('OUT = Path(__file__).resolve().parent.parent / "screenshots"', f"OUT = Path({str(tmp_path / 'shots')!r})"))
    result = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, timeout=170,
                            env=dict(os.environ, XDG_CONFIG_HOME=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    for view in VIEWS:
        svg = tmp_path / "shots" / f"{view}.svg"
        assert svg.exists(), view
        assert svg.read_text().startswith("<svg") and "natstui" in svg.read_text()
