#!/usr/bin/env python
"""Interest matching: subscriptions indexed once, subject-tree nodes matched against them (no server).

Builds ``--subs`` random subscription subjects (2 to 5 tokens of 30, ``*`` among them, a fifth ending
in ``>``) and a subject trie of ``--subjects`` random subjects (2 to 6 tokens), then times:

- indexing the subscriptions (``SubscriptionIndex``: a trie of their tokens);
- matching every node of the subject trie (what drawing the whole tree expanded would cost; the app
  matches only the nodes it draws);
- for comparison, the naive way on a sample of nodes: each node's subject against every subscription
  with ``SubjectPattern.matches``, extrapolated to all nodes.

Prints the figures and exits 0.

    python benchmarks/interest.py [--subs 10000] [--subjects 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

from natstui.model.interest import SubscriptionIndex
from natstui.model.subjects import SubjectPattern, SubjectTrie


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tokens = [f"t{i}" for i in range(30)]
    subs = []
    for _ in range(args.subs):
        chosen = [rng.choice([*tokens, "*"]) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.2:
            chosen.append(">")
        subs.append(".".join(chosen))
    trie = SubjectTrie()
    for _ in range(args.subjects):
        trie.add(".".join(rng.choice(tokens) for _ in range(rng.randint(2, 6))))
    nodes = [n for n in trie.walk() if n.parent is not None]

    start = time.perf_counter()
    index = SubscriptionIndex(subs)
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    matched = sum(index.match(node).exact for node in nodes)
    walked = time.perf_counter() - start

    sample = nodes[:: max(1, len(nodes) // 200)]
    compiled = [SubjectPattern(s) for s in subs]
    start = time.perf_counter()
    for node in sample:
        path = node.path
        sum(p.matches(path) for p in compiled)
    naive = (time.perf_counter() - start) / len(sample) * len(nodes)

    print(f"subscriptions: {len(subs):,}, subject-tree nodes: {len(nodes):,}")
    print(f"index built:          {indexed * 1e3:8.1f} ms")
    print(
        f"every node matched:   {walked * 1e3:8.1f} ms ({walked / len(nodes) * 1e6:.2f} µs a node; {matched:,} matches)"
    )
    print(f"naive (extrapolated): {naive * 1e3:8.1f} ms (each node against every subscription)")


if __name__ == "__main__":
    main()
