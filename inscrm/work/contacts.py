"""Logging a contact with a customer (call, visit, message…): one path for every page.

The 360 page's contact form, My work's task card and the tests all come here, so a contact is
checked the same way everywhere and has the same consequences: the customer's last contact
date and segment follow, a fitting service task is closed, and a next-action date makes its
follow-up task at once.
"""

import datetime as dt

from inscrm.customers.edit import after_change
from inscrm.db.transactions import writing
from inscrm.forms import Form
from inscrm.i18n import N_
from inscrm.models import ACTIVITY_KINDS, OUTCOMES, Activity
from inscrm.validators import Invalid
from inscrm.work import tasks, worklist
from inscrm.work.service_plans import close_contacted_service_tasks

FIELDS = ("kind", "outcome", "date", "next_action_date", "notes")  # what a contact form holds


def save_contact(customer, data, user, activity=None, today=None):
    """A new or corrected contact from form data, with its consequences; or Rejected with every
    error at once."""
    today = today or dt.date.today()
    form = Form(data)
    values = {
        "kind": form.choice("kind", ACTIVITY_KINDS, default="call"),
        "outcome": form.choice("outcome", OUTCOMES, default="none"),
        "notes": form.text("notes", max_length=2000),
        "date": form.date("date") or (None if "date" in form.errors else today),
        "next_action_date": form.date("next_action_date"),
    }
    following, date = values["next_action_date"], values["date"]
    if following is not None and date is not None and following < date:
        form.error("next_action_date", N_("The next action date is before the contact date."))
    form.check()
    with writing():  # the lock first: a busy office waits, never fails half-way
        if activity is None:
            activity = Activity.create(customer=customer, user=user, **values)
        else:
            for name, value in values.items():
                setattr(activity, name, value)
            activity.save()
        after_change(customer.id)  # last contact and segment
        close_contacted_service_tasks(customer_ids=[customer.id])
        if activity.next_action_date is not None:
            tasks.make_follow_up(activity, today)
    return activity


def log_task_contact(task, data, user, today=None):
    """A contact logged from a task card; the task is closed when the form says it is done."""
    if task.customer_id is None:
        raise Invalid(N_("This task has no customer to contact."))
    with writing():
        activity = save_contact(task.customer, data, user, today=today)
        if data.get("done") == "1":
            worklist.complete(task, user)
    return activity
