"""`inscrm tasks …` and `inscrm service …`: the account managers' work."""

import click

from inscrm.cli.base import require_site, with_app


@click.group("tasks")
def tasks_group():
    """Tasks made by rules: renewals, follow-ups, win-back, blacklist review."""


@tasks_group.command("generate")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Make the tasks due by this date, YYYY-MM-DD (default: today).")
@with_app
def tasks_generate(app, today):
    """Make the tasks that have come due and close the renewed ones (safe to run again)."""
    from inscrm.work.tasks import generate_tasks

    require_site()
    counts = generate_tasks(today.date() if today else None)
    click.echo(" ".join(f"{rule}={n}" for rule, n in counts.items()))


@click.group()
def service():
    """Service plans per segment."""


@service.command("generate")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Make the tasks as of this date (default: today).")
@with_app
def service_generate(app, today):
    """Close the service tasks whose contact was logged and make the ones now due."""
    import datetime as dt

    from inscrm.work.service_plans import generate_service_tasks

    require_site()
    counts = generate_service_tasks(today.date() if today else dt.date.today())
    click.echo("service tasks: {created} created, {done} done, {cancelled} cancelled "
               "(customers who left the planned segments)".format(**counts))
