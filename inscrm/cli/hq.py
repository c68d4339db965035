"""(HQ) The network view: network flags now, rule drafts simulated on the consolidated data."""

import click

from inscrm.cli.base import require_site, with_app


def as_of_date(value):
    import datetime as dt

    from inscrm.validators import Invalid, parse_date

    try:
        return parse_date(value) if value else dt.date.today()
    except Invalid:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)",
                                 param_hint="--as-of") from None


def require_hq():
    from inscrm.models import Site

    require_site()
    if not Site.current().is_hq:
        raise click.ClickException("this is a branch; the network view is HQ's")


@click.group("hq")
def hq_group():
    """(HQ) The whole network: flags and rule simulations."""


@hq_group.command("recompute")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Evaluate as of this date (default: today).")
@with_app
def recompute(app, as_of):
    """Evaluate every person across the branches and write the network flags that changed
    (they reach each branch in its next bundle)."""
    from inscrm.hq import flags

    day = as_of_date(as_of)
    require_hq()
    counts = flags.recompute(day)
    click.echo(f"network flags as of {day.isoformat()}: {counts['flagged']} persons flagged; "
               f"{counts['added']} added, {counts['changed']} changed, "
               f"{counts['removed']} removed")
