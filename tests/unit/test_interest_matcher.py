"""The interest matcher agrees with NATS wildcard semantics, node by node, on many random subjects."""

from __future__ import annotations

import random

from natstui.model.interest import InterestSnapshot, SubscriptionIndex
from natstui.model.subjects import SubjectPattern, SubjectTrie

TOKENS = ["a", "b", "c", "orders", "eu"]


def _overlaps(pattern: str, prefix: str) -> bool:
    """Brute force: the pattern matches the prefix subject or some subject below it."""
    want, got = pattern.split("."), prefix.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return True
        if i >= len(got):
            return True  # the rest of the pattern matches tokens below the prefix
        if token != "*" and token != got[i]:
            return False
    return len(want) >= len(got)


def test_counts_agree_with_brute_force():
    rng = random.Random(7)
    patterns = []
    for _ in range(400):
        depth = rng.randint(1, 4)
        tokens = [rng.choice([*TOKENS, "*"]) for _ in range(depth)]
        if rng.random() < 0.3:
            tokens.append(">")
        patterns.append(".".join(tokens))
    patterns += [">", "a.>", "a.>"]  # repeats count
    index = SubscriptionIndex(patterns)
    trie = SubjectTrie()
    subjects = {".".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 5))) for _ in range(300)}
    for subject in subjects:
        trie.add(subject)
    compiled = [SubjectPattern(p) for p in patterns]
    checked = 0
    for node in trie.walk():
        if node.parent is None:
            assert index.match(node).under == len(patterns)
            continue
        path = node.path
        exact = sum(p.matches(path) for p in compiled)
        under = sum(_overlaps(p, path) for p in patterns)
        found = index.match(node)
        assert (found.exact, found.under) == (exact, under), path
        assert index.match_subject(path) == found
        checked += 1
    assert checked > 200 and index.count == len(patterns)


def test_no_interest_marks_a_published_subject_nobody_receives():
    trie = SubjectTrie()
    trie.add("orders.eu.created")
    trie.add("orders.us")
    trie.add("orders")  # published on the interior node too
    snapshot = InterestSnapshot(SubscriptionIndex(["orders.eu.*", "bad..subject", ""]))
    assert snapshot.node_mark(trie.find("orders.eu.created")) == (1, False)
    assert snapshot.node_mark(trie.find("orders.us")) == (0, True)
    assert snapshot.node_mark(trie.find("orders")) == (1, True)  # one below, none on orders itself
    assert InterestSnapshot(reason="no system account").node_mark(trie.find("orders")) is None
