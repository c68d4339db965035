"""The demo data, classified by the real engine, fills all six segments of DESIGN §2."""

import datetime as dt

from inscrm import demo
from inscrm.models import SEGMENTS, Customer
from inscrm.segments import engine

TODAY = dt.date(2026, 11, 25)
TARGETS = {  # share of customers, as the demo generator aims for them
    "floating": (0.12, 0.30), "prospect": (0.12, 0.30), "standard": (0.22, 0.40),
    "quality": (0.12, 0.30), "key": (0.005, 0.06), "blacklist": (0.003, 0.03),
}


def test_every_segment_is_well_populated(ctx):
    demo.generate(4000, seed=7, today=TODAY)
    counts, changed, _seconds = engine.classify_all(TODAY)
    total = sum(counts.values())
    assert total == 4000 and changed == 4000
    assert set(counts) == set(SEGMENTS)
    for segment, (low, high) in TARGETS.items():
        assert low <= counts[segment] / total <= high, (segment, counts)
    # every customer carries its reason and the evaluation date
    assert not Customer.live().where(Customer.segment_reason.is_null()).exists()
    assert {c.segment_date for c in Customer.live().limit(50)} == {TODAY}
