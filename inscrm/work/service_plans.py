"""Service plans per segment: how often an account manager must be in touch, and how.

The plans live in the rule settings (`service_plans`: segment -> {"kind", "days"} or null), so HQ
can own them later. A plan's contact kind is the least a contact must be: a visit fulfils a call
plan, a call (or a service contact) fulfils a message plan, but a call does not fulfil a visit
plan. Tasks are made from the plans with the same Task machinery as renewals (kind `service`,
rule `service_plan`, one `dedupe_key` per customer and due date), and a task is done as soon as
a fitting contact is logged.
"""

import datetime as dt
from decimal import Decimal

from peewee import JOIN, Case, chunked, fn

from inscrm.customers.quote import ACTIONS
from inscrm.db import dialect, stamps
from inscrm.db.ids import uuid7
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.labels import SERVICE_TITLES  # the title is stored as a msgid, worded on display
from inscrm.models import (
    SEGMENTS,
    Activity,
    Customer,
    CustomerRef,
    Meta,
    Task,
    Township,
    User,
    now,
)
from inscrm.pinyin import sort_key
from inscrm.segments import rules
from inscrm.validators import Invalid
from inscrm.work.tasks import spread_offset

PLAN_KINDS = ("message", "call", "visit")
# How much of a contact an activity is; a plan is fulfilled by an activity at least as strong.
_STRENGTH = {"message": 1, "call": 2, "service": 2, "visit": 3}
MAX_DAYS = 3650
PLANS_STARTED = "service_plans_started_on"
OVERDUE_LIMIT = 500  # rows in the printable overdue list; the counts cover everyone


def contact_kinds(plan_kind):
    """The activity kinds that fulfil a plan of this kind."""
    need = _STRENGTH[plan_kind]
    return sorted(kind for kind, strength in _STRENGTH.items() if strength >= need)


def plans(values=None):
    """{segment: {"kind": ..., "days": n}} for the segments that have a plan, in segment order."""
    configured = (values or rules.current())["service_plans"]
    return {seg: configured[seg] for seg in SEGMENTS if configured.get(seg)}


def _in_segment(segment):
    return (Customer.segment == segment) & ~Customer.deleted & Customer.merged_into.is_null()


