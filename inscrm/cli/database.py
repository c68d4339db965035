"""`inscrm db migrate` and `inscrm db copy`: the schema, and moving between engines."""

import click

from inscrm.cli.base import data_dir_option, database_url, make_app


@click.group("db")
def db_group():
    """The database: upgrade its schema, or copy it to another engine."""


@db_group.command("migrate")
@data_dir_option
def migrate(data_dir):
    """Create or upgrade the schema (PostgreSQL workers only check it at start-up)."""
    from inscrm.db import engines
    from inscrm.db.schema import LATEST, schema_version

    app = make_app(data_dir, MIGRATE=True)
    with app.app_context():
        version = schema_version()
        click.echo(f"{engines.describe()} is at schema version {version} (latest {LATEST})")


@db_group.command("copy")
@click.option("--to", "to_url", metavar="URL",
              help="Copy this installation's database into this new PostgreSQL database.")
@click.option("--from", "from_url", metavar="URL",
              help="Copy this PostgreSQL database into the data directory's new SQLite file.")
@data_dir_option
def copy(data_dir, to_url, from_url):
    """Copy every table to another engine, then verify row counts and a checksum per table."""
    from inscrm.db import engines
    from inscrm.db.copy import CopyError, copy_database
    from inscrm.desktop import datadir
    from inscrm.models import db

    if bool(to_url) == bool(from_url):
        raise click.UsageError("give one of --to URL or --from URL")
    try:
        if to_url:
            source_app = make_app(data_dir)  # the installation as it runs (schema upgraded)
            source = db.obj
            target = engines.make_database(to_url)
        else:
            if database_url():
                raise click.UsageError("--from copies into the data directory's SQLite file; "
                                       "leave out --database-url")
            engines.check_url(from_url)
            source_app = make_app(data_dir, DATABASE_URL=from_url)
            source = db.obj
            target = engines.make_database(datadir.prepare(source_app.config["DATA_DIR"])["db"])
        target.connect(reuse_if_open=True)
    except engines.EngineError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"copying {engines.describe(source)} to {engines.describe(target)}")
    try:
        with source_app.app_context():
            checks = copy_database(source, target,
                                   progress=lambda table: click.echo(f"  copied {table}"))
    except CopyError as exc:
        raise click.ClickException(f"copy failed: {exc}") from None
    finally:
        engines.close_all(source)
        engines.close_all(target)
    for check in checks:
        click.echo(f"{check.table}\t{check.rows}\t{check.sha256[:16]}")
    click.echo(f"verified {len(checks)} tables: the same rows and checksums on both sides")
