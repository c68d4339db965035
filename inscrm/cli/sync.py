"""Sync bundles: write one for a peer, apply the ones received (several at once, any order)."""

import click

from inscrm.cli.base import fail_on_invalid, require_site, with_app


@click.group("sync")
def sync_group():
    """Sync bundles between a branch and HQ."""


@sync_group.command("export")
@click.option("--to", "to_code", required=True, help="The addressee's site code.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The bundle file.")
@click.option("--full", is_flag=True, help="Every row, not only what the addressee lacks.")
@click.option("--recovery", is_flag=True,
              help="(HQ) Give a rebuilt branch back every row of its own that HQ holds.")
@with_app
@fail_on_invalid
def sync_export(app, to_code, out, full, recovery):
    """Write the bundle for a site: everything it has not acknowledged yet."""
    from inscrm.sync.export import export_bundle

    require_site()
    manifest = export_bundle(out, to_code, app.config["DATA_DIR"], full=full, recovery=recovery)
    rows = sum(manifest["rows"].values())
    click.echo(f"{out}: {manifest['kind']} bundle for {manifest['to']}, changes "
               f"{manifest['first_seq']}–{manifest['last_seq']}, {rows} rows")


@sync_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@with_app
def sync_import(app, files):
    """Apply bundles; several at once are applied in sequence order, each once."""
    from inscrm.sync import BundleRefused
    from inscrm.sync.service import backup_callable, import_files

    require_site()
    failed = False
    for outcome in import_files(list(files), app.config["DATA_DIR"], backup_callable(app.config)):
        if isinstance(outcome, BundleRefused):
            click.echo(f"inscrm: refused {outcome}", err=True)
            failed = True
        else:
            click.echo(describe(outcome))
    if failed:
        raise click.exceptions.Exit(1)


def describe(result):
    """One line for an import result."""
    if result.already:
        return f"{result.path}: already applied (bundle {result.bundle_id}); nothing changed"
    rows = sum(result.rows.values())
    line = (f"{result.path}: applied {result.kind} bundle from {result.sender}, changes "
            f"{result.first_seq}–{result.last_seq}, {rows} rows ({result.applied} newer)")
    if result.rejected:
        line += f"; {len(result.rejected)} rows rejected"
    return line
