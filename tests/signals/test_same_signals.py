"""Deciding secondary suppression for many figure groups and municipalities in one run (what makes the
engine fast) gives the same signals as deciding it for each group and municipality on its own."""

from __future__ import annotations

from dataclasses import asdict

from queries import Warehouse, protection
from queries import signals as sg


def test_the_demo_signals_do_not_depend_on_how_suppression_is_batched(demo_warehouse, monkeypatch):
    fast = Warehouse.open(demo_warehouse)
    try:
        batched = sg._with_previous(fast)
    finally:
        fast.close()

    one_run = protection._protect_pairs
    runs = []

    def pair_by_pair(wh, pairs):
        runs.append(len(pairs))
        out = {}
        for pair in pairs:
            out.update(one_run(wh, [pair]))
        return out

    monkeypatch.setattr(protection, "_protect_pairs", pair_by_pair)
    slow = Warehouse.open(demo_warehouse)
    try:
        alone = sg._with_previous(slow)
    finally:
        slow.close()
    assert max(runs) > 1  # the engine does ask for many pairs at once
    assert len(batched) > 50
    # Same kinds, figures, areas, periods, sizes, sentences, rules, numbers and order.
    assert [asdict(x) for x in batched] == [asdict(x) for x in alone]
