"""The ``natstui`` command."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace

import click

from natstui import __version__
from natstui.config import (
    ConfigError,
    ConnectionSettings,
    Settings,
    load_subscriptions,
    read_utc_setting,
    resolve_connection,
    resolve_system,
)
from natstui.model.subscriptions import SubSpec

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def make_app(settings: Settings | None = None, **kwargs):
    """The app as the command builds it; tests and benchmarks use the same factory."""
    from natstui.ui.app import NatsTuiApp

    return NatsTuiApp(settings or Settings(), **kwargs)


def connection_options(f):
    options = [
        click.option(
            "-s",
            "--server",
            "servers",
            multiple=True,
            metavar="URL",
            help="NATS server URL; repeat or comma-separate for a cluster [env NATS_URL].",
        ),
        click.option("--context", metavar="NAME", help="nats CLI context to use [env NATS_CONTEXT]."),
        click.option("--user", envvar="NATS_USER", help="User name [env NATS_USER]."),
        click.option("--password", envvar="NATS_PASSWORD", help="Password [env NATS_PASSWORD]."),
        click.option("--token", envvar="NATS_TOKEN", help="Authentication token [env NATS_TOKEN]."),
        click.option("--creds", envvar="NATS_CREDS", metavar="FILE", help="Credentials (JWT) file [env NATS_CREDS]."),
        click.option("--nkey", envvar="NATS_NKEY", metavar="FILE", help="NKey seed file [env NATS_NKEY]."),
        click.option("--tls-cert", envvar="NATS_CERT", metavar="FILE", help="Client certificate [env NATS_CERT]."),
        click.option("--tls-key", envvar="NATS_KEY", metavar="FILE", help="Client certificate key [env NATS_KEY]."),
        click.option("--tls-ca", envvar="NATS_CA", metavar="FILE", help="CA to verify the server [env NATS_CA]."),
        click.option("--inbox-prefix", metavar="PREFIX", help="Custom inbox prefix."),
        click.option("--js-domain", metavar="DOMAIN", help="JetStream domain."),
        click.option(
            "--system-context", metavar="NAME", help="nats CLI context of a system account user, for the system views."
        ),
        click.option(
            "--system-creds", metavar="FILE", help="Credentials of a system account user, for the system views."
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


theme_option = click.option(
    "--theme",
    metavar="NAME",
    default=None,
    help="Colour theme, e.g. textual-light, nord (default: the one last chosen in the command palette).",
)


def view_options(f):
    options = [
        click.option(
            "--subject",
            "subjects",
            multiple=True,
            metavar="SUBJ",
            help="Subject the live stream subscribes to (repeatable; default '>').",
        ),
        click.option("--queue", default="", metavar="GROUP", help="Queue group for the live stream."),
        click.option(
            "--count",
            default=0,
            type=click.IntRange(0, None),
            metavar="N",
            help="Stop the live stream after N messages, like nats sub --count (0: never).",
        ),
        click.option(
            "--buffer",
            default=100_000,
            show_default=True,
            type=click.IntRange(1, 50_000_000),
            help="Messages kept in memory for the live stream.",
        ),
        click.option("--read-only", is_flag=True, help="Refuse every action that changes server state."),
        click.option(
            "--utc/--local-time",
            "utc",
            default=None,
            help="Show times in UTC, or in local time (the default; 'utc = true' in config.toml).",
        ),
        theme_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


SYSTEM_URL_ENV = "NATSTUI_SYSTEM_URL"  # the demo's system user for the app processes it serves


def build_settings(
    servers: Sequence[str],
    context: str | None,
    subjects: Sequence[str],
    queue: str,
    buffer: int,
    read_only: bool,
    utc: bool | None = None,
    theme: str | None = None,
    system_context: str | None = None,
    system_creds: str | None = None,
    count: int = 0,
    **conn: str | None,
) -> Settings:
    if read_only and queue:
        raise ConfigError(
            f"--queue {queue} would take a share of the group's messages from its members: not with --read-only"
        )
    connection = resolve_connection(list(servers), context, conn)
    system = resolve_system(connection, system_context, system_creds)
    if system is None and os.environ.get(SYSTEM_URL_ENV):
        system = ConnectionSettings(servers=[os.environ[SYSTEM_URL_ENV]], name="natstui-system")
    return Settings(
        system=system,
        connection=connection,
        subjects=list(subjects) or [">"],
        queue=queue,
        buffer=buffer,
        read_only=read_only,
        utc=read_utc_setting() if utc is None else utc,
        theme=theme,
        # the subscriptions saved in the Subscriptions view, unless the command line names its own
        subscriptions=[] if subjects or queue else watched(load_subscriptions(), read_only),
        count=count,
    )


def watched(specs: list[SubSpec], read_only: bool) -> list[SubSpec]:
    """The saved subscriptions; with --read-only a queue group is left out of each (natstui watches the
    subject, taking no share of the group's messages from its members)."""
    return [replace(spec, queue="") for spec in specs] if read_only else specs


def utc_choice(flag: bool | None) -> bool:
    """``--utc``/``--local-time`` when given, else ``utc`` from config.toml."""
    if flag is not None:
        return flag
    try:
        return read_utc_setting()
    except ConfigError as exc:
        fail(str(exc))
        return False


def fail(message: str) -> None:
    click.echo(f"natstui: error: {message}", err=True)
    sys.exit(2)


@click.group(invoke_without_command=True, context_settings=CONTEXT_SETTINGS)
@connection_options
@view_options
@click.option("--stream", metavar="STREAM", help="Start on this stream's consumers.")
@click.option("--consumer", metavar="CONSUMER", help="With --stream: start in this consumer's ack workbench.")
@click.version_option(__version__, "-V", "--version")
@click.pass_context
def main(ctx: click.Context, **options) -> None:
    """Explore a live NATS system: subjects, messages, and their details.

    With no command, connect to the server (--server, the context, $NATS_URL,
    or nats://127.0.0.1:4222) and open the app.
    """
    if ctx.invoked_subcommand is not None:
        return
    stream, consumer = options.pop("stream"), options.pop("consumer")
    if consumer and not stream:
        fail("--consumer needs --stream")
    try:
        settings = build_settings(**options)
    except ConfigError as exc:
        fail(str(exc))
        return
    settings.stream, settings.consumer = stream, consumer
    app = make_app(settings)
    app.run()
    sys.exit(app.return_code or 0)


SECRET_ENV = {
    "user": "NATS_USER",
    "password": "NATS_PASSWORD",
    "token": "NATS_TOKEN",
    "creds": "NATS_CREDS",
    "nkey": "NATS_NKEY",
    "tls_cert": "NATS_CERT",
    "tls_key": "NATS_KEY",
    "tls_ca": "NATS_CA",
}


def serve_app(args: Sequence[str], host: str, port: int, env: dict | None = None) -> None:
    """Serve ``natstui ARGS`` to web browsers with textual-serve (one app process per browser tab).

    Credentials go to the app processes through the environment, never on their command line.
    """
    import os
    import shlex

    try:
        from textual_serve.server import Server
    except ImportError:
        fail("natstui serve needs textual-serve: pip install 'natstui[serve]'")
        return

    os.environ.update(env or {})
    command = shlex.join([sys.executable, "-m", "natstui", *args])
    click.echo(f"natstui: serving on http://{host}:{port} (Ctrl+C stops)", err=True)
    Server(command, host=host, port=port, title="natstui").serve()


@main.command()
@connection_options
@click.option("--subject", "subjects", multiple=True, metavar="SUBJ", help="Subject the live stream subscribes to.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--allow-changes", is_flag=True, help="Serve without --read-only (anyone with the page can change things)."
)
@theme_option
def serve(servers, context, subjects, host: str, port: int, allow_changes: bool, theme: str | None, **conn) -> None:
    """Serve natstui to web browsers (read-only unless --allow-changes)."""
    args: list = []
    for server in servers:
        args += ["--server", server]
    if context:
        args += ["--context", context]
    for subject in subjects:
        args += ["--subject", subject]
    for key in ("inbox_prefix", "js_domain", "system_context", "system_creds"):
        if conn.get(key):
            args += [f"--{key.replace('_', '-')}", conn[key]]
    if theme:
        args += ["--theme", theme]
    if not allow_changes:
        args.append("--read-only")
    env = {SECRET_ENV[k]: v for k, v in conn.items() if k in SECRET_ENV and v}
    serve_app(args, host, port, env)


@main.command()
@click.option("--rate", default=40.0, show_default=True, help="Demo messages per second.")
@click.option(
    "--serve",
    "serve_port",
    type=int,
    default=None,
    metavar="PORT",
    help="Serve the demo to web browsers on this port instead of opening it here (read-only).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve: address to listen on.")
@click.option("--cluster", is_flag=True, help="Three embedded servers in a cluster instead of one.")
@view_options
def demo(
    rate: float,
    cluster: bool,
    serve_port: int | None,
    host: str,
    subjects: Sequence[str],
    queue: str,
    count: int,
    buffer: int,
    read_only: bool,
    utc: bool | None,
    theme: str | None,
) -> None:
    """Start an embedded nats-server with realistic traffic and open the app on it."""
    from natstui.demo.runner import demo_environment
    from natstui.demo.server import ServerError

    try:
        with demo_environment(rate, cluster) as server:
            if serve_port is not None:
                serve_app(
                    [
                        "--server",
                        ",".join(server.urls),
                        "--read-only",
                        *[a for s in subjects for a in ("--subject", s)],
                        *(["--theme", theme] if theme else []),
                    ],
                    host,
                    serve_port,
                    {SYSTEM_URL_ENV: server.system_url},
                )
                return
            settings = Settings(
                connection=ConnectionSettings(servers=server.urls, name="natstui-demo"),
                system=server.system_settings(),
                subjects=list(subjects) or [">"],
                queue=queue,
                buffer=buffer,
                read_only=read_only,
                utc=utc_choice(utc),
                theme=theme,
                count=count,
            )
            app = make_app(settings)
            app.run()
    except ServerError as exc:
        fail(str(exc))


@main.command("open")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--buffer",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(1, 50_000_000),
    help="Messages kept (the newest, when the recording holds more).",
)
@click.option("--utc/--local-time", "utc", default=None, help="Show times in UTC, or in local time (the default).")
@theme_option
def open_recording(path: str, buffer: int, utc: bool | None, theme: str | None) -> None:
    """Browse a recording (JSON Lines) offline: the same stream, tree, filters and inspector."""
    from natstui.model.recording import RecordingError, load
    from natstui.model.store import RingStore

    utc = utc_choice(utc)
    store = RingStore(buffer)
    try:
        count = load(path, store)
    except (OSError, RecordingError) as exc:
        fail(f"cannot open {path}: {exc}")
        return
    app = make_app(
        Settings(buffer=buffer, read_only=True, utc=utc, theme=theme),
        store=store,
        connect=False,
        offline_label=f"{path} ({count:,} messages)",
    )
    app.run()


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@connection_options
@click.option("--prefix", default="", metavar="PREFIX", help="Put this in front of every subject (e.g. 'replay').")
@click.option("--rate", default=0.0, show_default=True, help="Messages per second; 0 for as fast as possible.")
@click.option("--read-only", is_flag=True, help="Refuse (replaying publishes).")
def replay(path: str, prefix: str, rate: float, read_only: bool, servers, context, **conn) -> None:
    """Re-publish a recording, with its headers, to a server (optionally under a subject prefix)."""
    import asyncio

    from natstui.client.replay import replay_file
    from natstui.client.session import ConnectError

    if read_only:
        fail("replaying publishes messages, and --read-only refuses that")
    conn.pop("system_context", None)
    conn.pop("system_creds", None)
    try:
        connection = resolve_connection(list(servers), context, conn)
    except ConfigError as exc:
        fail(str(exc))
        return
    try:
        sent = asyncio.run(replay_file(connection, path, prefix, rate))
    except ConnectError as exc:
        fail(str(exc))
        return
    except Exception as exc:  # a recording or server error, in plain words
        from natstui.client.session import describe_error

        fail(f"replay stopped: {describe_error(exc)}")
        return
    click.echo(f"replayed {sent:,} messages from {path}")


