"""The account managers' tasks: made by rules, worked by people.

`generate_tasks(today)` is the one set-based pass that makes the tasks that have come due and
closes the renewal tasks whose policy got renewed. Each rule task carries a `dedupe_key` (rule,
the object's uid, the stage), so running the pass twice — or on two days — makes each task once:
candidates are read with one query per rule and inserted with INSERT … ON CONFLICT DO NOTHING.

Rules (thresholds in `inscrm.rules`):
- renewal: one of our policies, not cancelled, not renewed, ends within the largest of
  `renewal_task_days` (60/30/7): a task at the latest stage reached, due that many days before
  expiry, for the customer's account manager (else the manager of the customer's town); the task
  of an earlier stage still open is cancelled as superseded; closed (done) when a renewal
  arrives, cancelled when the policy is cancelled. Blacklisted customers get no renewal task.
- follow_up: an activity with a next-action date (not older than `follow_up_lookback_days`):
  due on that date, for the one who logged the activity (else the account manager).
- win_back: a competitor policy of a prospect or floating customer ending within
  `winback_task_days`: due that many days before it ends, for the account manager.
- blacklist_review: for claims staff (spread over them by customer): a fraud-suspected claim of a
  customer with no active blacklist entry, or a customer newly blacklisted by the claims rule
  (a SegmentChange to blacklist in the lookback) with no active manual entry.
"""

import datetime as dt

from peewee import JOIN, SQL, Case, Value, chunked, fn

from inscrm import customers, kpi, rules, schema, service
from inscrm.ids import uuid7
from inscrm.models import (
    Activity,
    AuditLog,
    BlacklistEntry,
    Claim,
    Customer,
    Meta,
    Policy,
    SegmentChange,
    Task,
    Township,
    User,
    db,
    now,
)
from inscrm.validators import N_, Invalid

GENERATED_ON = "tasks_generated_on"
WATERMARK = "tasks_watermark"
WATCHED = (Policy, Activity, Claim, SegmentChange, Customer)  # what the rules read


# --- the generating pass --------------------------------------------------------------------


def generate_tasks(today=None):
    """Make the tasks that are due by `today` and close the renewed ones; counts per rule."""
    today = today or dt.date.today()
    settings = rules.current()
    with db.atomic():
        mark = watermark()
        counts = {
            "closed": close_renewed(),
            "renewal": _insert(_renewal_candidates(today, settings), "renewal_rule"),
            "follow_up": _insert(_follow_up_candidates(today, settings), "follow_up_rule"),
            "win_back": _insert(_win_back_candidates(today, settings), "win_back_rule"),
            "blacklist_review": _insert(_blacklist_candidates(today, settings),
                                        "blacklist_rule"),
        }
        counts["superseded"] = _supersede_renewal_stages()
        Meta.set_value(GENERATED_ON, today.isoformat())
        Meta.set_value(WATERMARK, mark)
    return counts


def watermark():
    """The latest change sequence of each table the rules read: unchanged, nothing to do."""
    return ",".join(str(model.select(fn.MAX(model.seq)).scalar() or 0) for model in WATCHED)


def generate_once_a_day(today=None):
    """Run the pass unless it already ran today (start-up, and the first page of the day)."""
    today = today or dt.date.today()
    if Meta.get_value(GENERATED_ON) == today.isoformat():
        return None
    return generate_tasks(today)


def refresh(today=None):
    """Run the pass again when the data the rules read changed since the last one (a renewal
    or a contact recorded by any page or import); the counts, or None when nothing changed."""
    if Meta.get_value(WATERMARK) == watermark():
        return None
    return generate_tasks(today)


def _assignee():
    """The account manager: the customer's own, else the manager of the customer's town."""
    return fn.COALESCE(Customer.manager, Township.manager)


def _customers(query):
    """The rule's rows with their customer and town. CROSS JOIN keeps SQLite from starting at
    the customers (say, the 200,000 floating ones) instead of the few rows the rule selects."""
    return (
        query.join(Customer, JOIN.CROSS)
        .join(Township, JOIN.LEFT_OUTER, on=(Customer.township == Township.id))
        .where(query.model.customer == Customer.id, ~Customer.deleted)
    )


