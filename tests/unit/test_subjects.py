import pytest

from natstui.model.subjects import SubjectPattern, SubjectTrie, subject_matches


@pytest.mark.parametrize(
    "pattern,subject,expected",
    [
        ("orders.eu.created", "orders.eu.created", True),
        ("orders.eu.created", "orders.eu", False),
        ("orders.*.created", "orders.us.created", True),
        ("orders.*.created", "orders.us.paid", False),
        ("orders.*", "orders.us.created", False),
        ("orders.>", "orders.us.created", True),
        ("orders.>", "orders.us", True),
        ("orders.>", "orders", False),
        (">", "anything.at.all", True),
        ("*", "one", True),
        ("*", "one.two", False),
        ("*.*.created", "orders.eu.created", True),
        ("orders.*.>", "orders.eu", False),
        ("orders.*.>", "orders.eu.x.y", True),
    ],
)
def test_nats_wildcards(pattern, subject, expected):
    assert subject_matches(pattern, subject) is expected


@pytest.mark.parametrize("bad", ["", "a..b", "a.>.b", "a.b*", "a.>x", ".a"])
def test_invalid_patterns_are_refused(bad):
    with pytest.raises(ValueError):
        SubjectPattern(bad)


def test_trie_counts_every_level():
    trie = SubjectTrie()
    trie.add_many({"orders.eu.created": 3, "orders.eu.paid": 2, "orders.us.created": 1, "logs": 4})
    assert trie.root.count == 10
    assert trie.find("orders").count == 6
    assert trie.find("orders.eu").count == 5
    assert trie.find("orders.eu.created").own == 3
    assert trie.find("logs").own == 4
    assert [n.token for n in trie.find("orders").sorted_children()] == ["eu", "us"]
    assert trie.find("orders.eu").wildcard == "orders.eu.>"
    assert trie.find("orders.eu.paid").wildcard == "orders.eu.paid"
    assert trie.find("nope") is None
    assert trie.node_count == 7


def test_trie_rates_decay_when_quiet():
    trie = SubjectTrie()
    trie.sample(0.0)
    trie.add("a.b", 50)
    trie.sample(1.0)
    assert trie.find("a.b").rate == 50
    trie.sample(2.0)
    assert trie.find("a.b").rate == 0
    assert trie.find("a").count == 50


def test_trie_bounds_its_size():
    trie = SubjectTrie(max_nodes=3)
    trie.add("a.b.c")
    trie.add("a.x.y")  # no room: counted on the deepest known ancestor
    assert trie.node_count == 3
    assert trie.find("a.x") is None
    assert trie.find("a").own == 1
    assert trie.root.count == 2