def _as_date(value):
    """A date read from an aggregate over a subquery (SQLite hands back its ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _planned(segment, plan):
    """Customers of a planned segment with their effective manager and last fitting contact.

    The effective manager is the customer's own, or else the manager of the customer's township.
    """
    members = Customer.select(Customer.id).where(_in_segment(segment))
    last = (
        Activity.select(Activity.customer.alias("customer_id"),
                        fn.MAX(Activity.date).alias("last"))
        .where(~Activity.deleted, Activity.kind.in_(contact_kinds(plan["kind"])),
               Activity.customer.in_(members))
        .group_by(Activity.customer)
        .alias("last_contact")
    )
    return (
        Customer.select(
            Customer.id, Customer.uid, Customer.name,
            fn.COALESCE(Customer.manager, Township.manager).alias("manager_id"),
            last.c.last.alias("last"),
        )
        .join(Township, JOIN.LEFT_OUTER, on=(Customer.township == Township.id))
        .join(last, JOIN.LEFT_OUTER, on=(last.c.customer_id == Customer.id))
        .where(_in_segment(segment))
    )


def _open_service_tasks(*fields):
    """Open tasks made by the service plans (selecting `fields`, default the customer)."""
    return Task.select(*(fields or [Task.customer])).where(
        Task.kind == "service", Task.rule == "service_plan", Task.status == "open", ~Task.deleted
    )


def next_due(last, days, today, first_round=None):
    """(round date, due date) of a customer's next contact under a plan of `days`.

    The round date is the last fitting contact + `days`, or today if there never was one. In
    the first round (`first_round`: the date the customer came under the plans, and its place
    in the round), a round date that is already past — never contacted, or last contacted long
    ago — moves to the customer's place in the round counted from that start, as long as that
    place is still ahead: so a new installation or an import does not bring every planned
    customer due at once, and a year-old contact does not make a task overdue on arrival.
    A task is never due before the day it is made.
    """
    natural = today if last is None else last + dt.timedelta(days=days)
    if first_round is not None:
        start, offset = first_round
        placed = start + dt.timedelta(days=offset)
        if (last is None or natural < start) and placed >= today and placed > natural:
            natural = placed
    return natural, max(natural, today)


def _plans_started(today):
    """The day the service plans first made tasks here (kept in Meta from the first pass)."""
    started = Meta.get_value(PLANS_STARTED)
    if started is None:
        Meta.set_value(PLANS_STARTED, today.isoformat())
        return today
    return dt.date.fromisoformat(started)


def generate_service_tasks(today):
    """Close the tasks whose contact was logged, then make the missing ones; returns counts.

    A customer in a planned segment gets one open task when the next contact is due within
    `service_task_lead_days` (see `next_due`). The first round is spread for the customers who
    arrive in numbers: those here when the plans started (a new installation, or an upgrade)
    and those that came from a list (an import: they have a reference in an outside system),
    from the later of the plans' start and the day they came in. A customer entered by hand
    later is due at once. A customer who already has an open service task gets no second one,
    and the `dedupe_key` service:<customer uid>:<round date> makes each round of contact once.
    """
    values = rules.current()
    horizon = today + dt.timedelta(days=int(values["service_task_lead_days"]))
    with writing():
        done = close_contacted_service_tasks()
        cancelled = cancel_unplanned_service_tasks()
        started = _plans_started(today)
        had_task = fn.EXISTS(Task.select(Task.id).where(
            Task.customer == Customer.id, Task.kind == "service", Task.rule == "service_plan"))
        listed = fn.EXISTS(CustomerRef.select(CustomerRef.id).where(
            CustomerRef.customer == Customer.id))
        rows = []
        for segment, plan in plans(values).items():
            days = int(plan["days"])
            query = (_planned(segment, plan)
                     .select_extend(Customer.created_at, had_task, listed)
                     .where(Customer.id.not_in(_open_service_tasks())))
            for customer_id, uid, _name, manager_id, last, created, had, from_list in (
                    query.tuples().iterator()):
                came = _as_date(created) or started
                first_round = None
                if not had and (from_list or came <= started):
                    first_round = (min(max(came, started), today), spread_offset(uid, days))
                key_date, due = next_due(_as_date(last), days, today, first_round)
                if due <= horizon:
                    rows.append((customer_id, uid, manager_id, key_date, due, plan["kind"]))
        created = _insert_tasks(rows)
    return {"created": created, "done": done, "cancelled": cancelled}


def _insert_tasks(rows):
    if not rows:
        return 0
    stamp = stamps.stamp()
    created_at = now()
    for batch in chunked(rows, 500):
        Task.insert_many([
            {
                "uid": uuid7(), "customer": customer_id, "assignee": manager_id, "kind": "service",
                "rule": "service_plan", "title": SERVICE_TITLES[kind], "due_date": due,
                "status": "open", "dedupe_key": f"service:{uid}:{key_date.isoformat()}",
                "created_at": created_at, **stamp,
            }
            for customer_id, uid, manager_id, key_date, due, kind in batch
        ]).on_conflict_ignore().execute()
    return Task.select().where(Task.seq == stamp["seq"], Task.kind == "service").count()


def close_contacted_service_tasks(customer_ids=None):
    """Mark done the open service tasks whose customer has had a fitting contact since.

    "Since" means dated after the task's due date less the plan's days: newer than the contact
    the task was made from (any contact in that interval, for a customer never contacted). So a
    visit of yesterday written up today counts, and an old contact imported later does not.
    `customer_ids` limits the pass to those customers (a contact just logged); None is everyone.
    Returns how many were closed.
    """
    ids = []
    for segment, plan in plans().items():
        contacted = (
            Activity.select(Activity.id)
            .where(
                Activity.customer == Task.customer, ~Activity.deleted,
                Activity.kind.in_(contact_kinds(plan["kind"])),
                Activity.date > _days_before(Task.due_date, int(plan["days"])),
            )
        )
        tasks = (_open_service_tasks(Task.id)
                 .join(Customer, on=(Task.customer == Customer.id))
                 .where(_in_segment(segment), fn.EXISTS(contacted)))
        if customer_ids is not None:
            tasks = tasks.where(Task.customer.in_(list(customer_ids)))
        ids += [task_id for (task_id,) in tasks.tuples()]
    return _set_status(ids, "done")


def _days_before(date_column, days):
    """date_column - days in SQL."""
    return dialect.plus_days(date_column, -days)


def cancel_unplanned_service_tasks():
    """Cancel open service tasks of customers whose segment no longer has a plan."""
    planned = list(plans())
    ids = [
        task_id for (task_id,) in _open_service_tasks(Task.id)
        .join(Customer, on=(Task.customer == Customer.id))
        .where(Customer.segment.not_in(planned) | Customer.deleted
               | Customer.merged_into.is_null(False))
        .tuples()
    ]
    return _set_status(ids, "cancelled")


def _set_status(ids, status):
    if not ids:
        return 0
    with writing():
        stamp = stamps.stamp()
        for batch in chunked(ids, 500):
            Task.update(status=status, done_at=now(), **stamp).where(Task.id.in_(batch)).execute()
    return len(ids)


# --- compliance --------------------------------------------------------------------------------


def _share(part, whole):
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def compliance(as_of, segment=None, manager_id=None):
    """Plan compliance as of a date: per segment, per account manager, and who is overdue.

    A customer is on plan when the last fitting contact is within the plan's days before
    `as_of` (last >= as_of - days); otherwise, or when never contacted, overdue.
    """
    segments, managers, overdue, overdue_total = [], {}, [], 0
    for seg, plan in plans().items():
        if segment and seg != segment:
            continue
        cutoff = as_of - dt.timedelta(days=int(plan["days"]))
        base = _planned(seg, plan)
        if manager_id:
            base = base.where(fn.COALESCE(Customer.manager, Township.manager) == manager_id)
        summary = _summarise(base, cutoff)
        customers = sum(n for _m, n, _c in summary)
        contacted = sum(c for _m, _n, c in summary)
        segments.append({"segment": seg, "plan": plan, "customers": customers,
                         "contacted": contacted, "overdue": customers - contacted,
                         "share": _share(contacted, customers)})
        for mid, n, c in summary:
            row = managers.setdefault(mid, {"manager_id": mid, "customers": 0, "contacted": 0})
            row["customers"] += n
            row["contacted"] += c
        overdue_total += customers - contacted
        overdue += _overdue(base, seg, plan, cutoff)
    names = {u.id: u for u in User.select().where(User.id.in_([m for m in managers if m]))}
    by_manager = []
    for row in managers.values():
        row.update(manager=names.get(row["manager_id"]),
                   overdue=row["customers"] - row["contacted"],
                   share=_share(row["contacted"], row["customers"]))
        by_manager.append(row)
    by_manager.sort(key=lambda r: (r["share"] is None, r["share"] or 0,
                                   sort_key(str(r["manager"] or ""))))
    overdue.sort(key=lambda r: (r["due"] or dt.date.min, sort_key(r["name"])))
    for row in overdue:
        row["manager"] = names.get(row["manager_id"])
    return {"as_of": as_of, "segments": segments, "managers": by_manager,
            "overdue": overdue[:OVERDUE_LIMIT], "overdue_total": overdue_total}


def _summarise(base, cutoff):
    """[(manager id, customers, contacted within the interval)] of one segment's plan."""
    on_plan = Case(None, [(base.c.last >= cutoff, 1)], 0)
    query = base.select_from(base.c.manager_id, fn.COUNT(base.c.id), fn.SUM(on_plan))
    return [(mid, n, int(c or 0)) for mid, n, c in query.group_by(base.c.manager_id).tuples()]


