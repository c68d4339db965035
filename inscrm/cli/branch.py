"""(HQ) Branches: register one and write its registration file; list them with their lag."""

import click

from inscrm.cli.base import fail_on_invalid, require_site, with_app


@click.group("branch")
def branch_group():
    """(HQ) The branches that sync with this headquarters."""


@branch_group.command("add")
@click.option("--site", "site_code", required=True, help="The branch's code, e.g. JX02.")
@click.option("--site-name", required=True, help="The branch's name.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The registration file to write (it holds the branch's private keys).")
@with_app
@fail_on_invalid
def branch_add(app, site_code, site_name, out):
    """Register a branch and write the file it is initialised from (`init --join FILE`)."""
    from inscrm.sync import registry

    require_site()
    site = registry.register_branch(site_code, site_name, out)
    click.echo(f"registered {site.code} {site.name}; registration file written to {out} "
               "(hand it over on a stick; it holds the branch's private keys)")


@branch_group.command("list")
@with_app
def branch_list(app):
    """Every branch with its last bundle, the sequence applied, rows, rejected rows and lag."""
    from inscrm.sync import registry

    require_site()
    click.echo("site\tname\tlast bundle\tapplied\trows\trejected\tlag")
    for b in registry.branches():
        when = b["last_import_at"].strftime("%Y-%m-%d %H:%M") if b["last_import_at"] else "never"
        lag = "—" if b["lag_days"] is None else f"{b['lag_days']} d"
        mark = " LAGGING" if b["lagging"] else ""
        click.echo(f"{b['site'].code}\t{b['site'].name}\t{when}\t{b['applied']}\t{b['rows']}\t"
                   f"{b['rejected']}\t{lag}{mark}")
