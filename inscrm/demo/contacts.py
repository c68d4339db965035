"""Contacts with demo customers (calls, visits…) and the claims department's blacklist reports.

Insured customers get service calls and renewal visits; lost ones a last call and sometimes a
win-back; prospects a recent call or visit with an intent (interested, quoted) and a next step;
floating ones at most a cold call, or an intent too old to count.
"""

import datetime as dt

from inscrm.demo import words
from inscrm.demo.identity import Picker
from inscrm.demo.people import IN_FORCE

KINDS = Picker(("call", "visit", "message", "service", "complaint"), (45, 25, 15, 12, 3))
COLD_KINDS = Picker(("call", "visit", "message"), (60, 30, 10))


def _days_ago(demo, low, high):
    return demo.today - dt.timedelta(days=demo.rng.randint(low, high))


def _plans(demo, person):
    """(kind, outcome, notes, date, next step in days or None) for each contact."""
    rng, profile = demo.rng, person.profile
    notes = words.ACTIVITY_NOTES
    plans = []
    if profile in IN_FORCE:
        for _ in range(rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]):
            kind = KINDS(rng)
            if kind == "complaint":
                plans.append((kind, "none", rng.choice(notes["complaint"]),
                              _days_ago(demo, 0, 720), None))
            elif rng.random() < 0.3:
                plans.append((kind, "won", rng.choice(notes["renewal"]),
                              _days_ago(demo, 0, 720), None))
            else:
                plans.append((kind, "none", rng.choice(notes["service"]), _days_ago(demo, 0, 720),
                              rng.randint(30, 120) if rng.random() < 0.2 else None))
    elif profile in ("lapsed", "competitor", "cancelled"):
        plans.append((COLD_KINDS(rng), rng.choice(("lost", "not_interested")),
                      rng.choice(notes["lost"]), _days_ago(demo, 20, 700), None))
        if rng.random() < 0.35:  # a win-back attempt
            plans.append((COLD_KINDS(rng), rng.choice(("interested", "quoted", "not_interested")),
                          rng.choice(notes["win_back"]), _days_ago(demo, 1, 330),
                          rng.randint(7, 45)))
    elif profile == "intent":
        for _ in range(rng.randint(0, 2)):
            plans.append((COLD_KINDS(rng), "none", rng.choice(notes["cold"]),
                          _days_ago(demo, 200, 700), None))
        plans.append((COLD_KINDS(rng), rng.choice(("interested", "interested", "quoted")),
                      rng.choice(notes["intent"]), _days_ago(demo, 1, 300), rng.randint(7, 60)))
    else:  # floating: a cold call, or an intent from long ago
        for _ in range(rng.choices((0, 1, 2), (45, 35, 20))[0]):
            if rng.random() < 0.5:
                plans.append((COLD_KINDS(rng), rng.choice(("not_interested", "none")),
                              rng.choice(notes["cold"]), _days_ago(demo, 1, 330), None))
            else:
                plans.append((COLD_KINDS(rng), rng.choice(("interested", "none", "not_interested")),
                              rng.choice(notes["intent"]), _days_ago(demo, 420, 1200), None))
    return plans


def write_activities(demo, person):
    """The customer's contacts; returns the date of the latest (ISO) or None."""
    user = person.manager or person.agent
    latest = None
    for kind, outcome, note, date, next_in in _plans(demo, person):
        next_action = (date + dt.timedelta(days=next_in)).isoformat() if next_in else None
        demo.tables.activity.add(person.id, user, kind, outcome, note, date.isoformat(),
                                 next_action)
        latest = max(latest or date, date)
    return latest.isoformat() if latest else None


def write_blacklist(demo, person, name, id_number):
    """The claims department's report on the customer: active, or lifted by the manager."""
    reason = person.blacklist_reason or person.lifted_reason
    if reason is None:
        return
    rng, staff = demo.rng, demo.staff
    reported = _days_ago(demo, 5, 600)
    lifted_by = lifted_on = lift_reason = None
    if person.blacklist_reason is None:
        lifted_by = staff.manager
        lifted_on = min(demo.today, reported + dt.timedelta(days=rng.randint(20, 200))).isoformat()
        lift_reason = "复核后证据不足，解除黑名单"
    demo.tables.blacklist.add(
        person.id, id_number, name, reason, demo.unit, staff.claims, reported.isoformat(),
        words.BLACKLIST_EVIDENCE[reason], int(lifted_by is None), lifted_by, lifted_on,
        lift_reason,
    )