def _overdue(base, segment, plan, cutoff):
    """The most overdue customers of one segment (never contacted first)."""
    query = (
        base.select_from(base.c.id, base.c.name, base.c.manager_id, base.c.last)
        .where(base.c.last.is_null() | (base.c.last < cutoff))
        .order_by(base.c.last.asc(nulls="first"), base.c.name)
        .limit(OVERDUE_LIMIT)
    )
    rows = []
    for customer_id, name, manager_id, last in query.tuples():
        last = _as_date(last)
        due = None if last is None else last + dt.timedelta(days=int(plan["days"]))
        rows.append({"customer_id": customer_id, "name": name, "segment": segment,
                     "plan": plan, "manager_id": manager_id, "last": last, "due": due})
    return rows


# --- settings ----------------------------------------------------------------------------------

def parse_settings(form):
    """Service plans and quote advice from the settings form; raises Invalid naming the field.

    Form fields per segment: plan_kind_<seg> ("" for none), plan_days_<seg>, action_<seg>,
    discount_<seg> (a percentage, e.g. 15); plus refer_loss_ratio (a percentage) and lead_days.
    """
    service_plans, advice = {}, {}
    for seg in SEGMENTS:
        kind = (form.get(f"plan_kind_{seg}") or "").strip()
        if not kind:
            service_plans[seg] = None
        elif kind not in PLAN_KINDS:
            raise Invalid(N_("Unknown contact kind %(value)s."), value=kind)
        else:
            days = _whole(form.get(f"plan_days_{seg}"), 1, MAX_DAYS, N_("Days between contacts"))
            service_plans[seg] = {"kind": kind, "days": days}
        action = (form.get(f"action_{seg}") or "").strip()
        if action not in ACTIONS:
            raise Invalid(N_("Unknown recommendation %(value)s."), value=action)
        advice[seg] = {"action": action}
        if action == "accept_discount":
            advice[seg]["discount_max"] = str(
                _percent(form.get(f"discount_{seg}"), 50, N_("Largest discount")))
    return {
        "service_plans": service_plans,
        "quote_recommendations": advice,
        "quote_refer_loss_ratio": str(_percent(form.get("refer_loss_ratio"), 1000,
                                               N_("Refer above a 12-month loss ratio of"))),
        "service_task_lead_days": _whole(form.get("lead_days"), 0, 365,
                                         N_("Tasks appear days ahead")),
    }


