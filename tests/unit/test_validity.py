"""The filter "only invalid" is judged in bounded steps, never all at once on the event loop."""

import itertools
import json

from natstui.decoders import parse_rules
from natstui.model.records import StoredMsg
from natstui.model.store import RingStore
from natstui.model.view import MessageFilter, StreamView
from natstui.validity import Validity

SCHEMA = {"type": "object", "required": ["qty"], "properties": {"qty": {"type": "integer", "minimum": 1}}}


def setup(tmp_path, count: int):
    (tmp_path / "s.json").write_text(json.dumps(SCHEMA))
    rules = parse_rules({"decoders": [{"subject": "o.>", "json_schema": str(tmp_path / "s.json")}]})
    ticks = itertools.count()
    # a clock that moves one second each time it is read: every step runs out of time after one validation
    validity = Validity(rules, clock=lambda: float(next(ticks)))
    store = RingStore(1000)
    for i in range(count):
        store.append(StoredMsg("o.x" if i % 2 == 0 else "plain", json.dumps({"qty": i % 4}).encode()))
    view = StreamView(store)
    view.validity = validity
    return validity, store, view


def test_the_invalid_filter_takes_in_rows_as_far_as_validation_went(tmp_path):
    validity, store, view = setup(tmp_path, 40)
    view.update()
    view.paused = True
    view.set_filter(MessageFilter(invalid=True, checker=validity))
    assert validity.checked == 1 and len(view) == 1  # one step: the first message on o.> (qty 0)
    for _ in range(40):
        view.update()
    # o.> messages are the even ones; qty is i % 4, so those with i % 4 == 0 fail (qty 0 < 1)
    assert [view.record_at(i).seq for i in range(len(view))] == [i + 1 for i in range(0, 40, 4)]
    assert validity.checked == 20  # each message on o.> once; the others never
    # paused: nothing past the pause point is taken in
    store.append(StoredMsg("o.x", b'{"qty": 0}'))
    for _ in range(5):
        view.update()
    assert len(view) == 10 and view.behind == 1
    # a filter set again is judged from what is known, without validating again
    view.set_filter(MessageFilter())
    view.set_filter(MessageFilter(invalid=True, checker=validity))
    assert len(view) == 10 and validity.checked == 20
    view.paused = False
    view.update()
    assert len(view) == 11 and validity.checked == 21


def test_the_marks_validate_only_the_rows_asked_for_once(tmp_path):
    validity, store, view = setup(tmp_path, 10)
    assert validity.invalid(1, "o.x", store.get(1).msg.data) is True
    assert validity.invalid(3, "o.x", store.get(3).msg.data) is False
    assert validity.invalid(1, "o.x", store.get(1).msg.data) is True
    assert validity.invalid(2, "plain", store.get(2).msg.data) is False
    assert validity.checked == 2


def test_the_filter_judges_records_past_the_walk_when_asked_directly(tmp_path):
    """A recording's filter sees records as they arrive, before the stream's walk reaches them."""
    validity, store, view = setup(tmp_path, 8)
    flt = MessageFilter(invalid=True, checker=validity)
    assert [r.seq for r in store.range(1, 9) if flt.matches(r)] == [1, 5]
