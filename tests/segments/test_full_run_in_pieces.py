"""A full classification writes its changes in short transactions, never on stale figures."""

import datetime as dt

from inscrm.models import Customer, SegmentChange, db
from inscrm.segments import engine
from tests.helpers import make_customer, make_policy

TODAY = dt.date.today()


def _insured(count):
    """Customers with a policy in force: each a change to `standard` for the next full run."""
    customers = [make_customer() for _ in range(count)]
    for customer in customers:
        make_policy(customer, start=TODAY - dt.timedelta(days=30))
    return customers


def _small_pieces(monkeypatch):
    monkeypatch.setattr(engine, "FIRST_PIECE", 100)
    monkeypatch.setattr(engine, "MIN_PIECE", 100)
    monkeypatch.setattr(engine, "PIECE_SECONDS", 0)  # never grows past MIN_PIECE


def test_a_full_run_writes_its_changes_in_pieces_of_their_own(ctx, monkeypatch):
    _small_pieces(monkeypatch)
    pauses = []
    monkeypatch.setattr(engine, "_pause", lambda: pauses.append(db.transaction_depth()))
    _insured(350)

    assert engine.classify(TODAY) == 350
    segments = Customer.select(Customer.segment, Customer.seq).tuples()
    assert {segment for segment, _ in segments} == {"standard"}
    assert len({seq for _, seq in segments}) == 4  # one change sequence per piece of 100
    assert pauses == [0, 0, 0, 0]  # between pieces no transaction is open
    assert engine.last_full_run() == TODAY


def test_a_customer_changed_during_a_full_run_is_judged_on_the_rows_as_they_are_then(
        ctx, monkeypatch):
    _small_pieces(monkeypatch)
    customers = _insured(250)
    early, late = customers[0], customers[-1]  # in the first piece, in the last

    def someone_works():  # what people do between two pieces
        if len(done) == 0:
            for customer in (early, late):  # a big new policy: key, unless evaluated stale
                make_policy(customer, start=TODAY - dt.timedelta(days=5), premium="80000.00")
        done.append(1)

    done = []
    monkeypatch.setattr(engine, "_pause", someone_works)
    engine.classify(TODAY)

    assert len(done) == 3
    found = dict(Customer.select(Customer.id, Customer.segment).tuples())
    assert found[early.id] == found[late.id] == "key"
    assert list(found.values()).count("standard") == 248
    # the stale `standard` the snapshot gave the last one was never written, not even as history
    history = (SegmentChange.select(SegmentChange.to_segment)
               .where(SegmentChange.customer == late.id).tuples())
    assert [segment for (segment,) in history] == ["key"]