def _key(prefix, uid, suffix=""):
    """A rule's dedupe key in SQL: prefix + the object's uid (+ the stage)."""
    key = Value(prefix).concat(uid)
    return key.concat(suffix) if suffix else key


def _not_yet(key):
    """No task with this dedupe key exists (so candidates that already made theirs drop out)."""
    return ~fn.EXISTS(Task.select(SQL("1")).where(Task.dedupe_key == key))


def _stages(settings):
    return sorted({int(d) for d in settings["renewal_task_days"]}, reverse=True)


def _renewal_candidates(today, settings):
    stages = _stages(settings)
    for i, days in enumerate(stages):
        later = stages[i + 1] if i + 1 < len(stages) else -1
        key = _key("renewal:", Policy.uid, f":{days}")
        query = _customers(
            kpi.our_policies().select(
                Policy.id.alias("policy"), Policy.customer, _assignee().alias("assignee"),
                Policy.policy_no.alias("title"), Policy.end_date, key.alias("key"),
            )
        ).where(
            Policy.end_date > today + dt.timedelta(days=later),
            Policy.end_date <= today + dt.timedelta(days=days),
            Customer.segment != "blacklist",
            _not_yet(key),  # first: the cheap check spares made tasks the renewal lookup
            ~kpi.is_renewed(Policy, settings["renewal_window_days"]),
        )
        for row in list(query.dicts()):
            row.update(kind="renewal", due_date=row["end_date"] - dt.timedelta(days=days))
            yield row


def _follow_up_candidates(today, settings, where=None):
    key = _key("follow_up:", Activity.uid)
    doer = User.alias("doer")
    query = (
        _customers(
            Activity.live().select(
                Activity.customer, Activity.next_action_date.alias("due_date"),
                fn.COALESCE(doer.id, _assignee()).alias("assignee"),
                fn.substr(Activity.notes, 1, 80).alias("title"), key.alias("key"),
            )
        )
        .join(doer, JOIN.LEFT_OUTER,
              on=((Activity.user == doer.id) & doer.active & ~doer.deleted))
        .where(
            Activity.next_action_date >= today - dt.timedelta(
                days=settings["follow_up_lookback_days"]),
            _not_yet(key),
        )
    )
    if where is not None:
        query = query.where(where)
    for row in list(query.dicts()):
        yield {**row, "kind": "follow_up"}


def _win_back_candidates(today, settings):
    days = settings["winback_task_days"]
    key = _key("win_back:", Policy.uid)
    query = _customers(
        Policy.live().select(
            Policy.id.alias("policy"), Policy.customer, _assignee().alias("assignee"),
            Policy.insurer.concat(" ").concat(Policy.policy_no).alias("title"),
            Policy.end_date, key.alias("key"),
        )
    ).where(
        Policy.insurer != "",
        ~Policy.cancelled,
        Policy.end_date.between(today, today + dt.timedelta(days=days)),
        Customer.segment.in_(kpi.PROSPECTIVE),
        _not_yet(key),
    )
    for row in list(query.dicts()):
        row.update(kind="win_back", due_date=row["end_date"] - dt.timedelta(days=days))
        yield row


