#!/usr/bin/env python
"""Responsiveness benchmark: key-to-screen latency of natstui while ~50,000 messages per second arrive.

Starts its own nats-server on a free loopback port and the real app (``make_app``,
headless ``run_test`` at 160x48, Live view), fills the live buffer once, then
presses the same key sequence twice, ``--reps`` times each:

1. Baseline: no traffic (the buffer full and still).
2. Load: while a publisher process sends ``--rate`` messages per second (128-byte
   payloads on 100 subjects, paced; the achieved rate is reported).

Keys, in order, per repetition (the stream focused): ``up`` ``down`` ``up``
``pageup`` ``pagedown`` (move the selection in the live stream), ``2`` ``1``
(Streams view and back), ``question_mark`` ``escape`` (help open and closed).
Each key is posted with ``App.simulate_key`` (the same ``Key`` event the
terminal driver posts) and timed from just before it is posted to:

- effect applied: the app's state shows it (the stream's ``cursor_seq`` changed,
  ``current_mode`` switched, the help screen on top or gone). Checked when every
  action returns (``App._dispatch_action`` wrapped), at every frame and every 5 ms;
- frame rendered: the first frame after that which shows it (``App._display``
  wrapped: every compositor update of the top screen ends there; frames held back
  by ``delay_update`` are not counted). For the stream keys the frame must
  include a repaint of the cursor's row (``MessageStream.render_line`` wrapped on
  the instance); for view and help keys it is the first frame of the new screen.

Headless Textual composes every frame but writes nothing; by default each frame
is also encoded to the terminal byte stream (``render_segments``), as the real
driver does before writing (``--no-encode`` skips that).

Target: p95 of key-to-frame latency under load, all keys, < 100 ms. Prints a
report and exits 0 (unless something crashed); every phase has a deadline and
child processes are always terminated.

    python benchmarks/responsiveness.py [--rate 50000] [--reps 20] [--prefill 100000] [--settle 3] [--no-encode]
                                        [--gc-threshold G0,G1,G2] [--profile FILE [--profile-phase load|baseline]]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    GcWatch,
    benchmark_main,
    gc_setting,
    hook_frames,
    load_average,
    machine_rows,
    ms,
    parse_gc_threshold,
    pause_app_timers,
    percentile,
    print_kv,
    print_table,
    publisher_spec,
    read_result,
    reap_all,
    start_paced_publisher,
    stop_publisher,
    versions,
)
from natstui.testing import wait_connected

P95_TARGET = 0.100  # seconds, key to frame, under load, all keys
KEY_TIMEOUT = 5.0  # one key to its frame
APP_DEADLINE = 900.0
PREFILL_DEADLINE = 120.0
LAG_INTERVAL = 0.005
EFFECT_POLL = 0.005
GAP = (0.05, 0.25)  # random pause between keys: keys land at any phase of the app's 20 Hz timer

# (key, kind): kind says what the effect is and which frame shows it
SEQUENCE = [
    ("up", "cursor"),
    ("down", "cursor"),
    ("up", "cursor"),
    ("pageup", "cursor"),
    ("pagedown", "cursor"),
    ("2", "streams"),
    ("1", "live"),
    ("question_mark", "help"),
    ("escape", "live"),
]
KEY_ORDER = ["up", "down", "pageup", "pagedown", "2", "1", "question_mark", "escape"]
KEY_LABEL = {
    "up": "up (stream)",
    "down": "down (stream)",
    "pageup": "pageup (stream)",
    "pagedown": "pagedown (stream)",
    "2": "2 (Streams view)",
    "1": "1 (back to Live)",
    "question_mark": "question_mark (help)",
    "escape": "escape (close help)",
}


class KeyTimeout(Exception):
    pass


class KeyNotShown(Exception):
    """The key took effect, but what it selected was evicted before any frame showed it."""


class Pending:
    """One key in flight: when its effect was seen, when its row was painted, when its frame came."""

    def __init__(self, key: str, kind: str, effect: Callable[[], bool], frame_ok: Callable[[object], bool]) -> None:
        self.key = key
        self.kind = kind
        self.effect = effect
        self.frame_ok = frame_ok
        self.t0 = 0.0
        self.t_effect: float | None = None
        self.t_paint: float | None = None
        self.t_frame: float | None = None
        self.done = asyncio.get_running_loop().create_future()

    def check(self, now: float) -> None:
        if self.t_effect is None and self.effect():
            self.t_effect = now


class KeyProbe:
    """Times keys from the press to the frame that shows their effect, in a running app's Live view.

    It hooks the app's frames (``hook_frames``), its action dispatch and the stream's row painting;
    ``press`` sends one key and returns its effect and frame times. ``frames`` counts frames (and, with
    ``encode``, the time spent turning them into what the terminal driver writes).
    """

    def __init__(self, app, live, stream, frames: dict, *, encode: bool, timed_encode: bool = False) -> None:
        from textual._compositor import CompositorUpdate

        self.app, self.live, self.stream, self.frames = app, live, stream, frames
        self.pending: Pending | None = None
        perf = time.perf_counter

        def on_frame(screen, update) -> None:
            if encode and isinstance(update, CompositorUpdate):
                t = perf()
                update.render_segments(app.console)  # what the terminal driver does before writing
                if timed_encode:
                    frames["encode"] += perf() - t
            now = perf()
            frames["count"] += 1
            p = self.pending
            if p is None or p.t_frame is not None:
                return
            p.check(now)
            if p.t_effect is not None and p.frame_ok(screen):
                p.t_frame = now
                if not p.done.done():
                    p.done.set_result(None)

        hook_frames(app, on_frame)
        original_dispatch = app._dispatch_action

        async def dispatch_action(*a, **k):
            try:
                return await original_dispatch(*a, **k)
            finally:
                if self.pending is not None:
                    self.pending.check(perf())

        app._dispatch_action = dispatch_action
        original_render_line = stream.render_line

        def render_line(y: int):
            strip = original_render_line(y)
            p = self.pending
            if p is not None and p.kind == "cursor" and p.t_paint is None:
                now = perf()
                p.check(now)
                if (
                    p.t_effect is not None
                    and stream.cursor_seq is not None
                    and stream.view.seq_at(int(stream.scroll_y) + y) == stream.cursor_seq
                ):
                    p.t_paint = now
            return strip

        stream.render_line = render_line

    def make_pending(self, key: str, kind: str) -> Pending:
        from natstui.ui.screens.help import HelpScreen

        app, live, stream = self.app, self.live, self.stream
        if kind == "cursor":
            before = stream.cursor_seq
            return Pending(
                key,
                kind,
                lambda: stream.cursor_seq != before,
                lambda screen: screen is live and self.pending is not None and self.pending.t_paint is not None,
            )
        if kind == "streams":
            return Pending(
                key,
                kind,
                lambda: app.current_mode == "streams",
                lambda screen: screen is app.screen and type(screen).__name__ == "StreamsScreen",
            )
        if kind == "help":
            return Pending(
                key, kind, lambda: isinstance(app.screen, HelpScreen), lambda screen: isinstance(screen, HelpScreen)
            )
        return Pending(
            key, kind, lambda: app.current_mode == "live" and app.screen is live, lambda screen: screen is live
        )

    async def press(self, key: str, kind: str) -> dict:
        app, stream, perf = self.app, self.stream, time.perf_counter
        if kind == "cursor" and app.focused is not stream:
            stream.focus()  # (not timed) the stream keys need the stream focused
            await asyncio.sleep(0.05)
        p = self.pending = self.make_pending(key, kind)
        p.t0 = perf()
        app.simulate_key(key)
        try:
            end = p.t0 + KEY_TIMEOUT
            while not p.done.done():
                remaining = end - perf()
                if remaining <= 0:
                    raise KeyTimeout(
                        f"{key}: no frame within {KEY_TIMEOUT:.0f}s "
                        f"(effect {'seen' if p.t_effect is not None else 'not seen'}, "
                        f"screen {type(app.screen).__name__}"
                        + (
                            f", cursor row {stream.cursor_index}, scroll_y {stream.scroll_y:.0f}, "
                            f"rows {len(stream.view):,}"
                            if kind == "cursor"
                            else ""
                        )
                        + ")"
                    )
                try:
                    await asyncio.wait_for(asyncio.shield(p.done), min(EFFECT_POLL, remaining))
                except asyncio.TimeoutError:
                    p.check(perf())
                    if (
                        kind == "cursor"
                        and p.t_effect is not None
                        and p.t_paint is None
                        and stream.cursor_index is None
                    ):
                        raise KeyNotShown(
                            f"{key}: the selected row left the buffer before a frame showed it "
                            f"({(perf() - p.t0) * 1000:.0f} ms after the key)"
                        ) from None
        finally:
            self.pending = None
        assert p.t_effect is not None and p.t_frame is not None
        return {"key": key, "effect": p.t_effect - p.t0, "frame": p.t_frame - p.t0}

    async def to_newest(self) -> None:
        """(not timed) ``end``: the cursor on the newest row, following, so the stream keys that follow
        work on rows that stay in the buffer for a while (at 50,000 msgs/s a 100,000 buffer turns over
        in 2 s; a row selected near the oldest end is evicted before a frame can show it)."""
        app, stream = self.app, self.stream
        if app.focused is not stream:
            stream.focus()
        app.simulate_key("end")
        end = time.perf_counter() + KEY_TIMEOUT
        while time.perf_counter() < end and not (stream.following and stream.cursor_index == len(stream.view) - 1):
            await asyncio.sleep(EFFECT_POLL)
        await asyncio.sleep(0.1)

    async def recover(self) -> None:
        """After a timeout: back to the Live view with no help on top, through the app's own keys."""
        from natstui.ui.screens.help import HelpScreen

        app = self.app
        for _ in range(3):
            await asyncio.sleep(1.0)  # a late key may still be on its way
            if isinstance(app.screen, HelpScreen):
                app.simulate_key("escape")
            elif app.current_mode != "live":
                app.simulate_key("1")
            else:
                break
        await asyncio.sleep(0.5)


