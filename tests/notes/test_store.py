"""The note store on SQLite and on a real PostgreSQL server: workflow, roles, matching, markers, conflicts."""

from __future__ import annotations

import threading

import pytest

from domain.roles import PermissionDenied
from store import db as db_module
from store.notes import Link, NoteConflict, NoteInvalid, NoteNotFound, NoteStateError, NoteStore, parse_period_spec
from tests.notes.conftest import content

ROLES = ["raadslid", "griffie", "ambtenaar", "beheerder"]
WRITERS = {"ambtenaar", "beheerder"}


def published(store: NoteStore, **overrides):
    n = store.create(content(**overrides), role="ambtenaar", user="anna")
    store.submit_for_review(n.note_id, n.head_revision, role="ambtenaar", user="anna")
    return store.publish(n.note_id, n.head_revision + 1, role="beheerder", user="bert")


def revision_count(store: NoteStore) -> int:
    return sum(store.count_revisions().values())


# -- workflow ------------------------------------------------------------------------------------


def test_full_workflow_keeps_every_revision(store):
    n = store.create(content(), role="ambtenaar", user="anna")
    assert (n.revision, n.status, n.written_by, n.change) == (1, "draft", "anna", "create")
    n = store.update(n.note_id, 1, content(explanation="Nieuwe verklaring."), role="ambtenaar", user="anna")
    assert (n.revision, n.status, n.change) == (2, "draft", "edit")
    n = store.submit_for_review(n.note_id, 2, role="ambtenaar", user="anna")
    assert (n.revision, n.status) == (3, "review")
    n = store.back_to_draft(n.note_id, 3, role="ambtenaar", user="bert")
    assert n.status == "draft"
    n = store.submit_for_review(n.note_id, 4, role="ambtenaar", user="anna")
    n = store.publish(n.note_id, 5, role="beheerder", user="bert")
    assert (n.revision, n.status, n.published_by, n.published_revision) == (6, "published", "bert", 6)
    assert n.written_by == "anna"  # a state change does not make the publisher the author
    n = store.withdraw(n.note_id, 6, role="ambtenaar", user="carla")
    assert (n.status, n.withdrawn_by, n.published_revision) == ("withdrawn", "carla", None)
    n = store.reopen(n.note_id, 7, role="ambtenaar", user="anna")
    assert (n.revision, n.status) == (8, "draft")
    history = store.history(n.note_id, role="ambtenaar")
    assert [h.revision for h in history] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert [h.change for h in history] == ["reopen", "withdraw", "publish", "review", "back_to_draft", "review",
                                           "edit", "create"]
    assert history[-1].content.explanation == content().explanation  # the first text is still readable
    assert history[0].content.explanation == "Nieuwe verklaring."


@pytest.mark.parametrize("status,step", [
    ("draft", "publish"), ("draft", "back_to_draft"), ("draft", "reopen"),
    ("review", "submit_for_review"), ("review", "reopen"),
    ("published", "publish"), ("published", "submit_for_review"), ("published", "reopen"),
    ("withdrawn", "publish"), ("withdrawn", "withdraw"), ("withdrawn", "submit_for_review"),
])
def test_steps_that_do_not_fit_the_status_are_refused(store, status, step):
    n = store.create(content(), role="ambtenaar", user="anna")
    path = {"draft": [], "review": ["submit_for_review"], "published": ["submit_for_review", "publish"],
            "withdrawn": ["withdraw"]}[status]
    for s in path:
        n = getattr(store, s)(n.note_id, n.head_revision, role="beheerder", user="anna")
    before = revision_count(store)
    with pytest.raises(NoteStateError):
        getattr(store, step)(n.note_id, n.head_revision, role="beheerder", user="anna")
    assert revision_count(store) == before
    assert store.get(n.note_id, role="ambtenaar").status == status


def test_withdrawn_note_cannot_be_edited_until_reopened(store):
    n = store.create(content(), role="ambtenaar", user="anna")
    n = store.withdraw(n.note_id, 1, role="ambtenaar", user="anna")
    with pytest.raises(NoteStateError):
        store.update(n.note_id, 2, content(title="x"), role="ambtenaar", user="anna")
    n = store.reopen(n.note_id, 2, role="ambtenaar", user="anna")
    assert store.update(n.note_id, 3, content(title="x"), role="ambtenaar", user="anna").content.title == "x"