@main.command("keys")
def list_keys() -> None:
    """Every key binding: its id (for [keymap] in config.toml), its keys and what it does."""
    from natstui.ui.keymap import places

    for place in places():
        click.echo(place.name)
        for binding in place.bindings:
            if binding.id:
                click.echo(f"  {binding.id:<28} {binding.key:<22} {binding.description}")


@main.command("trace")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--subject", "subjects", multiple=True, metavar="SUBJ", help="Trace this subject (an empty message); repeatable."
)
@connection_options
def trace_command(path: str | None, subjects: Sequence[str], servers, context, **conn) -> None:
    """Where each subject of a recording would go now: one trace-only line per subject, nothing delivered.

    For each distinct subject of the recording (its first message: headers and payload), and each
    --subject: the clients it would reach, the streams that would store it, the servers it would pass,
    NO INTEREST, or what refused it. Needs nats-server 2.11 or later.
    """
    import asyncio

    from rich.console import Console

    from natstui.client.session import ConnectError, describe_error
    from natstui.client.trace import TracingNotSupported
    from natstui.client.trace_file import Sample, describe, samples_from_file, trace_samples
    from natstui.model.recording import RecordingError

    if not path and not subjects:
        fail("name a recording (natstui trace FILE) or a subject (--subject SUBJ)")
    conn.pop("system_context", None)
    conn.pop("system_creds", None)
    try:
        connection = resolve_connection(list(servers), context, conn)
        samples = samples_from_file(path) if path else []
    except ConfigError as exc:
        fail(str(exc))
        return
    except (OSError, RecordingError) as exc:
        fail(f"cannot read {path}: {exc}")
        return
    samples += [Sample(subject) for subject in subjects]
    if not samples:
        fail(f"{path} holds no message")
    try:
        results = asyncio.run(trace_samples(connection, samples))
    except TracingNotSupported as exc:
        fail(str(exc))
        return
    except ConnectError as exc:
        fail(str(exc))
        return
    except Exception as exc:
        fail(f"trace stopped: {describe_error(exc)}")
        return
    console = Console(highlight=False, soft_wrap=True)
    for sample, trace in results:
        console.print(describe(sample, trace))


if __name__ == "__main__":  # pragma: no cover
    main()
