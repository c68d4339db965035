"""The `inscrm` command line: the same domain functions the web pages call.

Every command takes `--data-dir` (or $INSCRM_DATA_DIR). A bad argument gets one clear line on
stderr and exit status 2; a refused operation gets one line and exit status 1; never a traceback.
"""

import sys

import click

from inscrm.cli import branch, database, demo, hq, segments, site, sync, transfer, users, work
from inscrm.version import __version__, version_string


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", message=version_string())
def cli():
    """InsCRM: customer relationship management for insurance branch offices."""


for command in (
    site.init, site.serve, site.backup, site.restore, demo.demo, users.user,
    segments.classify, segments.check, transfer.import_command, transfer.export_command,
    work.tasks_group, work.service, sync.sync_group, branch.branch_group, hq.hq_group,
    database.db_group,
):
    cli.add_command(command)


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