def _blacklist_candidates(today, settings):
    staff = [u.id for u in User.staff("claims").order_by(User.id)]
    entered = BlacklistEntry.select(BlacklistEntry.customer).where(
        BlacklistEntry.active, ~BlacklistEntry.deleted, BlacklistEntry.customer.is_null(False)
    )
    claim_key = _key("blacklist_review:claim:", Claim.uid)
    claims = (
        Claim.live()
        .select(Claim.customer, Claim.claim_no.alias("title"), claim_key.alias("key"))
        .join(Customer, on=(Claim.customer == Customer.id))
        .where(Claim.fraud_suspected, ~Customer.deleted, Customer.id.not_in(entered),
               _not_yet(claim_key))
    )
    change_key = _key("blacklist_review:change:", SegmentChange.uid)
    changes = (
        SegmentChange.live()
        .select(SegmentChange.customer, SQL("''").alias("title"), change_key.alias("key"))
        .join(Customer, on=(SegmentChange.customer == Customer.id))
        .where(
            SegmentChange.to_segment == "blacklist",
            SegmentChange.changed_on >= today - dt.timedelta(
                days=settings["follow_up_lookback_days"]),
            Customer.segment == "blacklist", ~Customer.deleted,
            Customer.id.not_in(entered), _not_yet(change_key),
        )
    )
    for query in (claims, changes):
        for row in list(query.dicts()):
            assignee = staff[row["customer"] % len(staff)] if staff else None
            yield {**row, "kind": "blacklist_review", "assignee": assignee, "due_date": today}


def _insert(candidates, rule):
    """Insert the candidate tasks (ON CONFLICT DO NOTHING on the dedupe key); how many."""
    sync = {**schema.stamp(), "rule": rule}
    made = 0
    for batch in chunked(candidates, 500):
        rows = [
            {"assignee": row["assignee"], "customer": row["customer"],
             "policy": row.get("policy"), "kind": row["kind"], "title": row["title"] or "",
             "due_date": row["due_date"], "dedupe_key": row["key"], "status": "open",
             **sync, "uid": uuid7()}
            for row in batch
        ]
        made += Task.insert_many(rows).on_conflict_ignore().as_rowcount().execute()
    return made


def _bulk_stamp():
    """Sync fields for a bulk update (without origin: an update never changes a row's owner)."""
    return {k: v for k, v in schema.stamp().items() if k != "origin"}


def close_renewed():
    """Close open renewal tasks whose policy got a renewal; cancel those whose policy was
    cancelled. How many closed."""
    open_renewals = Task.select(Task.policy).where(
        Task.kind == "renewal", Task.status == "open", ~Task.deleted
    )
    renewed = kpi.our_policies().select(Policy.id).where(
        Policy.id.in_(open_renewals), kpi.is_renewed(Policy)
    )
    cancelled = Policy.select(Policy.id).where(Policy.cancelled | Policy.deleted,
                                               Policy.id.in_(open_renewals))
    base = Task.kind == "renewal", Task.status == "open", ~Task.deleted
    closed = (
        Task.update(status="done", done_at=now(), note=N_("Renewed"), **_bulk_stamp())
        .where(*base, Task.policy.in_(renewed))
        .execute()
    )
    Task.update(status="cancelled", note=N_("Policy cancelled"), **_bulk_stamp()).where(
        *base, Task.policy.in_(cancelled)
    ).execute()
    return closed


def _supersede_renewal_stages():
    """Cancel an open renewal task when a later stage's task (made after it) for the same
    policy is open."""
    later = Task.alias("later")
    newer_stage = later.select(SQL("1")).where(
        later.policy == Task.policy, later.kind == "renewal", later.status == "open",
        later.rule == "renewal_rule", later.id > Task.id, ~later.deleted,
    )
    return (
        Task.update(status="cancelled", note=N_("Superseded by a later reminder"),
                    **_bulk_stamp())
        .where(Task.kind == "renewal", Task.status == "open", Task.rule == "renewal_rule",
               fn.EXISTS(newer_stage))
        .execute()
    )


# --- working a task -------------------------------------------------------------------------


def can_work(task, user):
    """The assignee works a task; managers and admins work and reassign any."""
    return user.role in ("manager", "admin") or task.assignee_id == user.id


def complete(task, user):
    """Mark an open task done (a task already closed stays as it is)."""
    if task.status == "open":
        task.status, task.done_at = "done", now()
        task.save()
    return task


def reschedule(task, due_date, user, today=None):
    """Move an open task to another due date (today or later)."""
    today = today or dt.date.today()
    if task.status != "open":
        raise Invalid(N_("Only an open task can be rescheduled."))
    if due_date < today:
        raise Invalid(N_("The new date cannot be in the past."))
    task.due_date = due_date
    task.save()
    return task


