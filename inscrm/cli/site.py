"""Setting up and keeping an installation: init, serve, backup, restore."""

import click

from inscrm.cli.base import data_dir_option, fail_on_invalid, make_app, with_app


@click.command()
@click.option("--site", "site_code", help="This site's code, e.g. JX01.")
@click.option("--site-name", help="This site's name, e.g. 嘉兴南湖支公司.")
@click.option("--hq", is_flag=True, help="This installation is the headquarters.")
@click.option("--join", "registration", type=click.Path(dir_okay=False),
              help="A branch: the registration file HQ wrote for it (gives code and name).")
@click.option("--admin-user", default="admin", show_default=True)
@click.option("--admin-password", required=True, help="At least 8 characters.")
@with_app(MIGRATE=True)
@fail_on_invalid
def init(app, site_code, site_name, hq, registration, admin_user, admin_password):
    """Create a data directory for a site and its first administrator."""
    from inscrm.sites import initialise
    from inscrm.sync import BundleRefused, registry

    data_dir = app.config["DATA_DIR"]
    if registration:
        if hq or site_code or site_name:
            raise click.UsageError("--join takes the site's code and name from the file; "
                                   "leave out --site, --site-name and --hq")
        try:
            site, admin = registry.join(registration, admin_user, admin_password, data_dir)
        except BundleRefused as exc:
            raise click.ClickException(str(exc)) from None
    elif not site_code or not site_name:
        raise click.UsageError("--site and --site-name are needed (or --join FILE)")
    elif hq:
        site, admin = registry.initialise_hq(site_code, site_name, admin_user, admin_password,
                                             data_dir)
    else:
        site, admin = initialise(site_code, site_name, admin_user, admin_password)
    click.echo(f"initialised {site.code} {site.name} in {data_dir}; "
               f"administrator: {admin.username}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@click.option("--threads", default=24, show_default=True, type=click.IntRange(1, 64))
@data_dir_option
def serve(data_dir, host, port, no_browser, threads):
    """Run the web app (what a double-click on the executable does)."""
    from inscrm.desktop import server

    server.run(make_app, data_dir, host, port, open_browser=not no_browser, threads=threads)


@click.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write the backup to this file.")
@with_app
def backup(app, out):
    """Copy the database to a backup file while the app may be running."""
    import shutil

    from inscrm.db.backup import backup as make_backup

    path = make_backup(app.config["DATABASE"], app.config["BACKUPS"], "manual")
    if path is None:
        raise click.ClickException("a PostgreSQL database is backed up with pg_dump "
                                   "(see docs/postgresql.md)")
    if out:
        shutil.copyfile(path, out)
        path = out
    click.echo(f"backup written to {path}")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@data_dir_option
def restore(data_dir, file):
    """Replace the database with a backup (the current one is backed up first)."""
    from inscrm.cli.base import database_url
    from inscrm.db.backup import BackupError, check_backup
    from inscrm.db.backup import backup as make_backup
    from inscrm.db.backup import restore as restore_backup
    from inscrm.db.engines import chosen_url
    from inscrm.desktop import datadir

    if chosen_url(database_url()):
        raise click.ClickException("a PostgreSQL database is restored with pg_restore "
                                   "(see docs/postgresql.md)")
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
        from inscrm.db.stamps import new_epoch
        from inscrm.models import AuditLog, db

        with db.atomic():
            new_epoch()
            AuditLog.record("restore", target=f"file:{file}")
    click.echo(f"restored {file}; this database has a new epoch, so HQ will ask for a full bundle")
