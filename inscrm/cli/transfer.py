"""`inscrm import` and `inscrm export`: the summary, every bad row (up to a screen), and one line
when a file is refused."""

import click

from inscrm.cli.base import fail_on_invalid, require_site, terminal_language, with_app
from inscrm.i18n import N_, translator
from inscrm.validators import Invalid

SCREEN = 50


def run_import(app, file, kind, source, skip_invalid, allow_blacklisted=False):
    """Import one file and report in the terminal's language; exit 1 when it was refused."""
    from inscrm.imports.load import import_file
    from inscrm.imports.template import column_names, kind_name, reader_params

    language = terminal_language()
    t = translator(language)
    try:
        summary = import_file(file, app.config["BACKUPS"], kind=kind, source=source,
                              skip_invalid=skip_invalid, allow_blacklisted=allow_blacklisted,
                              language=language)
    except Invalid as exc:
        message = t(exc.message)
        params = reader_params(exc.params, language)
        raise click.ClickException(message % params if params else message) from None
    _blocked(summary, t)
    columns = column_names(summary.kind, language)
    for problem in summary.problems[:SCREEN]:
        click.echo(problem.line(summary.file, t, columns), err=True)
    more = summary.problem_count - min(len(summary.problems), SCREEN)
    if more > 0:
        click.echo(t(N_("… and %(count)s more problems")) % {"count": more}, err=True)
    if summary.report:
        if summary.unlisted:
            label = t(N_("the first %(count)s rows with problems are in %(file)s"))
        elif skip_invalid:
            label = t(N_("rejected rows written to %(file)s"))
        else:
            label = t(N_("all problems are listed in %(file)s"))
        click.echo(label % {"count": summary.rejected - summary.unlisted,
                            "file": summary.report}, err=True)
    if not summary.imported:
        if summary.blocked and not allow_blacklisted:
            hint = t(N_("--skip-invalid to import the others, or --allow-blacklisted to "
                        "override the blacklist"))
        else:
            hint = t(N_("--skip-invalid to import the others"))
        raise click.ClickException(
            t(N_("%(file)s: nothing imported: %(count)s of %(rows)s rows have problems "
                 "(use %(hint)s)")) % {"file": summary.file, "count": summary.rejected,
                                       "rows": summary.rows, "hint": hint})
    click.echo(summary.counts_line(t, kind_name(summary.kind, language)))
    for number, ref, customer_id, matched_by in summary.flagged[:SCREEN]:
        click.echo(t(N_("row %(row)s: %(ref)s is already customer #%(id)s (same %(by)s); "
                        "linked, not copied")) % {"row": number, "ref": ref, "id": customer_id,
                                                  "by": columns.get(matched_by, matched_by)})
    if len(summary.flagged) > SCREEN:
        click.echo(t(N_("… and %(count)s more already existing")) % {
            "count": len(summary.flagged) - SCREEN})


def _blocked(summary, t):
    """The rows of new policies for blacklisted customers, stopped or let through."""
    if not summary.blocked:
        return
    fate = (t(N_("let through by --allow-blacklisted (audited)")) if summary.allow_blacklisted
            else t(N_("rejected")))
    click.echo(t(N_("blocked by the blacklist: %(count)s rows, %(fate)s")) % {
        "count": len(summary.blocked), "fate": fate}, err=True)
    for row in summary.blocked[:SCREEN]:
        click.echo("  " + t(N_("row %(row)s: policy %(policy)s, customer %(ref)s: %(text)s")) % {
            "row": row.row, "policy": row.policy_no, "ref": row.ref,
            "text": row.problem.text(t)}, err=True)
    if len(summary.blocked) > SCREEN:
        click.echo("  " + t(N_("… and %(count)s more")) % {
            "count": len(summary.blocked) - SCREEN}, err=True)


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