def test_republishing_a_withdrawn_note_clears_the_withdrawal_stamp(store):
    n = published(store)
    n = store.withdraw(n.note_id, n.head_revision, role="ambtenaar", user="carla")
    assert (n.withdrawn_by, n.published_by, n.published_revision) == ("carla", "bert", None)
    assert n.withdrawn_at is not None
    n = store.reopen(n.note_id, n.head_revision, role="ambtenaar", user="anna")
    assert n.withdrawn_by == "carla"  # still withdrawn until it is published again
    n = store.submit_for_review(n.note_id, n.head_revision, role="ambtenaar", user="anna")
    n = store.publish(n.note_id, n.head_revision, role="beheerder", user="dirk")
    assert (n.status, n.published_by, n.published_revision) == ("published", "dirk", n.revision)
    assert (n.withdrawn_by, n.withdrawn_at) == (None, None)
    reader = store.get(n.note_id, role="raadslid")
    assert (reader.withdrawn_by, reader.withdrawn_at, reader.published_by) == (None, None, "dirk")


def test_editing_a_published_note_keeps_the_published_text_for_readers(store):
    n = published(store, what_we_see="Versie één.")
    n = store.update(n.note_id, n.head_revision, content(what_we_see="Versie twee, nog niet gecontroleerd."),
                     role="ambtenaar", user="anna")
    assert n.status == "draft" and n.published_revision == 3
    reader = store.get(n.note_id, role="raadslid")
    assert (reader.revision, reader.status, reader.content.what_we_see) == (3, "published", "Versie één.")
    writer = store.get(n.note_id, role="ambtenaar")
    assert writer.content.what_we_see.startswith("Versie twee")
    # Readers only ever see published revisions in the history.
    assert [h.revision for h in store.history(n.note_id, role="raadslid")] == [3]
    n = store.submit_for_review(n.note_id, 4, role="ambtenaar", user="anna")
    n = store.publish(n.note_id, 5, role="ambtenaar", user="bert")
    assert store.get(n.note_id, role="raadslid").content.what_we_see.startswith("Versie twee")
    assert [h.revision for h in store.history(n.note_id, role="griffie")] == [6, 3]


def test_drafts_are_hidden_from_readers(store):
    n = store.create(content(), role="ambtenaar", user="anna")
    for role in ("raadslid", "griffie"):
        with pytest.raises(NoteNotFound):
            store.get(n.note_id, role=role)
        with pytest.raises(NoteNotFound):
            store.history(n.note_id, role=role)
        assert store.list_notes(role=role) == []
        assert store.notes_for("wmo_clients_per_1000", "wmo", ["GM0001"], "2024JJ00", role=role) == []
    for role in WRITERS:
        assert store.get(n.note_id, role=role).status == "draft"


def test_unknown_note(store):
    with pytest.raises(NoteNotFound):
        store.publish("doesnotexist", 1, role="ambtenaar", user="anna")


# -- roles -------------------------------------------------------------------------------------------


WRITE_STEPS = {
    "create": lambda s, n, role: s.create(content(), role=role, user="x"),
    "update": lambda s, n, role: s.update(n.note_id, n.head_revision, content(title="t"), role=role, user="x"),
    "submit_for_review": lambda s, n, role: s.submit_for_review(n.note_id, n.head_revision, role=role, user="x"),
    "back_to_draft": lambda s, n, role: s.back_to_draft(n.note_id, n.head_revision, role=role, user="x"),
    "publish": lambda s, n, role: s.publish(n.note_id, n.head_revision, role=role, user="x"),
    "withdraw": lambda s, n, role: s.withdraw(n.note_id, n.head_revision, role=role, user="x"),
    "reopen": lambda s, n, role: s.reopen(n.note_id, n.head_revision, role=role, user="x"),
    "import": lambda s, n, role: s.import_json(s.export_json(role="beheerder"), role=role, user="x"),
    "export": lambda s, n, role: s.export_json(role=role),
}
NEEDS = {"back_to_draft": "review", "publish": "review", "reopen": "withdrawn"}


