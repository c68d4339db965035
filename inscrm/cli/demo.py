"""`inscrm demo`: realistic, deterministic demo data."""

import click

from inscrm.cli.base import fail_on_invalid, require_site, with_app


@click.command()
@click.option("--customers", required=True, type=click.IntRange(1, 2_000_000),
              help="How many customers to make (1 to 2,000,000).")
@click.option("--seed", default=1, show_default=True, type=int,
              help="The same seed (and --today) gives the same data.")
@click.option("--history-months", default=13, show_default=True, type=click.IntRange(0, 60),
              help="Months of segment history to build (one evaluation a month, then today; "
                   "0: none).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date the data is made as of, YYYY-MM-DD (default: today).")
@with_app
@fail_on_invalid
def demo(app, customers, seed, history_months, today):
    """Fill a new site's empty database with realistic, deterministic demo data."""
    import datetime as dt
    import time

    from inscrm.demo import generate, history

    require_site()
    started = time.perf_counter()
    day = today.date() if today else dt.date.today()
    counts = generate(customers, seed, day)
    rows = ", ".join(f"{table} {count:,}" for table, count in counts.items() if count)
    click.echo(f"demo data made in {time.perf_counter() - started:.1f} s: {rows}")
    if history_months:  # 0: the data only, evaluated later (`inscrm classify`)
        started = time.perf_counter()
        dates = history.build(day, history_months)
        click.echo(f"segment history of {len(dates)} monthly evaluations made in "
                   f"{time.perf_counter() - started:.1f} s")