def form_values(values):
    """The settings form's fields for the rules in force (the inverse of parse_settings)."""
    fields = {"refer_loss_ratio": _as_percent(values["quote_refer_loss_ratio"]),
              "lead_days": str(values["service_task_lead_days"])}
    for seg in SEGMENTS:
        plan = values["service_plans"].get(seg) or {}
        advice = values["quote_recommendations"].get(seg) or {"action": "accept"}
        fields.update({
            f"plan_kind_{seg}": plan.get("kind", ""), f"plan_days_{seg}": str(plan.get("days", "")),
            f"action_{seg}": advice["action"],
            f"discount_{seg}": _as_percent(advice["discount_max"])
            if advice.get("discount_max") is not None else "",
        })
    return fields


def _as_percent(fraction):
    return f"{(Decimal(str(fraction)) * 100).normalize():f}"


def _whole(value, low, high, field):
    text = (value or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise Invalid(N_("%(field)s: a whole number from %(low)s to %(high)s."),
                      field=field, low=low, high=high)
    return int(text)


def _percent(value, high, field):
    """A percentage typed as 15 or 15.5, kept as the fraction 0.15 / 0.155."""
    text = (value or "").strip().rstrip("%")
    try:
        number = Decimal(text)
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= high:
        raise Invalid(N_("%(field)s: a percentage from 0 to %(high)s."), field=field, high=high)
    return (number / 100).normalize()


def save_settings(form, user):
    """Validate and save the service plans and quote advice as a new, audited rules version."""
    return rules.save(parse_settings(form), user=user, note="service plans and quote advice")
