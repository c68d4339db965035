"""The account managers' tasks: made by rules, worked by people.

`generate_tasks(today)` is the one set-based pass that makes the tasks that have come due and
closes the renewal tasks whose policy got renewed. Each rule task carries a `dedupe_key` (rule,
the object's uid, the stage), so running the pass twice — or on two days — makes each task once:
candidates are read with one query per rule and inserted with INSERT … ON CONFLICT DO NOTHING.

Rules (thresholds in `inscrm.rules`):
- renewal: one of our policies, not cancelled, not renewed, ends within the largest of
  `renewal_task_days` (60/30/7): a task at the latest stage reached, due that many days before
  expiry (when that day has passed, as on a new installation: spread over the days until the
  next stage, or until expiry at the last one; never due before it is made), for the
  customer's account manager (else the manager of the customer's town); the task of an
  earlier stage still open is cancelled as superseded; closed (done) when a renewal arrives,
  cancelled when the policy is cancelled. Blacklisted customers get no renewal task.
- follow_up: an activity with a next-action date (not older than `follow_up_lookback_days`):
  due on that date, for the one who logged the activity (else the account manager).
- win_back: a competitor policy of a prospect or floating customer ending within
  `winback_task_days`: due that many days before it ends (when that day has passed: spread
  over the days until it ends), for the account manager.
- blacklist_review: for claims staff (spread over them by customer): a fraud-suspected claim of a
  customer with no active blacklist entry, or a customer newly blacklisted by the claims rule
  (a SegmentChange to blacklist in the lookback) with no active manual entry.
"""

import datetime as dt

from peewee import JOIN, SQL, Value, chunked, fn

from inscrm.db import stamps
from inscrm.db.ids import uuid7
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import (
    OUR_INSURER,
    Activity,
    BlacklistEntry,
    Claim,
    Customer,
    Meta,
    Policy,
    SegmentChange,
    Task,
    Township,
    User,
    now,
)
from inscrm.reports import kpi
from inscrm.segments import rules

GENERATED_ON = "tasks_generated_on"
WATERMARK = "tasks_watermark"
WATCHED = (Policy, Activity, Claim, SegmentChange, Customer)  # what the rules read


# --- the generating pass --------------------------------------------------------------------


def generate_tasks(today=None):
    """Make the tasks that are due by `today` and close the renewed ones; counts per rule."""
    today = today or dt.date.today()
    settings = rules.current()
    with writing():
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


def spread_offset(uid, days):
    """A row's place in a spread of `days` days, 0 to days - 1: from the random bits of its
    uid, so a spread is even and the same on every day's pass."""
    return int(uid.replace("-", "")[-12:], 16) % days


def _not_before(due, today, uid=None, until=None):
    """A task is never due before the day it is made. A reminder whose day has passed (on a new
    installation, after an import) arrives due today — or, when a later reminder for the same
    thing follows on `until`, at its place in the days until then, so hundreds of them do not
    all fall due on the first day."""
    if due >= today:
        return due
    if until is not None and until > today:
        return today + dt.timedelta(days=spread_offset(uid, (until - today).days))
    return today


def _stages(settings):
    return sorted({int(d) for d in settings["renewal_task_days"]}, reverse=True)


def _renewal_candidates(today, settings):
    stages = _stages(settings)
    for i, days in enumerate(stages):
        later = stages[i + 1] if i + 1 < len(stages) else -1
        key = _key("renewal:", Policy.uid, f":{days}")
        query = _customers(
            Policy.ours(cancelled=False).select(
                Policy.id.alias("policy"), Policy.customer, _assignee().alias("assignee"),
                Policy.policy_no.alias("title"), Policy.end_date, Policy.uid,
                key.alias("key"),
            )
        ).where(
            Policy.end_date > today + dt.timedelta(days=later),
            Policy.end_date <= today + dt.timedelta(days=days),
            Customer.segment != "blacklist",
            _not_yet(key),  # first: the cheap check spares made tasks the renewal lookup
            ~kpi.is_renewed(Policy, settings["renewal_window_days"]),
        )
        for row in list(query.dicts()):
            # spread until the next stage, or at the last one until the policy ends
            until = row["end_date"] - dt.timedelta(days=max(later, 0))
            row.update(kind="renewal", due_date=_not_before(
                row.pop("end_date") - dt.timedelta(days=days), today, row.pop("uid"), until))
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
            Policy.end_date, Policy.uid, key.alias("key"),
        )
    ).where(
        Policy.insurer != OUR_INSURER,
        ~Policy.cancelled,
        Policy.end_date.between(today, today + dt.timedelta(days=days)),
        Customer.segment.in_(kpi.PROSPECTIVE),
        _not_yet(key),
    )
    for row in list(query.dicts()):
        row.update(kind="win_back", due_date=_not_before(
            row["end_date"] - dt.timedelta(days=days), today, row.pop("uid"), row["end_date"]))
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
    sync = {**stamps.stamp(), "rule": rule}
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
    return {k: v for k, v in stamps.stamp().items() if k != "origin"}


def close_renewed():
    """Close open renewal tasks whose policy got a renewal; cancel those whose policy was
    cancelled. How many closed."""
    open_renewals = Task.select(Task.policy).where(
        Task.kind == "renewal", Task.status == "open", ~Task.deleted
    )
    renewed = Policy.ours(cancelled=False).select(Policy.id).where(
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


# --- a contact's follow-up -----------------------------------------------------------------


def make_follow_up(activity, today):
    """The follow-up task of a contact with a next-action date, made at once (not at the next
    pass of the rules); none when the rule already made it."""
    return _insert(_follow_up_candidates(today, rules.current(), Activity.id == activity.id),
                   "follow_up_rule")