def log_contact(task, user, kind, outcome, notes, next_action_date=None, done=True, today=None):
    """Record a contact with the task's customer; optionally close the task; a next-action
    date makes its follow-up task at once."""
    today = today or dt.date.today()
    if task.customer_id is None:
        raise Invalid(N_("This task has no customer to contact."))
    if next_action_date is not None and next_action_date < today:
        raise Invalid(N_("The next action date cannot be in the past."))
    with db.atomic():
        activity = Activity.create(customer=task.customer_id, user=user, kind=kind,
                                   outcome=outcome, notes=notes, date=today,
                                   next_action_date=next_action_date)
        customers.after_change(task.customer_id)  # last contact and segment
        if done:
            complete(task, user)
        service.close_contacted_service_tasks(customer_ids=[task.customer_id])
        if next_action_date is not None:
            _insert(_follow_up_candidates(today, rules.current(), Activity.id == activity.id),
                    "follow_up_rule")
    return activity


def reassign(task_ids, assignee, by):
    """Give open tasks to another user (a manager's decision, audited); how many moved."""
    with db.atomic():
        moved = (
            Task.update(assignee=assignee, **_bulk_stamp())
            .where(Task.id.in_(list(task_ids)), Task.status == "open", ~Task.deleted)
            .execute()
        )
        AuditLog.record("tasks_reassigned", by, target=f"user:{assignee.uid}",
                        tasks=len(task_ids), moved=moved)
    return moved


# --- reading the queues ---------------------------------------------------------------------

PAGE = 30  # rows per section; the next ones load as the list scrolls


def with_customer():
    """Tasks with their customer and policy, soonest due first."""
    return (
        Task.live()
        .select(Task, Customer, Policy)
        .join(Customer, JOIN.LEFT_OUTER, on=(Task.customer == Customer.id))
        .switch(Task)
        .join(Policy, JOIN.LEFT_OUTER, on=(Task.policy == Policy.id))
        .order_by(Task.due_date, Task.id)
    )


def open_tasks(assignee=None, kind=None):
    """Open tasks, soonest due first, optionally of one assignee and one kind."""
    query = with_customer().where(Task.status == "open")
    if assignee is not None:
        query = query.where(Task.assignee == assignee)
    if kind:
        query = query.where(Task.kind == kind)
    return query


def load_per_assignee(today):
    """[(assignee or None, open, overdue, due today)] over all open tasks."""
    overdue = fn.SUM(Case(None, [(Task.due_date < today, 1)], 0))
    due_today = fn.SUM(Case(None, [(Task.due_date == today, 1)], 0))
    rows = (
        Task.live()
        .select(Task.assignee, fn.COUNT(Task.id), overdue, due_today)
        .where(Task.status == "open")
        .group_by(Task.assignee)
        .tuples()
    )
    users = {u.id: u for u in User.select().where(User.id.in_([r[0] for r in rows if r[0]]))}
    return sorted(((users.get(a), n, late, now_) for a, n, late, now_ in rows),
                  key=lambda row: (row[0] is None, str(row[0] or "")))


def section_bounds(section, today):
    """(first, last) due dates of a section of "my work": overdue, today, week (next 6 days)."""
    if section == "overdue":
        return None, today - dt.timedelta(days=1)
    if section == "today":
        return today, today
    return today + dt.timedelta(days=1), today + dt.timedelta(days=6)


def section(query, name, today, after=None, limit=PAGE):
    """One page of a section's tasks (keyset: after = (due_date, id)), its total, and whether
    more follow."""
    first, last = section_bounds(name, today)
    query = query.where(Task.due_date <= last)
    if first is not None:
        query = query.where(Task.due_date >= first)
    total = query.count()
    rows = list(after_key(query, after).limit(limit + 1))
    return rows[:limit], total, len(rows) > limit


def after_key(query, after):
    """Keyset pagination over (due_date, id): the rows after `after`, or all when None."""
    if after is None:
        return query
    due, task_id = after
    return query.where((Task.due_date > due) | ((Task.due_date == due) & (Task.id > task_id)))
