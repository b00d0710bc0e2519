"""Which columns fit a width (natstui.model.columns)."""

from natstui.model.columns import ColumnSpec, clip, fit_columns, fit_parts

SPECS = (
    ColumnSpec("name", "Name", priority=0, min_width=10, max_width=30),
    ColumnSpec("subjects", "Subjects", priority=3, min_width=8, max_width=40),
    ColumnSpec("retention", "Retention", priority=7, ellipsis=False),
    ColumnSpec("messages", "Messages", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("bytes", "Bytes", priority=2, ellipsis=False, justify="right"),
)
CONTENT = {"name": 24, "subjects": 50, "retention": 9, "messages": 7, "bytes": 9}


def shown(fitted):
    return [(spec.key, width) for spec, width in fitted]


def test_everything_fits_at_its_preferred_width_when_there_is_room():
    assert shown(fit_columns(SPECS, 200, CONTENT)) == [
        ("name", 24),
        ("subjects", 40),
        ("retention", 9),
        ("messages", 8),
        ("bytes", 9),
    ]


def test_a_narrow_table_keeps_identity_and_numbers_first():
    # needed: name 10, messages 8, bytes 9 (+2 each) = 33; subjects 8+2 does not fit in 40
    fitted = shown(fit_columns(SPECS, 40, CONTENT))
    assert [key for key, _ in fitted] == ["name", "messages", "bytes"]
    assert dict(fitted)["name"] == 40 - 3 * 2 - 8 - 9  # the spare width went to the name


def test_spare_width_goes_to_the_more_useful_columns_first():
    fitted = shown(fit_columns(SPECS, 60, CONTENT))
    assert fitted == [("name", 16), ("subjects", 8), ("retention", 9), ("messages", 8), ("bytes", 9)]


def test_without_room_for_the_identity_nothing_is_shown():
    assert shown(fit_columns(SPECS, 12, CONTENT)) == [("name", 10)]
    assert shown(fit_columns(SPECS, 11, CONTENT)) == []  # not the numbers alone


def test_columns_keep_table_order_not_priority_order():
    fitted = shown(fit_columns(SPECS, 80, CONTENT))
    assert [key for key, _ in fitted] == ["name", "subjects", "retention", "messages", "bytes"]


def test_a_header_is_never_cut():
    for width in range(0, 120):
        for spec, w in fit_columns(SPECS, width, CONTENT):
            assert w >= len(spec.label), (width, spec.key, w)


def test_values_without_ellipsis_are_never_cut():
    wide = {"messages": 15}
    for width in range(0, 60):
        fitted = dict(shown(fit_columns(SPECS, width, wide)))
        if "messages" in fitted:
            assert fitted["messages"] == 15


def test_the_fitted_columns_never_exceed_the_width():
    for width in range(0, 160):
        fitted = fit_columns(SPECS, width, CONTENT, gap=2)
        assert sum(w + 2 for _, w in fitted) <= width


def test_narrow_values_need_only_their_own_width():
    spec = ColumnSpec("r", "R", min_width=8)
    assert spec.widths(1) == (1, 1)
    assert ColumnSpec("n", "Name", min_width=10).widths(3) == (4, 4)


def test_nothing_fits_in_nothing():
    assert fit_columns(SPECS, 0, CONTENT) == []


def test_clip_adds_an_ellipsis_only_when_cut():
    assert clip("orders.>", 8) == "orders.>"
    assert clip("orders.created.eu", 8) == "orders.…"
    assert clip("日本語の件名", 5) == "日本…"


def test_summary_parts_drop_whole_parts_by_priority():
    parts = [(0, "pending 10"), (3, "ack floor stream 5 / consumer 5"), (1, "ack pending 2"), (2, "redelivered 0")]
    assert fit_parts(parts, 200) == [0, 1, 2, 3]
    assert fit_parts(parts, 10 + 2 + 13 + 2 + 13) == [0, 2, 3]
    assert fit_parts(parts, 12) == [0]
