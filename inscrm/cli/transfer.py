"""`inscrm import` and `inscrm export`: the summary, every bad row (up to a screen), and one line
when a file is refused."""

import click

from inscrm.cli.base import fail_on_invalid, require_site, with_app

SCREEN = 50


def run_import(app, file, kind, source, skip_invalid, allow_blacklisted=False):
    """Import one file and report; exit 1 when it was refused."""
    from inscrm.imports.load import import_file

    summary = import_file(file, app.config["BACKUPS"], kind=kind, source=source,
                          skip_invalid=skip_invalid, allow_blacklisted=allow_blacklisted)
    _blocked(summary)
    for problem in summary.problems[:SCREEN]:
        click.echo(problem.line(summary.file), err=True)
    more = summary.problem_count - min(len(summary.problems), SCREEN)
    if more > 0:
        click.echo(f"… and {more} more problems", err=True)
    if summary.report:
        label = "rejected rows written to" if skip_invalid else "all problems are listed in"
        if summary.unlisted:
            label = f"the first {summary.rejected - summary.unlisted} rows with problems are in"
        click.echo(f"{label} {summary.report}", err=True)
    if not summary.imported:
        hint = "--skip-invalid to import the others"
        if summary.blocked and not allow_blacklisted:
            hint += ", or --allow-blacklisted to override the blacklist"
        raise click.ClickException(
            f"{summary.file}: nothing imported: {summary.rejected} of {summary.rows} rows have "
            f"problems (use {hint})")
    click.echo(summary.counts_line())
    for number, ref, customer_id, matched_by in summary.flagged[:SCREEN]:
        click.echo(f"row {number}: {ref} is already customer #{customer_id} "
                   f"(same {matched_by}); linked, not copied")
    if len(summary.flagged) > SCREEN:
        click.echo(f"… and {len(summary.flagged) - SCREEN} more already existing")


def _blocked(summary):
    """The rows of new policies for blacklisted customers, stopped or let through."""
    if not summary.blocked:
        return
    fate = ("let through by --allow-blacklisted (audited)" if summary.allow_blacklisted
            else "rejected")
    click.echo(f"blocked by the blacklist: {len(summary.blocked)} rows, {fate}", err=True)
    for row in summary.blocked[:SCREEN]:
        click.echo(f"  row {row.row}: policy {row.policy_no}, customer {row.ref}: "
                   f"{row.problem.text()}", err=True)
    if len(summary.blocked) > SCREEN:
        click.echo(f"  … and {len(summary.blocked) - SCREEN} more", err=True)


def run_export(what, out, first, last, full_ids):
    """Write one export file and say how many rows it holds."""
    from inscrm.reports.exports import export, format_of

    count = export(what, out, format_of(out), full_ids=full_ids, first=first, last=last)
    click.echo(f"{count} rows written to {out}")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(
    ["customers", "policies", "claims", "activities", "blacklist"]),
    help="What the file holds (default: told from its header row).")
@click.option("--source", default="core", show_default=True,
              help="The system or list the references come from (core, dealer_x…).")
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows; write the others to FILE.rejected.csv.")
@click.option("--allow-blacklisted", is_flag=True,
              help="Let new policies of blacklisted customers through (a manager's override, "
                   "audited).")
@with_app
@fail_on_invalid
def import_command(app, file, kind, source, skip_invalid, allow_blacklisted):
    """Import a file of the standard template (CSV in UTF-8 or GBK, or XLSX)."""
    require_site()
    run_import(app, file, kind, source, skip_invalid, allow_blacklisted)


@click.command("export")
@click.argument("what", type=click.Choice(["customers", "renewals", "migration"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .csv (UTF-8 with BOM) or .xlsx.")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]),
              help="renewals: cover ending from; migration: changes from (YYYY-MM-DD).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]),
              help="renewals: cover ending until; migration: changes until (YYYY-MM-DD).")
@click.option("--full-id-numbers", is_flag=True,
              help="Write ID numbers unmasked (recorded in the audit log).")
@with_app
@fail_on_invalid
def export_command(app, what, out, first, last, full_id_numbers):
    """Export customers (segment and reason), renewals due, or the segment migration."""
    require_site()
    run_export(what, out, first and first.date(), last and last.date(), full_id_numbers)
