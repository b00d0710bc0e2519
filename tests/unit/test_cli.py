import subprocess
import sys

from click.testing import CliRunner

from natstui.cli import build_settings, main


def test_unknown_context_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["--context", "nope"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"natstui: error: unknown context 'nope' (no {tmp_path}/nats/context/nope.json)"
    ]


def test_missing_creds_file_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["--creds", str(tmp_path / "x.creds")])
    assert result.exit_code == 2 and "creds file not found" in result.output


def test_settings_from_flags(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("NATS_URL", raising=False)
    s = build_settings(
        ["nats://a:1,nats://b:2"], None, ["orders.>", "logs.*"], "grp", 500, False, user="u", password="p"
    )
    assert s.connection.servers == ["nats://a:1", "nats://b:2"]
    assert s.subjects == ["orders.>", "logs.*"] and s.queue == "grp" and s.buffer == 500 and not s.read_only
    assert s.connection.user == "u"
    assert build_settings(["nats://a:1"], None, ["orders.>"], "", 500, True).read_only


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "natstui", "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "0.1.0" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "natstui", "demo", "--help"], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0 and "embedded nats-server" in out.stdout
