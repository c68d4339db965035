"""My work today, the team's queue, one-click task actions, and the printable visit list."""

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

from inscrm import tasks
from inscrm.labels import label
from inscrm.models import ACTIVITY_KINDS, OUTCOMES, TASK_KINDS, Task, User
from inscrm.validators import Invalid, parse_choice, parse_date
from inscrm.views import get_object_or_404, is_htmx, login_required, render, roles_required

bp = Blueprint("work", __name__, url_prefix="/work")

SECTIONS = ("overdue", "today", "week")
ASSIGNABLE_ROLES = ("agent", "claims", "manager")
VISITS = 200  # rows on a printed visit list


@bp.context_processor
def _words():
    return {
        "section_titles": {"overdue": _("Overdue"), "today": _("Due today"),
                           "week": _("This week")},
        # translated once per request, not once per row
        "activity_options": [(code, _(label("activity_kind", code))) for code in ACTIVITY_KINDS],
        "outcome_options": [(code, _(label("outcome", code))) for code in OUTCOMES],
    }


def _today():
    return dt.date.today()


def _keyset():
    """The (due date, id) after which the next page starts, from ?after_due=&after_id=."""
    if not request.args.get("after_id"):
        return None
    try:
        return parse_date(request.args["after_due"]), int(request.args["after_id"])
    except (Invalid, KeyError, ValueError):
        abort(400)


def _sections(user, today):
    mine = tasks.open_tasks(assignee=user)
    return [(name, *tasks.section(mine, name, today)) for name in SECTIONS]


@bp.route("/")
@login_required
def mine():
    """The signed-in user's open tasks: overdue, due today, due this week."""
    today = _today()
    tasks.generate_once_a_day(today)
    return render("work/mine.html", "work/_sections.html",
                  sections=_sections(g.user, today), today=today, mode="mine")


@bp.route("/section/<name>")
@login_required
def more(name):
    """The next page of one section of my work (htmx: rows only)."""
    if name not in SECTIONS:
        abort(404)
    rows, total, has_more = tasks.section(tasks.open_tasks(assignee=g.user), name, _today(),
                                          _keyset())
    return render("work/more.html", "work/_rows.html", name=name, rows=rows, total=total,
                  has_more=has_more, today=_today(), mode="mine")


def _task_for(task_id):
    task = get_object_or_404(tasks.with_customer(), Task.id == task_id)
    if not tasks.can_work(task, g.user):
        abort(403)
    return task


def _answer(task, error=None, status=200):
    """The task's row again for htmx; a plain form post goes back to where it came from."""
    if is_htmx():
        mode = "team" if request.form.get("mode") == "team" else "mine"
        response = make_response(render_template(
            "work/_task.html", task=task, error=error, today=_today(), mode=mode,
            staff=_staff() if mode == "team" else ()), status)
        response.headers["Vary"] = "HX-Request"
        return response
    if error:
        return render_template("errors/error.html", code=400, message=error), 400
    back = "work.team" if request.form.get("mode") == "team" else "work.mine"
    return redirect(url_for(back))


@bp.post("/task/<int:task_id>/done")
@login_required
def done(task_id):
    """Mark a task done (one click)."""
    return _answer(tasks.complete(_task_for(task_id), g.user))


@bp.post("/task/<int:task_id>/reschedule")
@login_required
def reschedule(task_id):
    """Move a task to another day."""
    task = _task_for(task_id)
    try:
        tasks.reschedule(task, parse_date(request.form.get("due_date", "")), g.user, _today())
    except Invalid as exc:
        return _answer(task, _(exc.message, **exc.params), 400)
    return _answer(task)


@bp.post("/task/<int:task_id>/contact")
@login_required
def contact(task_id):
    """Log a call or visit for the task's customer, and close the task when it is done."""
    task = _task_for(task_id)
    form = request.form
    try:
        next_date = form.get("next_action_date", "").strip()
        tasks.log_contact(
            task, g.user,
            kind=parse_choice(form.get("kind", "call"), ACTIVITY_KINDS),
            outcome=parse_choice(form.get("outcome", "none"), OUTCOMES),
            notes=form.get("notes", "").strip()[:2000],
            next_action_date=parse_date(next_date) if next_date else None,
            done=form.get("done") == "1",
            today=_today(),
        )
    except Invalid as exc:
        return _answer(task, _(exc.message, **exc.params), 400)
    return _answer(task)


# --- the manager's view ---------------------------------------------------------------------


def _staff():
    return list(User.staff(*ASSIGNABLE_ROLES))


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
    query = tasks.open_tasks(kind=filters["kind"] or None)
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
    rows = list(tasks.after_key(query, after).limit(tasks.PAGE + 1))
    template = "work/_team_rows.html" if after is not None else "work/_team.html"
    load = tasks.load_per_assignee(today) if after is None else []  # not for the next rows
    return render("work/team.html", template, rows=rows[: tasks.PAGE],
                  has_more=len(rows) > tasks.PAGE, filters=filters, staff=_staff(),
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
    tasks.reassign([task.id], assignee, g.user)
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
    tasks.reassign(ids, assignee, g.user)
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
        user = get_object_or_404(User.live(), User.id == request.args.get("user", type=int))
    overdue = request.args.get("overdue") == "1"
    query = tasks.open_tasks(assignee=user).where(
        (Task.due_date <= day) if overdue else (Task.due_date == day))
    return render("work/visits.html", "work/visits.html", rows=list(query.limit(VISITS)),
                  day=day, person=user, overdue=overdue, limit=VISITS)