@pytest.mark.parametrize("role", ROLES + [None, "hacker"])
@pytest.mark.parametrize("step", list(WRITE_STEPS))
def test_every_write_checks_the_role_on_the_server(store, role, step):
    n = store.create(content(), role="ambtenaar", user="anna")
    if NEEDS.get(step) == "review":
        n = store.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    elif NEEDS.get(step) == "withdrawn":
        n = store.withdraw(n.note_id, 1, role="ambtenaar", user="anna")
    before = store.export_data(role="beheerder")["notes"]
    if role in WRITERS:
        WRITE_STEPS[step](store, n, role)
    else:
        with pytest.raises(PermissionDenied):
            WRITE_STEPS[step](store, n, role)
        assert store.export_data(role="beheerder")["notes"] == before  # nothing changed


@pytest.mark.parametrize("role", ROLES)
def test_reading_published_notes_is_for_everyone(store, role):
    n = published(store)
    assert store.get(n.note_id, role=role).status == "published"
    assert len(store.notes_for("wmo_clients_per_1000", "wmo", ["GM0001"], "2024JJ00", role=role)) == 1
    assert store.markers_for("wmo_clients_per_1000", "wmo", role=role).height == 0


def test_no_role_reads_nothing(store):
    published(store)
    with pytest.raises(PermissionDenied):
        store.notes_for("wmo_clients_per_1000", "wmo", ["GM0001"], None, role=None)


# -- matching a chart --------------------------------------------------------------------------------


def test_notes_for_a_chart_most_specific_first(store):
    ind = "wmo_clients_per_1000"
    titles = {
        "gm-all": dict(region_codes=("GM0001",), period_from=None, period_to=None),
        "gm-range": dict(region_codes=("GM0001",), period_from="2022JJ00", period_to="2025JJ00"),
        "gm-wide-range": dict(region_codes=("GM0001",), period_from="2015JJ00", period_to=None),
        "gm-2024": dict(region_codes=("GM0001",), period_from="2024JJ00", period_to="2024JJ00"),
        "wk-all": dict(region_codes=("WK000101",), period_from=None, period_to=None),
        "wk-2024": dict(region_codes=("WK000101", "WK000102"), period_from="2024", period_to="2024"),
        "law-marker": dict(indicator_id=None, marker_period="2019JJ00", marker_label="2019 abonnementstarief",
                           period_from=None, period_to=None),
        # These must not match the chart:
        "gm-2023": dict(region_codes=("GM0001",), period_from="2023JJ00", period_to="2023JJ00"),
        "other-wijk": dict(region_codes=("WK000103",), period_from=None, period_to=None),
        "other-gemeente": dict(region_codes=("GM0002",), period_from=None, period_to=None),
        "other-indicator": dict(indicator_id="wmo_reg_clients"),
        "other-law": dict(law="jeugd", indicator_id=None, marker_period="2022JJ00", marker_label="woonplaatsbeginsel"),
    }
    for title, fields in titles.items():
        published(store, title=title, **fields)
    store.create(content(title="draft-2024"), role="ambtenaar", user="anna")
    found = store.notes_for(ind, "wmo", ["WK000101"], "2024JJ00", role="raadslid")
    # The law-wide marker is an event on the time axis (markers_for), not a note beside the chart.
    assert [n.content.title for n in found] == ["wk-2024", "wk-all", "gm-2024", "gm-range", "gm-wide-range",
                                                "gm-all"]
    writer = store.notes_for(ind, "wmo", ["WK000101"], "2024JJ00", role="ambtenaar")
    assert "draft-2024" in [n.content.title for n in writer]
    # A gemeente chart does not show wijk notes; without a period every year matches.
    gm = store.notes_for(ind, "wmo", ["GM0001"], None, role="griffie")
    assert [n.content.title for n in gm] == ["gm-2024", "gm-2023", "gm-range", "gm-wide-range", "gm-all"]
    # A quarter belongs to its year.
    assert "gm-2024" in [n.content.title for n in store.notes_for(ind, "wmo", ["GM0001"], "2024KW03", role="raadslid")]


