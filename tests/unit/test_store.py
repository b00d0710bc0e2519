from nats.aio.msg import Msg

from natstui.model.monitor import Monitor
from natstui.model.store import RingStore


def msg(subject: str, data: bytes = b"x") -> Msg:
    return Msg(_client=None, subject=subject, data=data)  # type: ignore[arg-type]


def test_append_assigns_sequences_and_times():
    clock = iter([10.0, 11.0, 12.0]).__next__
    store = RingStore(10, clock=clock)
    a = store.append(msg("a"))
    b = store.append(msg("b"), "b.>", "workers")
    assert (a.seq, a.time, b.seq, b.time) == (1, 10.0, 2, 11.0)
    assert b.sub_subject == "b.>" and b.queue == "workers"
    assert len(store) == 2 and store.first_seq == 1 and store.last_seq == 2
    assert store.get(2) is b and store.get(3) is None and store.get(0) is None


def test_ring_evicts_oldest_and_counts_total():
    store = RingStore(3)
    for i in range(10):
        store.append(msg(f"s.{i}"))
    assert len(store) == 3
    assert store.total == 10
    assert store.first_seq == 8
    assert [r.subject for r in store.range(1, 100)] == ["s.7", "s.8", "s.9"]
    assert store.get(7) is None


def test_resize_keeps_newest():
    store = RingStore(5)
    for i in range(5):
        store.append(msg(f"s.{i}"))
    store.resize(2)
    assert [r.subject for r in store.range(0, 99)] == ["s.3", "s.4"]
    store.resize(10)
    store.append(msg("s.5"))
    assert [r.subject for r in store.range(0, 99)] == ["s.3", "s.4", "s.5"]


def test_empty_store():
    store = RingStore(4)
    assert len(store) == 0 and store.first_seq == 1 and list(store.range(0, 10)) == []


def test_monitor_pumps_counts_into_trie_and_rates():
    now = [100.0]
    store = RingStore(1000, clock=lambda: now[0])
    monitor = Monitor(store)
    for i in range(30):
        store.append(msg(f"orders.eu.{'created' if i % 3 else 'paid'}"))
    assert monitor.pump() == 30
    assert monitor.trie.find("orders").count == 30
    assert monitor.trie.find("orders.eu.paid").count == 10
    monitor.sample()
    for _ in range(20):
        store.append(msg("orders.us.created"))
    monitor.pump()
    now[0] += 2.0
    monitor.sample()
    assert monitor.rate == 10.0
    assert monitor.trie.find("orders.us").rate == 10.0
    assert monitor.trie.find("orders.eu").rate == 0.0
    assert monitor.pump() == 0


def test_monitor_counts_records_evicted_before_pump():
    store = RingStore(5)
    monitor = Monitor(store)
    for _i in range(12):
        store.append(msg("a.b"))
    assert monitor.pump() == 12
    assert monitor.missed == 7
    assert monitor.trie.find("a.b").count == 5
