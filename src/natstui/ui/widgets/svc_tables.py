"""Pieces of the Services, Servers and Connections views: tables kept in place, and cells from wire text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.style import StyleType
from rich.table import Table
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from natstui.client.services import Endpoint, Instance, ServiceGroup, format_ns
from natstui.model.columns import ColumnSpec
from natstui.model.latency import LatencyTracker, group_subject
from natstui.model.sanitize import escape_line
from natstui.model.timefmt import format_datetime, parse_server_time
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.table import Table as DataTableView

Row = tuple[str, Sequence[Text]]


def cell(value: object, style: StyleType = "", *, justify: str = "left") -> Text:
    """Wire text as a table cell: escaped, never markup."""
    return Text(escape_line("" if value is None else str(value)), style=style, justify=justify)  # type: ignore[arg-type]


def number(n: int, style: StyleType = "") -> Text:
    return Text(f"{n:,}", style=style, justify="right")


def sync_table(table: DataTableView, rows: Sequence[Row]) -> None:
    """Show ``rows`` (key, cells) keeping the cursor on the same key.

    When the keys are the same as shown, cells are updated in place (no jump,
    no flicker); otherwise the table is rebuilt and the cursor put back.
    """
    current = [key.value for key in table.rows]
    wanted = [key for key, _ in rows]
    if current == wanted:
        for key, cells in rows:
            for spec, value in zip(table.specs, cells):
                if table.get_full_cell(key, spec.key) != value:
                    table.update_cell(key, spec.key, value)
        return
    table.set_rows(rows)


def selected_key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    row = table.cursor_row
    if row is None or not (0 <= row < table.row_count):
        return None
    return table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value


# -- Services -------------------------------------------------------------------------------

# the name first, then the numbers that matter (requests, errors), then the rest
LIST_COLUMNS = (
    ColumnSpec("name", "Service", priority=0, min_width=12, max_width=40),  # instances under their service
    ColumnSpec("version", "Version", priority=3, min_width=7, max_width=16),
    ColumnSpec("requests", "Requests", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("errors", "Errors", priority=2, ellipsis=False, justify="right"),
)
ENDPOINT_COLUMNS = (
    ColumnSpec("name", "Endpoint", priority=0, min_width=8, max_width=30),
    ColumnSpec("subject", "Subject", priority=3, min_width=10, max_width=40),
    ColumnSpec("queue", "Queue group", priority=6, min_width=11, max_width=20),
    ColumnSpec("requests", "Requests", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("errors", "Errors", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("avg", "Average", priority=4, ellipsis=False, justify="right"),
    # the reply latency natstui measured in the live stream (network and queueing included)
    ColumnSpec("measured", "Measured p50", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("total", "Total time", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("last_error", "Last error", priority=5, min_width=10, max_width=60),
)


def service_rows(groups: Iterable[ServiceGroup]) -> list[Row]:
    rows: list[Row] = []
    for group in groups:
        versions = ", ".join(group.versions)
        count = len(group.instances)
        label = Text.assemble((escape_line(group.name), palette.name), (f"  ×{count}", "dim"))
        rows.append(
            (
                f"svc:{group.name}",
                [
                    label,
                    cell(versions),
                    number(group.num_requests),
                    number(group.num_errors, palette.error + BOLD if group.num_errors else ""),
                ],
            )
        )
        for i, instance in enumerate(group.instances):
            branch = "└" if i == len(group.instances) - 1 else "├"
            rows.append(
                (
                    f"inst:{instance.id}",
                    [
                        Text.assemble((f"  {branch} ", "dim"), (escape_line(instance.id), "")),
                        cell(instance.version, "dim"),
                        number(instance.num_requests),
                        number(instance.num_errors, palette.error if instance.num_errors else ""),
                    ],
                )
            )
    return rows


def measured_latency(tracker: LatencyTracker | None, subject: str) -> Text:
    """The live stream's p50 reply latency for an endpoint's subject (its id tokens grouped)."""
    stats = tracker.groups.get(group_subject(subject)) if tracker is not None else None
    p50 = stats.percentiles()[0] if stats is not None else None
    if stats is None or p50 is None:
        return cell("not seen", "dim")
    return Text(format_seconds(p50), justify="right")


def endpoint_rows(endpoints: Iterable[Endpoint], tracker: LatencyTracker | None = None) -> list[Row]:
    rows: list[Row] = []
    for ep in endpoints:
        stats = ep.has_stats
        rows.append(
            (
                f"ep:{ep.name}\x00{ep.subject}\x00{ep.queue_group}",
                [
                    cell(ep.name, "bold"),
                    cell(ep.subject, palette.subject),
                    cell(ep.queue_group or "—", "" if ep.queue_group else "dim"),
                    number(ep.num_requests) if stats else cell("—", "dim"),
                    number(ep.num_errors, palette.error + BOLD if ep.num_errors else "") if stats else cell("—", "dim"),
                    Text(format_ns(ep.average_processing_time), justify="right") if stats else cell("—", "dim"),
                    measured_latency(tracker, ep.subject),
                    Text(format_ns(ep.processing_time), justify="right") if stats else cell("—", "dim"),
                    cell(ep.last_error, palette.error) if ep.last_error else cell("—", "dim"),
                ],
            )
        )
    return rows


def _fields() -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _metadata(metadata: dict) -> Text:
    if not metadata:
        return Text("—", style="dim")
    text = Text()
    for i, (key, value) in enumerate(sorted(metadata.items())):
        if i:
            text.append("\n")
        text.append(escape_line(key), style=palette.accent)
        text.append(" = ")
        text.append(escape_line(value))
    return text


def group_about(group: ServiceGroup) -> Table:
    table = _fields()
    table.add_row("Service", Text(escape_line(group.name), style=palette.name))
    table.add_row("Description", cell(group.description) if group.description else Text("—", style="dim"))
    table.add_row("Versions", cell(", ".join(group.versions) or "—"))
    table.add_row("Instances", Text(f"{len(group.instances)}"))
    shared = dict(group.instances[0].metadata) if group.instances else {}
    for instance in group.instances[1:]:
        shared = {k: v for k, v in shared.items() if instance.metadata.get(k) == v}
    table.add_row("Metadata", _metadata(shared))
    table.add_row("Requests", Text(f"{group.num_requests:,} ({group.num_errors:,} errors), all instances"))
    return table


def started_text(started: str) -> str:
    """A service's start time (RFC 3339 from the service) in the app's one format; as sent if it is not a time."""
    moment = parse_server_time(started)
    return format_datetime(moment) if moment else started


def instance_about(instance: Instance) -> Table:
    table = _fields()
    table.add_row("Service", Text(escape_line(instance.name), style=palette.name))
    table.add_row("Instance", cell(instance.id))
    table.add_row("Version", cell(instance.version or "—"))
    table.add_row("Description", cell(instance.description) if instance.description else Text("—", style="dim"))
    table.add_row("Started", cell(started_text(instance.started)) if instance.started else Text("—", style="dim"))
    table.add_row("Metadata", _metadata(instance.metadata))
    table.add_row("Answered", Text(", ".join(instance.answered)))
    return table


def endpoint_about(endpoint: Endpoint, tracker: LatencyTracker | None = None) -> Table:
    """The highlighted endpoint in full: what the table's columns may cut."""
    table = _fields()
    table.add_row(
        "Endpoint",
        Text.assemble(
            (escape_line(endpoint.name), "bold"),
            "  on ",
            (escape_line(endpoint.subject), palette.subject),
            f"  queue group {escape_line(endpoint.queue_group)}" if endpoint.queue_group else "",
        ),
    )
    table.add_row("Metadata", _metadata(endpoint.metadata))
    if endpoint.has_stats:
        average = format_ns(endpoint.average_processing_time)
        table.add_row(
            "Requests",
            Text(
                f"{endpoint.num_requests:,}, {endpoint.num_errors:,} errors, "
                f"{average} on average, {format_ns(endpoint.processing_time)} in all"
            ),
        )
    stats = tracker.groups.get(group_subject(endpoint.subject)) if tracker is not None else None
    if stats is not None and stats.answered:
        p50, _, p99 = stats.percentiles()
        measured = f"p50 {format_seconds(p50)}, p99 {format_seconds(p99)} over {stats.answered:,} replies"
        if endpoint.has_stats and p50 is not None:
            outside = p50 - endpoint.average_processing_time / 1e9
            measured += f"; about {format_seconds(max(0.0, outside))} of it outside the service (network, queueing)"
        table.add_row("Measured", Text(measured))
    else:
        table.add_row("Measured", Text("no request seen in the live stream yet", style="dim"))
    table.add_row(
        "Last error", cell(endpoint.last_error, palette.error) if endpoint.last_error else Text("—", style="dim")
    )
    return table


def format_seconds(seconds: float | None) -> str:
    return "—" if seconds is None else format_ns(int(seconds * 1e9))