def test_withdrawn_notes_leave_every_panel(store):
    n = published(store)
    store.withdraw(n.note_id, n.head_revision, role="ambtenaar", user="anna")
    for role in ROLES:
        assert store.notes_for("wmo_clients_per_1000", "wmo", ["GM0001"], "2024JJ00", role=role) == []
    assert len(store.history(n.note_id, role="ambtenaar")) == 4  # still there, only withdrawn


# -- markers -------------------------------------------------------------------------------------------


def test_markers_for_indicator_and_law(store):
    published(store, indicator_id=None, marker_period="2019JJ00", marker_label="2019 abonnementstarief",
              explanation="Sinds 2019 betaalt iedereen **hetzelfde** bedrag per maand.")
    published(store, marker_period="2015JJ00", marker_label="Start Wmo 2015")
    published(store, law="jeugd", indicator_id=None, marker_period="2022JJ00", marker_label="woonplaatsbeginsel")
    published(store, indicator_id="wmo_reg_clients", marker_period="2020JJ00", marker_label="ander cijfer")
    draft = store.create(content(marker_period="2023JJ00", marker_label="aanbesteding"), role="ambtenaar", user="a")
    m = store.markers_for("wmo_clients_per_1000", "wmo", role="raadslid")
    assert m.columns == ["period", "year", "label", "text", "note_id"]
    assert m["period"].to_list() == ["2015JJ00", "2019JJ00"]
    assert m["year"].to_list() == [2015, 2019]
    assert m["label"].to_list() == ["Start Wmo 2015", "2019 abonnementstarief"]
    assert m["text"][1] == "Sinds 2019 betaalt iedereen hetzelfde bedrag per maand."  # plain text for a tooltip
    writer = store.markers_for("wmo_clients_per_1000", "wmo", role="ambtenaar")
    assert writer.filter(writer["note_id"] == draft.note_id)["label"].to_list() == ["aanbesteding (concept)"]
    assert store.markers_for("jeugd_x", "jeugd", role="raadslid")["label"].to_list() == ["woonplaatsbeginsel"]
    assert store.markers_for("x", "participatie", role="raadslid").is_empty()


# -- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields,message", [
    (dict(law="zorg"), "wet"),
    (dict(region_codes=()), "gemeente of een of meer wijken"),
    (dict(region_codes=("GM0001", "WK000101")), "niet allebei"),
    (dict(region_codes=("Amsterdam",)), "GM1234"),
    (dict(period_from="2025JJ00", period_to="2020JJ00"), "beginjaar ligt na"),
    (dict(period_from="vorig jaar"), "jaartal"),
    (dict(indicator_id=None), "alleen een markering"),
    (dict(marker_period="2019JJ00"), "label"),
    (dict(marker_label="x"), "periode nodig"),
    (dict(what_we_see="", explanation="", next_steps=""), "minstens één onderdeel"),
    (dict(links=(Link("Kwaad", "javascript:alert(1)", "other"),)), "http"),
    (dict(links=(Link("Brief", "https://x.nl", "tweet"),)), "soort"),
])
def test_invalid_notes_are_refused_in_dutch(store, fields, message):
    with pytest.raises(NoteInvalid, match=message):
        store.create(content(**fields), role="ambtenaar", user="anna")
    assert revision_count(store) == 0


def test_period_specs():
    assert parse_period_spec("alle") == (None, None)
    assert parse_period_spec("2024") == ("2024JJ00", "2024JJ00")
    assert parse_period_spec("2019-2022") == ("2019JJ00", "2022JJ00")
    assert parse_period_spec("2019 t/m 2022") == ("2019JJ00", "2022JJ00")
    assert parse_period_spec("2019-") == ("2019JJ00", None)
    with pytest.raises(NoteInvalid):
        parse_period_spec("ooit")


def test_links_are_kept(store):
    links = (Link("RIB Wmo 2024", "https://lelystad.nl/rib.pdf", "raadsinformatiebrief"),
             Link("Rekenkamer", "https://rekenkamer.nl/r", "rekenkamerrapport"))
    n = store.create(content(links=links), role="ambtenaar", user="anna")
    assert store.get(n.note_id, role="ambtenaar").content.links == links


# -- optimistic locking ---------------------------------------------------------------------------------


