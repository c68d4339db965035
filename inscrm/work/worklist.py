"""Working the tasks: my work and the team queue read here, and a person marks tasks done
(one or many, and undoes it), moves them to another day, or gives them to a colleague.

"My work" is four sections by due date — overdue, today, this week (the next six days),
later — each filtered by kind, customer segment and due section, sorted by due date, customer
or kind, and read a page at a time by keyset (the sort key and the id of the last row).
"""

import datetime as dt

from peewee import JOIN, Case, fn

from inscrm.db import stamps
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import AuditLog, Customer, Policy, Task, User, now
from inscrm.validators import Invalid

PAGE = 30  # rows per section; the next ones load as the list scrolls
SECTIONS = ("overdue", "today", "week", "later")
SORTS = ("due", "customer", "kind")
MAX_BULK = 500  # tasks one bulk action changes


# --- working a task -------------------------------------------------------------------------


def in_scope(query, user):
    """The tasks of `query` whose customer `user` still sees: a customer moved to another
    account manager takes its tasks out of the old one's lists (tasks without a customer stay)."""
    if Customer.scope_parts(user) == [None]:
        return query
    visible = Customer.visible_to(user).select(Customer.id)
    return query.where(Task.customer.is_null() | Task.customer.in_(visible))


def can_work(task, user):
    """The assignee works a task of a customer they still see; managers and admins work and
    reassign any."""
    if user.role in ("manager", "admin"):
        return True
    return task.assignee_id == user.id and in_scope(
        Task.select(Task.id).where(Task.id == task.id), user).exists()


def complete(task, user):
    """Mark an open task done (a task already closed stays as it is)."""
    if task.status == "open":
        task.status, task.done_at = "done", now()
        with writing():
            task.save()
    return task


def reopen(task, user):
    """Undo "done": the task is open again, as it was (a task a rule closed, or one
    cancelled, stays as it is — the rule would close it again)."""
    if task.status != "done" or task.note:
        raise Invalid(N_("Only a task marked done by hand can be reopened."))
    with writing():
        task.status, task.done_at = "open", None
        task.save()
        AuditLog.record("task_reopened", user, target=f"task:{task.uid}")
    return task


def _check_day(due_date, today):
    if due_date < today:
        raise Invalid(N_("The new date cannot be in the past."))


def reschedule(task, due_date, user, today=None):
    """Move an open task to another due date (today or later)."""
    today = today or dt.date.today()
    if task.status != "open":
        raise Invalid(N_("Only an open task can be rescheduled."))
    _check_day(due_date, today)
    task.due_date = due_date
    with writing():
        task.save()
    return task


def _bulk_stamp():
    """Sync fields for a bulk update (without origin: an update never changes a row's owner)."""
    return {k: v for k, v in stamps.stamp().items() if k != "origin"}


def _workable(task_ids, user):
    """The open tasks among `task_ids` that `user` may work (see `can_work`)."""
    ids = [int(i) for i in task_ids][:MAX_BULK]
    if not ids:
        raise Invalid(N_("Tick the tasks first."))
    query = Task.live().where(Task.id.in_(ids), Task.status == "open")
    if user.role not in ("manager", "admin"):
        query = in_scope(query.where(Task.assignee == user), user)
    return query


def complete_many(task_ids, user):
    """Mark the ticked open tasks done in one transaction; how many."""
    with writing():
        ids = [t.id for t in _workable(task_ids, user).select(Task.id)]
        done = (Task.update(status="done", done_at=now(), **_bulk_stamp())
                .where(Task.id.in_(ids)).execute()) if ids else 0
    return done


def reschedule_many(task_ids, due_date, user, today=None):
    """Move the ticked open tasks to `due_date` (today or later) in one transaction; how many."""
    _check_day(due_date, today or dt.date.today())
    with writing():
        ids = [t.id for t in _workable(task_ids, user).select(Task.id)]
        moved = (Task.update(due_date=due_date, **_bulk_stamp())
                 .where(Task.id.in_(ids)).execute()) if ids else 0
    return moved


def reassign(task_ids, assignee, by):
    """Give open tasks to another user (a manager's decision, audited); how many moved."""
    with writing():
        moved = (
            Task.update(assignee=assignee, **_bulk_stamp())
            .where(Task.id.in_(list(task_ids)), Task.status == "open", ~Task.deleted)
            .execute()
        )
        AuditLog.record("tasks_reassigned", by, target=f"user:{assignee.uid}",
                        tasks=len(task_ids), moved=moved)
    return moved


# --- reading the queues ---------------------------------------------------------------------


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


def open_tasks(assignee=None, kind=None, segment=None):
    """Open tasks, soonest due first, optionally of one assignee (those of customers the
    assignee still sees), one kind and one segment of customer."""
    query = with_customer().where(Task.status == "open")
    if assignee is not None:
        query = in_scope(query.where(Task.assignee == assignee), assignee)
    if kind:
        query = query.where(Task.kind == kind)
    if segment:
        query = query.where(Customer.segment == segment)
    return query


def done_today(assignee, today):
    """The tasks of `assignee` marked done today (so a mistake can be undone), latest first."""
    start = dt.datetime.combine(today, dt.time())
    return (in_scope(with_customer(), assignee)
            .where(Task.assignee == assignee, Task.status == "done", Task.done_at >= start)
            .order_by(Task.done_at.desc(), Task.id.desc())
            .limit(PAGE))


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
    """(first, last) due dates of a section of "my work" (None: open-ended)."""
    if section == "overdue":
        return None, today - dt.timedelta(days=1)
    if section == "today":
        return today, today
    if section == "week":
        return today + dt.timedelta(days=1), today + dt.timedelta(days=6)
    return today + dt.timedelta(days=7), None


def sort_key(sort):
    """The SQL expression a sort orders by (then the task id)."""
    return {"due": Task.due_date, "customer": fn.COALESCE(Customer.name_key, ""),
            "kind": Task.kind}[sort]


def sort_value(task, sort):
    """A row's value of the sort key, as the text the next page's link carries."""
    if sort == "due":
        return task.due_date.isoformat()
    if sort == "customer":
        return (task.customer.name_key or "") if task.customer_id else ""
    return task.kind


def parse_sort_value(text, sort):
    """The inverse of `sort_value`; raises ValueError for a malformed one."""
    return dt.date.fromisoformat(text) if sort == "due" else str(text)


def after_key(query, after, sort="due"):
    """Keyset pagination over (sort key, id): the rows after `after`, all when None; ordered."""
    key = sort_key(sort)
    query = query.order_by(key, Task.id)
    if after is None:
        return query
    value, task_id = after
    return query.where((key > value) | ((key == value) & (Task.id > task_id)))


def section(query, name, today, after=None, sort="due", limit=PAGE):
    """One page of a section's tasks (keyset: after = (sort value, id)), its total, and
    whether more follow."""
    first, last = section_bounds(name, today)
    if last is not None:
        query = query.where(Task.due_date <= last)
    if first is not None:
        query = query.where(Task.due_date >= first)
    total = query.order_by().count()
    rows = list(after_key(query, after, sort).limit(limit + 1))
    return rows[:limit], total, len(rows) > limit
