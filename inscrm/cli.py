"""The `inscrm` command line: the same domain functions the web pages call.

Every command takes `--data-dir` (or $INSCRM_DATA_DIR). A bad argument gets one clear line on
stderr and exit status 2; a refused operation gets one line and exit status 1; never a traceback.
"""

import functools
import sys

import click

from inscrm.version import __version__, version_string


def data_dir_option(command):
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Data directory (default: $INSCRM_DATA_DIR or the per-user data folder).",
    )(command)


def with_app(command):
    """Open the data directory's app (schema created or upgraded) and run inside its context."""

    @data_dir_option
    @functools.wraps(command)
    def wrapped(data_dir, **kwargs):
        app = make_app(data_dir)
        with app.app_context():
            return command(app, **kwargs)

    return wrapped


def make_app(data_dir, **config):
    from inscrm import create_app
    from inscrm.schema import SchemaError

    try:
        return create_app({"DATA_DIR": data_dir, **config})
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot use the data directory: {exc}") from None


def fail_on_invalid(func):
    """Turn a domain refusal (Invalid) into one line and exit status 1."""
    from inscrm.validators import Invalid

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Invalid as exc:
            raise click.ClickException(str(exc)) from None

    return wrapped


def require_site():
    from inscrm.site import is_initialised

    if not is_initialised():
        raise click.ClickException(
            "this data directory is not initialised; run `inscrm init` first"
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", message=version_string())
def cli():
    """InsCRM: customer relationship management for insurance branch offices."""


@cli.command()
@click.option("--site", "site_code", required=True, help="This site's code, e.g. JX01.")
@click.option("--site-name", required=True, help="This site's name, e.g. 嘉兴南湖支公司.")
@click.option("--hq", is_flag=True, help="This installation is the headquarters.")
@click.option("--admin-user", default="admin", show_default=True)
@click.option("--admin-password", required=True, help="At least 8 characters.")
@with_app
@fail_on_invalid
def init(app, site_code, site_name, hq, admin_user, admin_password):
    """Create a data directory for a site and its first administrator."""
    from inscrm.site import initialise

    site, admin = initialise(site_code, site_name, admin_user, admin_password, is_hq=hq)
    click.echo(f"initialised {site.code} {site.name} in {app.config['DATA_DIR']}; "
               f"administrator: {admin.username}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@data_dir_option
def serve(data_dir, host, port, no_browser, threads):
    """Run the web app (what a double-click on the executable does)."""
    from inscrm import server

    server.run(data_dir, host, port, open_browser=not no_browser, threads=threads)


@cli.command()
@click.option("--customers", required=True, type=click.IntRange(1, 2_000_000),
              help="How many customers to make (1 to 2,000,000).")
@click.option("--seed", default=1, show_default=True, type=int,
              help="The same seed (and --today) gives the same data.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date the data is made as of, YYYY-MM-DD (default: today).")
@with_app
@fail_on_invalid
def demo(app, customers, seed, today):
    """Fill a new site's empty database with realistic, deterministic demo data."""
    import time

    from inscrm.demo import generate

    require_site()
    started = time.perf_counter()
    counts = generate(customers, seed, today.date() if today else None)
    rows = ", ".join(f"{table} {count:,}" for table, count in counts.items() if count)
    click.echo(f"demo data made in {time.perf_counter() - started:.1f} s: {rows}")


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write the backup to this file.")
@with_app
def backup(app, out):
    """Copy the database to a backup file while the app may be running."""
    import shutil

    from inscrm.backup import backup as make_backup

    path = make_backup(app.config["DATABASE"], app.config["BACKUPS"], "manual")
    if out:
        shutil.copyfile(path, out)
        path = out
    click.echo(f"backup written to {path}")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@data_dir_option
def restore(data_dir, file):
    """Replace the database with a backup (the current one is backed up first)."""
    from inscrm import datadir
    from inscrm.backup import BackupError, check_backup
    from inscrm.backup import backup as make_backup
    from inscrm.backup import restore as restore_backup

    paths = datadir.prepare(datadir.resolve(data_dir))
    try:
        check_backup(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if paths["db"].exists():
        saved = make_backup(paths["db"], paths["backups"], "before-restore")
        click.echo(f"current database saved to {saved}")
    restore_backup(file, paths["db"])
    app = make_app(str(paths["root"]))  # upgrades an older backup's schema
    with app.app_context():
        from inscrm.models import AuditLog, db
        from inscrm.schema import new_epoch

        with db.atomic():
            new_epoch()
            AuditLog.record("restore", target=f"file:{file}")
    click.echo(f"restored {file}; this database has a new epoch, so HQ will ask for a full bundle")


@cli.group()
def user():
    """Manage users."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(
    ["agent", "claims", "manager", "analyst", "admin"]))
@click.option("--name", default="", help="Full name as shown in the app.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--language", default="zh", type=click.Choice(["zh", "en"]), show_default=True)
@with_app
@fail_on_invalid
def user_add(app, username, role, name, password, language):
    """Add a user with a role: agent, claims, manager, analyst or admin."""
    from inscrm.auth import create_user
    from inscrm.models import AuditLog, Branch, Site, db

    require_site()
    with db.atomic():
        branch = Branch.get_or_none(Branch.code == Site.current().code)
        new = create_user(username, password, role, name=name, branch=branch, language=language)
        AuditLog.record("user_added", target=f"user:{new.uid}", username=new.username, role=role)
    click.echo(f"added {new.username} ({role})")


@user.command("passwd")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_app
@fail_on_invalid
def user_passwd(app, username, password):
    """Set a user's password (and unlock the account)."""
    from inscrm.auth import set_password
    from inscrm.models import AuditLog, User, db

    found = User.get_or_none(User.username == username, ~User.deleted)
    if found is None:
        raise click.ClickException(f"no user named {username}")
    with db.atomic():
        set_password(found, password)
        AuditLog.record("password_set", target=f"user:{found.uid}", username=username)
    click.echo(f"password set for {username}")


@user.command("list")
@with_app
def user_list(app):
    """List the users with their roles."""
    from inscrm.models import User

    for row in User.live().order_by(User.username):
        state = "" if row.active else " (inactive)"
        click.echo(f"{row.username}\t{row.role}\t{row.name}{state}")


@cli.command()
@click.argument("id_or_plate")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Figures as of this date (default: today).")
@with_app
def check(app, id_or_plate, as_of):
    """Quote check: what we know about an ID number or plate, and the advisory advice."""
    from inscrm import quote
    from inscrm.validators import Invalid

    require_site()
    try:
        result = quote.check(id_or_plate, as_of=as_of.date() if as_of else None)
    except Invalid as exc:
        raise click.BadParameter(str(exc), param_hint="ID_OR_PLATE") from None
    for line in quote.lines(result, lambda message: message):
        click.echo(line)


@cli.group()
def service():
    """Service plans per segment."""


@service.command("generate")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Make the tasks as of this date (default: today).")
@with_app
def service_generate(app, today):
    """Close the service tasks whose contact was logged and make the ones now due."""
    import datetime as dt

    from inscrm.service import generate_service_tasks

    require_site()
    counts = generate_service_tasks(today.date() if today else dt.date.today())
    click.echo("service tasks: {created} created, {done} done, {cancelled} cancelled "
               "(customers who left the planned segments)".format(**counts))


@cli.command()
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
        from inscrm import segments

        require_site()
        counts, changed, seconds = segments.classify_all(day)
    for segment, n in counts.items():
        click.echo(f"{segment}\t{n}")
    click.echo(f"total\t{sum(counts.values())}")
    click.echo(f"classified as of {day.isoformat()} in {seconds:.2f} s; "
               f"{changed} customers changed")

@cli.command("import")
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
    from inscrm.cli_transfer import run_import

    require_site()
    run_import(app, file, kind, source, skip_invalid, allow_blacklisted)


@cli.command("export")
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
    from inscrm.cli_transfer import run_export

    require_site()
    run_export(what, out, first and first.date(), last and last.date(), full_id_numbers)

@cli.group("tasks")
def tasks_group():
    """Tasks made by rules: renewals, follow-ups, win-back, blacklist review."""


@tasks_group.command("generate")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Make the tasks due by this date, YYYY-MM-DD (default: today).")
@with_app
def tasks_generate(app, today):
    """Make the tasks that have come due and close the renewed ones (safe to run again)."""
    from inscrm.tasks import generate_tasks

    require_site()
    counts = generate_tasks(today.date() if today else None)
    click.echo(" ".join(f"{rule}={n}" for rule, n in counts.items()))


def main(argv=None):
    """Entry point: one line per error, exit 2 for bad arguments, 1 for refused operations."""
    try:
        cli.main(args=argv, prog_name="inscrm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("inscrm: aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        click.echo(f"inscrm: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"inscrm: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)