def test_two_writers_same_base_revision_one_wins(store):
    n = store.create(content(), role="ambtenaar", user="anna")
    store.update(n.note_id, 1, content(title="Anna's versie"), role="ambtenaar", user="anna")
    with pytest.raises(NoteConflict) as info:
        store.update(n.note_id, 1, content(title="Bert's versie"), role="ambtenaar", user="bert")
    e = info.value
    assert (e.current_revision, e.expected_revision, e.saved_by) == (2, 1, "anna")
    assert "Iemand anders heeft deze duiding intussen opgeslagen" in str(e) and "anna" in str(e)
    assert [h.content.title for h in store.history(n.note_id, role="ambtenaar")] == ["Anna's versie",
                                                                                     "Meer Wmo-cliënten"]


def test_state_change_on_a_stale_revision_is_a_conflict(store):
    n = store.create(content(), role="ambtenaar", user="anna")
    store.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    store.update(n.note_id, 2, content(title="Nog snel aangepast"), role="ambtenaar", user="carla")
    with pytest.raises(NoteConflict):  # the reviewer read revision 2, not the edited revision 3
        store.publish(n.note_id, 2, role="ambtenaar", user="bert")
    assert store.get(n.note_id, role="ambtenaar").status == "review"


def test_concurrent_writers_lose_no_revision(store):
    n = store.create(content(), role="ambtenaar", user="anna")
    writers = 8
    barrier = threading.Barrier(writers)
    outcome: list[str] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        barrier.wait()
        try:
            store.update(n.note_id, 1, content(title=f"schrijver {i}"), role="ambtenaar", user=f"w{i}")
            result = "ok"
        except NoteConflict:
            result = "conflict"
        except Exception as exc:  # pragma: no cover - shown in the assertion
            result = repr(exc)
        with lock:
            outcome.append(result)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["conflict"] * (writers - 1) + ["ok"], outcome
    assert store.count_revisions() == {n.note_id: 2}


def test_many_rounds_of_contention_count_matches(store):
    notes = [store.create(content(title=f"n{i}"), role="ambtenaar", user="anna") for i in range(2)]
    successes = {n.note_id: 0 for n in notes}
    lock = threading.Lock()

    def writer(i: int) -> None:
        for round_ in range(8):
            note = notes[(i + round_) % 2]
            current = store.get(note.note_id, role="ambtenaar")
            try:
                store.update(note.note_id, current.head_revision, content(title=f"w{i} r{round_}"),
                             role="ambtenaar", user=f"w{i}")
            except NoteConflict:
                continue
            with lock:
                successes[note.note_id] += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = store.count_revisions()
    for note in notes:
        assert counts[note.note_id] == 1 + successes[note.note_id]
        revs = [h.revision for h in store.history(note.note_id, role="ambtenaar")]
        assert revs == list(range(len(revs), 0, -1))  # no gaps, no duplicates


def test_a_failed_save_leaves_the_last_good_note(store, monkeypatch):
    n = store.create(content(title="Goed"), role="ambtenaar", user="anna")
    real = db_module.Transaction.execute

    def failing(self, sql, params=()):
        if sql.startswith("INSERT INTO note_revisions"):
            raise RuntimeError("disk full")
        return real(self, sql, params)

    monkeypatch.setattr(db_module.Transaction, "execute", failing)
    with pytest.raises(RuntimeError):
        store.update(n.note_id, 1, content(title="Half"), role="ambtenaar", user="anna")
    monkeypatch.setattr(db_module.Transaction, "execute", real)
    again = store.get(n.note_id, role="ambtenaar")
    assert (again.head_revision, again.content.title) == (1, "Goed")
    assert store.update(n.note_id, 1, content(title="Beter"), role="ambtenaar", user="anna").revision == 2


def test_migrations_run_once(db):
    assert db.migrate() == []


def test_where_leaves_out_filters_the_reader_did_not_set():
    from store.db import where

    assert where([("a = ?", "x"), ("b = ?", None), ("c = ?", ""), ("d IS NOT NULL", None)]) == \
        (" WHERE a = ? AND d IS NOT NULL", ["x"])
    assert where([("a = ?", None)]) == ("", [])
