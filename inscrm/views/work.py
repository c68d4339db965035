"""My work today, the team's queue, one-click and bulk task actions, and the printable visit
list."""

import datetime as dt

from flask import (
    Blueprint,
    abort,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from inscrm.forms import Rejected
from inscrm.labels import label
from inscrm.models import ACTIVITY_KINDS, OUTCOMES, SEGMENTS, TASK_KINDS, Task, User
from inscrm.validators import Invalid, parse_date
from inscrm.views import get_object_or_404, is_htmx, login_required, render, roles_required
from inscrm.work import contacts, tasks, worklist

bp = Blueprint("work", __name__, url_prefix="/work")

ASSIGNABLE_ROLES = ("agent", "claims", "manager")
VISITS = 200  # rows on a printed visit list
CHANGED = "work-changed"  # the event that makes "my work" read its sections again


@bp.context_processor
def _words():
    return {
        "section_titles": {"overdue": _("Overdue"), "today": _("Due today"),
                           "week": _("This week"), "later": _("Later"),
                           "done": _("Done today")},
        "sort_names": {"due": _("Due date"), "customer": _("Customer"), "kind": _("Task")},
        # translated once per request, not once per row
        "activity_options": [(code, _(label("activity_kind", code))) for code in ACTIVITY_KINDS],
        "outcome_options": [(code, _(label("outcome", code))) for code in OUTCOMES],
        "sort_value": worklist.sort_value,
    }


def _today():
    return dt.date.today()


def _keyset(sort="due"):
    """The (sort value, id) after which the next page starts, from ?after_key=&after_id=."""
    if not request.args.get("after_id"):
        return None
    try:
        return (worklist.parse_sort_value(request.args["after_key"], sort),
                int(request.args["after_id"]))
    except (KeyError, ValueError):
        abort(400)


# --- my work --------------------------------------------------------------------------------

MINE_FILTERS = ("kind", "segment", "due", "sort")


def _mine_filters():
    """{kind, segment, due, sort} of my work from the query string; a bad value is a 400."""
    args = request.args
    filters = {name: args.get(name, "") for name in MINE_FILTERS}
    choices = {"kind": TASK_KINDS, "segment": SEGMENTS, "due": worklist.SECTIONS,
               "sort": worklist.SORTS}
    for name, allowed in choices.items():
        if filters[name] and filters[name] not in allowed:
            abort(400)
    filters["sort"] = filters["sort"] or "due"
    return filters


def _filter_args(filters):
    """The filters that differ from the defaults, as query arguments."""
    return {k: v for k, v in filters.items() if v and not (k == "sort" and v == "due")}


def _my_query(filters):
    return worklist.open_tasks(assignee=g.user, kind=filters["kind"] or None,
                               segment=filters["segment"] or None)


def _mine_context(filters, today):
    query = _my_query(filters)
    names = [filters["due"]] if filters["due"] else worklist.SECTIONS
    sections = [(name, *worklist.section(query, name, today, sort=filters["sort"]))
                for name in names]
    done = [] if filters["due"] else list(worklist.done_today(g.user, today))
    return {"sections": sections, "done": done, "filters": filters, "today": today,
            "filter_args": _filter_args(filters), "mode": "mine", "kinds": TASK_KINDS,
            "segments": SEGMENTS, "due_sections": worklist.SECTIONS, "sorts": worklist.SORTS}


@bp.route("/")
@login_required
def mine():
    """The signed-in user's open tasks by due date (overdue, today, this week, later),
    filtered and sorted, with the ones done today."""
    today = _today()
    tasks.generate_once_a_day(today)
    return render("work/mine.html", "work/_sections.html",
                  **_mine_context(_mine_filters(), today))


@bp.route("/section/<name>")
@login_required
def more(name):
    """The next page of one section of my work (htmx: rows only)."""
    if name not in worklist.SECTIONS:
        abort(404)
    filters = _mine_filters()
    rows, total, has_more = worklist.section(_my_query(filters), name, _today(),
                                             _keyset(filters["sort"]), filters["sort"])
    return render("work/more.html", "work/_rows.html", name=name, rows=rows, total=total,
                  has_more=has_more, today=_today(), mode="mine", filters=filters,
                  filter_args=_filter_args(filters))


@bp.post("/bulk")
@login_required
def bulk():
    """Mark the ticked tasks done, or move them to another day, all at once."""
    filters = _mine_filters()
    action = request.form.get("action")
    try:
        ids = [int(value) for value in request.form.getlist("task")]
    except ValueError:
        abort(400)
    try:
        if action == "done":
            worklist.complete_many(ids, g.user)
        elif action == "reschedule":
            worklist.reschedule_many(ids, parse_date(request.form.get("due_date", "")),
                                     g.user, _today())
        else:
            abort(400)
    except Invalid as exc:
        error = _(exc.message, **exc.params)
        if is_htmx():
            response = render("work/mine.html", "work/_sections.html", bulk_error=error,
                              **_mine_context(filters, _today()))
            response.status_code = 400
            return response
        return render_template("errors/error.html", code=400, message=error), 400
    if is_htmx():
        return render("work/mine.html", "work/_sections.html",
                      **_mine_context(filters, _today()))
    return redirect(url_for("work.mine", **_filter_args(filters)), 303)


def _task_for(task_id):
    task = get_object_or_404(worklist.with_customer(), Task.id == task_id)
    if not worklist.can_work(task, g.user):
        abort(403)
    return task


def _answer(task, error=None, status=200, changed=False):
    """The task's row again for htmx (with `changed`, "my work" reads its sections again, so a
    moved task leaves the section it was in); a plain form post goes back where it came from."""
    if is_htmx():
        mode = "team" if request.form.get("mode") == "team" else "mine"
        response = make_response(render_template(
            "work/_task.html", task=task, error=error, today=_today(), mode=mode,
            staff=_staff() if mode == "team" else ()), status)
        response.headers["Vary"] = "HX-Request"
        if changed and not error:
            response.headers["HX-Trigger"] = CHANGED
        return response
    if error:
        return render_template("errors/error.html", code=400, message=error), 400
    back = "work.team" if request.form.get("mode") == "team" else "work.mine"
    return redirect(url_for(back))


@bp.post("/task/<int:task_id>/done")
@login_required
def done(task_id):
    """Mark a task done (one click)."""
    return _answer(worklist.complete(_task_for(task_id), g.user))


@bp.post("/task/<int:task_id>/reopen")
@login_required
def reopen(task_id):
    """Undo "done" on a task marked done by mistake."""
    task = _task_for(task_id)
    try:
        worklist.reopen(task, g.user)
    except Invalid as exc:
        return _answer(task, _(exc.message, **exc.params), 400)
    return _answer(task)


@bp.post("/task/<int:task_id>/reschedule")
@login_required
def reschedule(task_id):
    """Move a task to another day."""
    task = _task_for(task_id)
    try:
        worklist.reschedule(task, parse_date(request.form.get("due_date", "")), g.user,
                            _today())
    except Invalid as exc:
        return _answer(task, _(exc.message, **exc.params), 400)
    return _answer(task, changed=True)


@bp.post("/task/<int:task_id>/contact")
@login_required
def contact(task_id):
    """Log a call or visit for the task's customer, and close the task when it is done."""
    task = _task_for(task_id)
    try:
        contacts.log_task_contact(task, request.form, g.user, today=_today())
    except Rejected as exc:
        message = "; ".join(_(e.message, **e.params) for e in exc.errors.values())
        return _answer(task, message, 400)
    except Invalid as exc:
        return _answer(task, _(exc.message, **exc.params), 400)
    return _answer(task)


# --- the manager's view ---------------------------------------------------------------------


def _staff():
    return User.staff_by_name(*ASSIGNABLE_ROLES)


def _team_filters():
    args = request.args
    kind = args.get("kind", "")
    if kind and kind not in TASK_KINDS:
        abort(400)
    assignee = args.get("assignee", "")
    if assignee not in ("", "none") and not assignee.isdigit():
        abort(400)
    return {"kind": kind, "assignee": assignee, "overdue": args.get("overdue") == "1"}


def _team_query(filters, today):
    query = worklist.open_tasks(kind=filters["kind"] or None)
    if filters["assignee"] == "none":
        query = query.where(Task.assignee.is_null())
    elif filters["assignee"]:
        query = query.where(Task.assignee == int(filters["assignee"]))
    if filters["overdue"]:
        query = query.where(Task.due_date < today)
    return query


@bp.route("/team")
@roles_required("manager")
def team():
    """The team's open tasks, with the load per person; reassign one or many."""
    today = _today()
    filters = _team_filters()
    query = _team_query(filters, today)
    after = _keyset()
    rows = list(worklist.after_key(query, after).limit(worklist.PAGE + 1))
    template = "work/_team_rows.html" if after is not None else "work/_team.html"
    load = worklist.load_per_assignee(today) if after is None else []  # not for the next rows
    return render("work/team.html", template, rows=rows[: worklist.PAGE],
                  has_more=len(rows) > worklist.PAGE, filters=filters, staff=_staff(),
                  filters_args={k: v for k, v in request.args.items()
                                if k in ("kind", "assignee", "overdue")},
                  load=load, kinds=TASK_KINDS, today=today,
                  mode="team")


@bp.post("/task/<int:task_id>/reassign")
@roles_required("manager")
def reassign(task_id):
    """Give one task to another member of staff."""
    task = _task_for(task_id)
    assignee = _assignee_from_form()
    worklist.reassign([task.id], assignee, g.user)
    return _answer(Task.get_by_id(task.id))


@bp.post("/team/reassign")
@roles_required("manager")
def reassign_many():
    """Give the ticked tasks to another member of staff."""
    assignee = _assignee_from_form()
    try:
        ids = [int(value) for value in request.form.getlist("task")]
    except ValueError:
        abort(400)
    if not ids:
        return render_template("errors/error.html", code=400,
                               message=_("Tick the tasks to reassign.")), 400
    worklist.reassign(ids, assignee, g.user)
    return redirect(url_for("work.team", **request.args))


def _assignee_from_form():
    value = request.form.get("assignee", "")
    if not value.isdigit():
        abort(400)
    return get_object_or_404(User.staff(*ASSIGNABLE_ROLES), User.id == int(value))


# --- printing -------------------------------------------------------------------------------


@bp.route("/visits")
@login_required
def visits():
    """A day's open tasks (and, ticked, the overdue ones) with addresses and phones, to print."""
    try:
        day = parse_date(request.args["date"]) if request.args.get("date") else _today()
    except Invalid:
        abort(400)
    user = g.user
    if request.args.get("user") and g.user.role in ("manager", "admin"):
        user = get_object_or_404(User.local(), User.id == request.args.get("user", type=int))
    overdue = request.args.get("overdue") == "1"
    query = worklist.open_tasks(assignee=user).where(
        (Task.due_date <= day) if overdue else (Task.due_date == day))
    return render("work/visits.html", "work/visits.html", rows=list(query.limit(VISITS)),
                  day=day, person=user, overdue=overdue, limit=VISITS)