async def run_app_async(url: str, args: argparse.Namespace) -> dict:

    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    perf = time.perf_counter
    rng = random.Random(args.seed)
    app = make_app(Settings(connection=ConnectionSettings(servers=[url])))
    subjects_axes = {"i": args.subjects}
    frames = {"count": 0, "encode": 0.0}
    result: dict = {}

    async with app.run_test(size=(160, 48)) as pilot:
        await wait_connected(app, pilot, timeout=30.0)
        await pilot.pause(0.3)

        # -- fill the buffer once, so the stream has rows to move through in both phases
        fill = start_paced_publisher(
            publisher_spec(url, rate=0, count=args.prefill, size=args.size, axes=subjects_axes)
        )
        end = time.monotonic() + PREFILL_DEADLINE
        while app.store.total < args.prefill and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(read_result, fill, 60)
        await pilot.pause(0.5)

        live = app.screen
        stream = live.query_one("#stream")
        stream.focus()
        await pilot.pause(0.2)

        probe = KeyProbe(app, live, stream, frames, encode=args.encode, timed_encode=True)
        press, to_newest, recover = probe.press, probe.to_newest, probe.recover

        async def run_sequence(reps: int, record: list[dict], timeouts: list[str], not_shown: list[str]) -> None:
            for _ in range(reps):
                await to_newest()
                for key, kind in SEQUENCE:
                    try:
                        record.append(await press(key, kind))
                    except KeyNotShown as exc:
                        not_shown.append(str(exc))
                    except KeyTimeout as exc:
                        timeouts.append(str(exc))
                        await recover()
                    await asyncio.sleep(rng.uniform(*GAP))

        def start_profile(wanted: bool):
            if not (args.profile and wanted):
                return None
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
            return prof

        def stop_profile(prof) -> None:
            if prof is not None:
                prof.disable()

        profiler = None
        stop = asyncio.Event()
        lag_phase: list[str | None] = [None]
        lags: dict[str, list[float]] = {"baseline": [], "load": []}

        async def lag_task_body() -> None:
            # one probe, its samples sorted into the phase that is running
            while not stop.is_set():
                t = perf()
                await asyncio.sleep(LAG_INTERVAL)
                phase = lag_phase[0]
                if phase is not None:
                    lags[phase].append(perf() - t - LAG_INTERVAL)

        lag_task = asyncio.create_task(lag_task_body())
        try:
            # -- warm-up: one unrecorded pass (builds the Streams view, imports, caches)
            await run_sequence(1, [], [], [])
            await pilot.pause(0.3)

            # -- baseline: no traffic
            base: list[dict] = []
            base_timeouts: list[str] = []
            base_not_shown: list[str] = []
            frames["count"] = 0
            frames["encode"] = 0.0
            gcw = {"baseline": GcWatch(), "load": GcWatch()}
            gcw["baseline"].active = True
            lag_phase[0] = "baseline"
            profiler = start_profile(args.profile_phase == "baseline")
            t_base = perf()
            await run_sequence(args.reps, base, base_timeouts, base_not_shown)
            base_span = perf() - t_base
            gcw["baseline"].active = False
            stop_profile(profiler)
            lag_phase[0] = None
            base_frames = frames["count"]
            base_encode = frames["encode"]

            # -- load: the paced publisher runs until its stdin is closed
            pub = start_paced_publisher(
                publisher_spec(
                    url, rate=args.rate, size=args.size, axes=subjects_axes, stdin_stop=True, duration=APP_DEADLINE
                )
            )
            await asyncio.sleep(args.settle)
            profiler = start_profile(args.profile_phase == "load") or profiler
            total0, dropped0 = app.store.total, app.session.total_dropped
            frames["count"] = 0
            frames["encode"] = 0.0
            lag_phase[0] = "load"
            gcw["load"].active = True
            t_load = perf()
            load: list[dict] = []
            load_timeouts: list[str] = []
            load_not_shown: list[str] = []
            try:
                await run_sequence(args.reps, load, load_timeouts, load_not_shown)
            finally:
                load_span = perf() - t_load
                gcw["load"].active = False
                lag_phase[0] = None
                stop_profile(profiler if args.profile_phase == "load" else None)
                received = app.store.total - total0
                dropped = app.session.total_dropped - dropped0
                load_frames = frames["count"]
                load_encode = frames["encode"]
                published = await asyncio.to_thread(stop_publisher, pub, 60)
        except BaseException:
            # run_test re-raises the app's own exception (if any) on the way out, hiding this one
            import traceback

            traceback.print_exc()
            raise
        finally:
            stop.set()
            await lag_task
        state_after = app.session.state.value
        await pilot.pause(0.05)
        pause_app_timers(app)  # see _common.pause_app_timers: a tick during shutdown raises

    if profiler is not None:
        import pstats

        profiler.dump_stats(args.profile)
        print(f"profile of the {args.profile_phase} phase written to {args.profile}", flush=True)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)

    result.update(
        {
            "base": base,
            "base_timeouts": base_timeouts,
            "base_not_shown": base_not_shown,
            "base_span": base_span,
            "base_frames": base_frames,
            "base_encode": base_encode,
            "load": load,
            "load_timeouts": load_timeouts,
            "load_not_shown": load_not_shown,
            "load_span": load_span,
            "load_frames": load_frames,
            "load_encode": load_encode,
            "received": received,
            "dropped": dropped,
            "published": published,
            "lags": lags,
            "state_after": state_after,
            "color_system": app.console.color_system,
            "gc": {phase: w.summary() for phase, w in gcw.items()},
        }
    )
    return result


