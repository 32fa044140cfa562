"""Review: the queue of a breakdown day, the case lifecycle, four eyes, and decisions that survive
re-processing (a conflict, never a silent change)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from truceline.api import Desk
from truceline.model.desk import Case, Principal
from truceline.model.tables import ENGAGEMENTS
from truceline.report.export import read_table_csv, write_table_csv
from truceline.store import Store
from truceline.verify.review import DecisionRefused, decide, reconcile, review_items

ANA = Principal("t1", "alice", "analyst")
ANA2 = Principal("t2", "bob", "analyst")
PUB = Principal("t3", "carol", "publisher")


def _items(demo_day):
    out = demo_day["out"]
    from truceline.model import tables as T
    return review_items(read_table_csv(out / "engagements.csv", T.ENGAGEMENTS),
                        read_table_csv(out / "incidents.csv", T.INCIDENTS),
                        read_table_csv(out / "weapon_findings.csv", T.WEAPON_FINDINGS),
                        read_table_csv(out / "storage_findings.csv", T.STORAGE_FINDINGS))


def test_the_demo_day_makes_at_most_300_items_of_engagements_not_events(demo_day) -> None:
    items = _items(demo_day)
    processed = demo_day["processed"]
    assert len(processed.events) > 1000, "a breakdown day: over a thousand located events"
    assert len(items) <= 300
    engagements = [it for it in items if it.kind == "engagement"]
    assert len(engagements) == len(processed.engagements)
    members = sum(int(it.automatic["n_events"]) for it in engagements)
    assert members > len(items), "items group many events each"
    assert {it.kind for it in items} >= {"engagement", "weapon"}


def _case(demo_day) -> Case:
    return Case("C00001", _items(demo_day)[0])


def test_lifecycle_and_four_eyes(demo_day) -> None:
    c = _case(demo_day)
    with pytest.raises(DecisionRefused, match="only a confirmed case"):
        decide(c, "publish", PUB)
    c = decide(decide(c, "preliminary", ANA), "confirm", ANA)
    assert (c.state, c.decided_by) == ("confirmed", "alice")
    with pytest.raises(DecisionRefused, match="four eyes"):
        decide(c, "publish", Principal("t9", "alice", "publisher"))   # the same person with another token
    published = decide(c, "publish", PUB)
    assert published.state == "published"
    with pytest.raises(DecisionRefused, match="immutable"):
        decide(published, "reject", ANA2)
    with pytest.raises(DecisionRefused, match="only an automatic case"):
        decide(c, "preliminary", ANA)


def test_reprocessing_changes_an_undecided_case_silently_and_a_decided_one_into_a_conflict(demo_day) -> None:
    items = _items(demo_day)
    undecided, decided = Case("C00001", items[0]), decide(Case("C00002", items[1]), "confirm", ANA)
    changed = [replace(items[0], automatic={**items[0].automatic, "opened_by": "undetermined"}, fingerprint="x1"),
               replace(items[1], automatic={**items[1].automatic, "opened_by": "undetermined"}, fingerprint="x2"),
               *items[2:]]
    counter = iter(range(3, 10**6))
    after = {c.case_id: c for c in reconcile([undecided, decided], changed, lambda: f"C{next(counter):05d}")}
    assert after["C00001"].item.fingerprint == "x1" and not after["C00001"].in_conflict
    kept = after["C00002"]
    assert kept.in_conflict and kept.state == "confirmed" and kept.decided_by == "alice"
    assert kept.item.fingerprint == items[1].fingerprint and kept.pending.fingerprint == "x2"
    with pytest.raises(DecisionRefused, match="in conflict"):
        decide(kept, "publish", PUB)
    assert decide(kept, "keep", ANA).state == "confirmed"
    accepted = decide(kept, "accept_update", ANA)
    assert (accepted.state, accepted.item.fingerprint, accepted.in_conflict) == ("preliminary", "x2", False)
    assert len(after) == len(items), "every other item opened a case of its own"


def test_a_decided_item_that_vanishes_is_a_conflict_too(demo_day) -> None:
    items = _items(demo_day)
    decided = decide(Case("C00001", items[0]), "confirm", ANA)
    after = reconcile([decided, Case("C00002", items[1])], items[2:], lambda: "C99999")
    kept = next(c for c in after if c.case_id == "C00001")
    assert kept.in_conflict and "no longer finds" in kept.conflict and kept.state == "confirmed"
    assert not any(c.case_id == "C00002" for c in after), "an undecided vanished item is dropped"


def test_desk_decisions_are_ledger_leaves_and_survive_reprocessing(demo_day, desk_settings, tmp_path: Path) -> None:
    desk = Desk.open(desk_settings)
    try:
        ids = [c.case_id for c in desk.cases(ANA) if c.item.kind == "engagement"]
        size = desk.ledger.size
        desk.decide(ANA, ids, "confirm", "bulk: checked against the evidence")       # bulk confirm
        assert desk.ledger.size == size + len(ids)
        leaf = desk.ledger.leaf_data(size).decode()
        assert '"action":"confirm"' in leaf and "alice" in leaf and ids[0] in leaf
        with pytest.raises(DecisionRefused):
            desk.decide(ANA, [ids[0], ids[0]], "preliminary", "all or none")
        assert all(c.state == "confirmed" for c in desk.cases(ANA) if c.case_id in ids)
        assert desk.ledger.size == size + len(ids), "a refused bulk decision writes nothing"
    finally:
        desk.close()
    served = tmp_path / "served"
    shutil.copytree(demo_day["out"], served, ignore=shutil.ignore_patterns("store.sqlite*"))
    again = Desk.open(replace(desk_settings, data=served))     # a long-running server over the folder
    try:
        assert not any(c.in_conflict for c in again.cases(ANA))
        shutil.copy(_reprocessed(demo_day, tmp_path) / "engagements.csv", served / "engagements.csv")  # a re-run
        with pytest.raises(Exception, match="only analysts"):
            again.reload(PUB)
        assert [c.item.ref for c in again.reload(ANA)] == [f"{next(iter(again.days))}/G00001"]
        first = next(c for c in again.cases(ANA) if c.item.ref.endswith("/G00001"))
        assert first.in_conflict and first.state == "confirmed" and first.item.automatic["opened_by"] != "undetermined"
        assert first.pending.automatic["opened_by"] == "undetermined"
        others = [c for c in again.cases(ANA) if c.case_id in ids and c.case_id != first.case_id]
        assert others and not any(c.in_conflict for c in others)
    finally:
        again.close()
    with Store.open(desk_settings.store) as store:
        assert {c.case_id for c in store.cases() if c.in_conflict} == {first.case_id}


def _reprocessed(demo_day, tmp_path: Path) -> Path:
    """The demo day re-processed: the same, but the engine now says the first engagement's opener
    is undetermined."""
    data = tmp_path / "reprocessed"
    shutil.copytree(demo_day["out"], data, ignore=shutil.ignore_patterns("store.sqlite*"))
    g = read_table_csv(data / "engagements.csv", ENGAGEMENTS)
    write_table_csv(g.with_columns(opened_by=_set(g["opened_by"], 0, "undetermined")), data / "engagements.csv",
                    ENGAGEMENTS)
    return data


def _set(values, index, value):
    out = values.copy()
    out[index] = value
    return out


def test_a_correction_is_a_new_publication_that_supersedes(demo_day, desk_settings, tmp_path: Path) -> None:
    from truceline.api.publish import publish
    desk = Desk.open(desk_settings)
    try:
        first = next(c for c in desk.cases(ANA) if c.item.ref.endswith("/G00001"))
        desk.decide(ANA, [first.case_id], "confirm", "checked")
        original = publish(desk, PUB, first.case_id, "release")
    finally:
        desk.close()
    again = Desk.open(replace(desk_settings, data=_reprocessed(demo_day, tmp_path)))
    try:
        case = next(c for c in again.cases(ANA) if c.case_id == first.case_id)
        assert case.in_conflict and case.state == "published"
        again.decide(ANA2, [case.case_id], "accept_update", "late data: the opener is not established")
        again.decide(ANA2, [case.case_id], "confirm", "checked again")
        correction = publish(again, PUB, case.case_id, "correction")
        stored = {p["publication_id"]: p for p in again.store.publications()}
        assert stored[correction["publication_id"]]["supersedes"] == original["publication_id"]
        assert stored[original["publication_id"]]["body"] == original["body"], "a publication never changes"
        assert json.loads(correction["body"])["item"]["automatic"]["opened_by"] == "undetermined"
    finally:
        again.close()
