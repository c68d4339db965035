"""`inscrm classify` and `inscrm check`: segments and the quote check."""

import click

from inscrm.cli.base import data_dir_option, make_app, require_site, with_app


@click.command()
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Evaluate as of this date, ignoring anything dated later (default: today).")
@data_dir_option
def classify(data_dir, as_of):
    """Re-evaluate every customer's segment; print the counts per segment and the time taken."""
    import datetime as dt

    from inscrm.validators import Invalid, parse_date

    try:
        day = parse_date(as_of) if as_of else dt.date.today()
    except Invalid:
        raise click.BadParameter(f"{as_of!r} is not a date (YYYY-MM-DD)",
                                 param_hint="--as-of") from None
    app = make_app(data_dir, STARTUP_CLASSIFY=False)  # this command is the run
    with app.app_context():
        from inscrm.segments import engine

        require_site()
        counts, changed, seconds = engine.classify_all(day)
    for segment, n in counts.items():
        click.echo(f"{segment}\t{n}")
    click.echo(f"total\t{sum(counts.values())}")
    click.echo(f"classified as of {day.isoformat()} in {seconds:.2f} s; "
               f"{changed} customers changed")

@click.command()
@click.argument("id_or_plate")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Figures as of this date (default: today).")
@with_app
def check(app, id_or_plate, as_of):
    """Quote check: what we know about an ID number or plate, and the advisory advice."""
    from inscrm.customers import quote
    from inscrm.validators import Invalid

    require_site()
    try:
        result = quote.check(id_or_plate, as_of=as_of.date() if as_of else None)
    except Invalid as exc:
        raise click.BadParameter(str(exc), param_hint="ID_OR_PLATE") from None
    for line in quote.lines(result, lambda message: message):
        click.echo(line)