def run_app(url: str, args: argparse.Namespace) -> dict:
    try:
        return asyncio.run(asyncio.wait_for(run_app_async(url, args), APP_DEADLINE))
    finally:
        reap_all()


# -- report ---------------------------------------------------------------------------------------------


def report(args, vers: dict[str, str], load_start: str, res: dict) -> None:
    pub = res["published"]
    load_rate = res["received"] / res["load_span"] if res["load_span"] > 0 else 0.0
    rows = [
        ("python", vers["python"]),
        ("textual", vers["textual"]),
        ("nats-py", vers["nats-py"]),
        ("nats-server", vers["nats-server"]),
        *machine_rows(load_start, load_average()),
        ("garbage collector", gc_setting() + ("  (what-if: --gc-threshold)" if args.gc_threshold else "")),
        ("", ""),
        (
            "workload",
            f"{args.size} B payloads on {args.subjects} subjects; buffer pre-filled with "
            f"{args.prefill:,} msgs; load phase after {args.settle:.0f} s of traffic",
        ),
        (
            "publisher",
            f"target {args.rate:,.0f} msgs/s, achieved {pub['rate']:,.0f} msgs/s "
            f"({pub['sent']:,} msgs in {pub['elapsed']:.1f} s)",
        ),
        (
            "app intake (load)",
            f"{load_rate:,.0f} msgs/s while the keys were pressed "
            f"({res['received']:,} msgs in {res['load_span']:.1f} s); "
            f"slow-consumer drops {res['dropped']:,}",
        ),
        (
            "keys",
            f"{args.reps} reps of: (end, not timed) "
            + " ".join(k for k, _ in SEQUENCE)
            + f"; {GAP[0] * 1000:.0f}-{GAP[1] * 1000:.0f} ms random gaps",
        ),
        (
            "frames",
            f"baseline {res['base_frames'] / res['base_span']:.1f}/s, "
            f"load {res['load_frames'] / res['load_span']:.1f}/s"
            + (
                f"; encoding to terminal bytes ({res['color_system']}) took "
                f"{res['base_encode'] * 1000 / max(1, res['base_frames']):.2f} / "
                f"{res['load_encode'] * 1000 / max(1, res['load_frames']):.2f} ms per frame"
                if args.encode
                else "; not encoded (--no-encode)"
            ),
        ),
    ]
    for phase in ("baseline", "load"):
        lag = res["lags"][phase]
        rows.append(
            (
                f"loop lag ({phase})",
                f"p50 {ms(percentile(lag, 50))} ms, p95 {ms(percentile(lag, 95))} ms, "
                f"max {ms(percentile(lag, 100))} ms ({len(lag):,} samples)",
            )
        )
    for phase in ("baseline", "load"):
        rows.append((f"gc pauses ({phase})", res["gc"][phase]))
    print_kv("natstui responsiveness benchmark (key to screen)", rows, width=100)

    def by_key(samples: list[dict], what: str) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for s in samples:
            out.setdefault(s["key"], []).append(s[what])
        return out

    base_e, base_f = by_key(res["base"], "effect"), by_key(res["base"], "frame")
    load_e, load_f = by_key(res["load"], "effect"), by_key(res["load"], "frame")
    print()
    print(
        f"Latency in ms from the key event: 'effect' = state changed, 'frame' = first frame showing it. "
        f"Target: frame p95 under load < {P95_TARGET * 1000:.0f} ms."
    )
    table = []
    for key in KEY_ORDER + ["all keys"]:
        if key == "all keys":
            be = [s["effect"] for s in res["base"]]
            bf = [s["frame"] for s in res["base"]]
            le = [s["effect"] for s in res["load"]]
            lf = [s["frame"] for s in res["load"]]
            table.append([])
        else:
            be, bf, le, lf = base_e.get(key, []), base_f.get(key, []), load_e.get(key, []), load_f.get(key, [])
        if not lf and not bf:
            continue
        ratio = percentile(lf, 95) / percentile(bf, 95) if bf and lf and percentile(bf, 95) > 0 else float("nan")
        ok = percentile(lf, 95) < P95_TARGET if lf else False
        table.append(
            [
                KEY_LABEL.get(key, key),
                str(len(lf)),
                ms(percentile(be, 50)),
                ms(percentile(bf, 50)),
                ms(percentile(bf, 95)),
                ms(percentile(le, 50)),
                ms(percentile(le, 95)),
                ms(percentile(lf, 50)),
                ms(percentile(lf, 95)),
                ms(percentile(lf, 100)),
                "—" if ratio != ratio else f"{ratio:.1f}x",
                "PASS" if ok else "FAIL",
            ]
        )
    print_table(
        [
            "key",
            "n",
            "base effect p50",
            "base frame p50",
            "base frame p95",
            "load effect p50",
            "load effect p95",
            "load frame p50",
            "load frame p95",
            "load frame max",
            "p95 load/base",
            "< 100 ms",
        ],
        table,
        right=tuple(range(1, 11)),
    )
    for phase, key in (("baseline", "base_timeouts"), ("load", "load_timeouts")):
        if res[key]:
            print(f"{phase}: {len(res[key])} key(s) timed out (not in the table): {res[key][0]}")
    for phase, key in (("baseline", "base_not_shown"), ("load", "load_not_shown")):
        if res[key]:
            print(f"{phase}: {len(res[key])} stream key(s) never shown (not in the table): {res[key][0]}")
    all_load = [s["frame"] for s in res["load"]]
    ok = bool(all_load) and percentile(all_load, 95) < P95_TARGET and not res["load_timeouts"]
    print()
    print(
        f"overall: key-to-frame p95 under load {ms(percentile(all_load, 95))} ms "
        f"(baseline {ms(percentile([s['frame'] for s in res['base']], 95))} ms), target < "
        f"{P95_TARGET * 1000:.0f} ms: {'PASS' if ok else 'FAIL'}"
    )
    print(f"app connection state after the run: {res['state_after']}")


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50_000, help="publisher rate, msgs/s (default 50000)")
    parser.add_argument("--subjects", type=int, default=100, help="distinct subjects (default 100)")
    parser.add_argument("--size", type=int, default=128, help="payload bytes (default 128)")
    parser.add_argument("--reps", type=int, default=20, help="repetitions of the key sequence per phase (default 20)")
    parser.add_argument(
        "--prefill",
        type=int,
        default=100_000,
        help="messages sent before the baseline, so the stream has rows (default 100000)",
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds of traffic before the load phase's first key (default 3)"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the random gaps between keys")
    parser.add_argument(
        "--no-encode",
        dest="encode",
        action="store_false",
        help="do not encode frames to terminal bytes (headless Textual does not by itself)",
    )
    parser.add_argument(
        "--gc-threshold",
        metavar="G0,G1,G2",
        help="what-if: gc.set_threshold(...) in the app's process first (default: CPython's 700,10,10)",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile one phase (--profile-phase) into FILE")
    parser.add_argument(
        "--profile-phase",
        choices=("load", "baseline"),
        default="load",
        help="the phase --profile records (default load)",
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.reps < 1 or args.subjects < 1 or args.prefill < 1000:
        parser.error("--rate > 0, --reps >= 1, --subjects >= 1 and --prefill >= 1000")

    try:
        gc_threshold = parse_gc_threshold(args.gc_threshold)
    except ValueError as exc:
        parser.error(str(exc))
    if gc_threshold:
        import gc

        gc.set_threshold(*gc_threshold)

    from natstui.demo.server import EmbeddedServer

    load_start = load_average()
    vers = versions()
    with EmbeddedServer(jetstream=True) as server:
        print(f"nats-server {vers['nats-server']} at {server.url}", flush=True)
        print(
            f"app: natstui headless, Live view; baseline then {args.rate:,.0f} msgs/s, "
            f"{args.reps} reps of {len(SEQUENCE)} keys each ...",
            flush=True,
        )
        res = run_app(server.url, args)
    report(args, vers, load_start, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
