import pytest
from nats.aio.msg import Msg

from natstui.model.store import RingStore
from natstui.model.view import MessageFilter, StreamView


def fill(store, items):
    for subject, data in items:
        store.append(Msg(_client=None, subject=subject, data=data))  # type: ignore[arg-type]


def test_unfiltered_view_follows_store_and_drops_evicted():
    store = RingStore(5)
    view = StreamView(store)
    fill(store, [(f"s.{i}", b"") for i in range(3)])
    assert view.update() == (3, 0)
    assert [view.record_at(i).subject for i in range(len(view))] == ["s.0", "s.1", "s.2"]
    fill(store, [(f"s.{i}", b"") for i in range(3, 8)])
    assert view.update() == (5, 3)
    assert len(view) == 5 and view.record_at(0).subject == "s.3"
    assert view.index_of(8) == 4 and view.index_of(1) is None


def test_filter_by_subject_wildcard_and_payload_text():
    store = RingStore(100)
    view = StreamView(store)
    fill(store, [("orders.eu.created", b'{"total": 5}'), ("orders.us.paid", b"PAID"), ("logs.x", b"error: disk")])
    view.update()
    view.set_filter(MessageFilter(subject="orders.*.created"))
    assert [view.record_at(i).subject for i in range(len(view))] == ["orders.eu.created"]
    view.set_filter(MessageFilter(text="paid"))  # smart case: lower case ignores case
    assert [view.record_at(i).subject for i in range(len(view))] == ["orders.us.paid"]
    view.set_filter(MessageFilter(text="Paid"))
    assert len(view) == 0
    view.set_filter(MessageFilter(text=r"err\w+: d", regex=True))
    assert [view.record_at(i).subject for i in range(len(view))] == ["logs.x"]
    view.set_filter(MessageFilter(subject="orders.> logs.x"))
    assert len(view) == 3
    fill(store, [("orders.eu.created", b"")])
    assert view.update() == (1, 0)


def test_tree_scope_matches_node_and_subtree():
    flt = MessageFilter(scope="orders.eu")
    store = RingStore(10)
    fill(store, [("orders.eu", b""), ("orders.eu.x", b""), ("orders.euro", b""), ("orders", b"")])
    view = StreamView(store)
    view.update()
    view.set_filter(flt)
    assert [view.record_at(i).subject for i in range(len(view))] == ["orders.eu", "orders.eu.x"]
    assert flt.describe() == "tree orders.eu, orders.eu.>"  # what it shows: the node itself and below


def test_invalid_filters_are_refused():
    with pytest.raises(ValueError):
        MessageFilter(subject="a..b")
    with pytest.raises(ValueError, match="invalid regular expression"):
        MessageFilter(text="(", regex=True)


def test_pause_holds_the_view_while_the_store_grows():
    store = RingStore(100)
    view = StreamView(store)
    fill(store, [("a", b"")] * 3)
    view.update()
    view.paused = True
    fill(store, [("a", b"")] * 4)
    assert view.update() == (0, 0)
    assert len(view) == 3 and view.behind == 4
    view.paused = False
    assert view.update() == (4, 0) and view.behind == 0


def test_filtered_view_trims_evicted_matches():
    store = RingStore(10)
    view = StreamView(store)
    view.set_filter(MessageFilter(subject="keep"))
    fill(store, [("keep" if i % 2 else "drop", b"") for i in range(30)])
    view.update()
    assert len(view) == 5
    assert all(view.record_at(i) is not None for i in range(len(view)))


def test_new_rows_count_what_is_held_and_passed_over_what_left_unseen():
    store = RingStore(10)
    view = StreamView(store)
    fill(store, [("a", b"")] * 4)
    view.update()
    view.count_new(True)  # the stream stops following
    fill(store, [("a", b"")] * 3)
    view.update()
    assert (view.new_rows, view.passed_over) == (3, 0)
    # 12 more: the buffer holds 10, so 5 of the 15 new ones left it before anyone scrolled to them
    fill(store, [("a", b"")] * 8)
    view.update()
    fill(store, [("a", b"")] * 4)
    view.update()
    assert len(view) == 10
    assert (view.new_rows, view.passed_over) == (10, 5)
    # more than a whole buffer between two updates counts too
    fill(store, [("a", b"")] * 25)
    view.update()
    assert (view.new_rows, view.passed_over) == (10, 30)
    view.count_new(False)  # following again
    assert (view.new_rows, view.passed_over) == (0, 0)


def test_new_rows_in_a_filtered_view():
    store = RingStore(10)
    view = StreamView(store)
    view.set_filter(MessageFilter(subject="keep"))
    fill(store, [("keep", b""), ("drop", b"")])
    view.update()
    view.count_new(True)
    fill(store, [("keep", b""), ("drop", b"")] * 3)
    view.update()
    assert (view.new_rows, view.passed_over) == (3, 0)
    fill(store, [("keep", b""), ("drop", b"")] * 4)  # 7 new matches, the buffer holds 5 of them
    view.update()
    assert len(view) == 5 and (view.new_rows, view.passed_over) == (5, 2)
