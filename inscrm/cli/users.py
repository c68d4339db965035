"""`inscrm user …`: users and passwords."""

import click

from inscrm.cli.base import fail_on_invalid, require_site, with_app


@click.group()
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
    from inscrm.models import AuditLog, Branch, Site, db
    from inscrm.users import create_user

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
    from inscrm.models import AuditLog, User, db
    from inscrm.users import set_password

    found = User.local().where(User.username == username).first()
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

    for row in User.local().order_by(User.username):
        state = "" if row.active else " (inactive)"
        click.echo(f"{row.username}\t{row.role}\t{row.name}{state}")
