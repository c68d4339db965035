"""What every command shares: the data directory option, opening its app, one-line refusals."""

import functools
import os

import click

from inscrm import create_app
from inscrm.db.schema import SchemaError
from inscrm.i18n import environment_language, translator
from inscrm.sites import is_initialised
from inscrm.validators import Invalid


def _remember_url(ctx, param, value):
    if value:
        ctx.meta["database_url"] = value
    return value


def data_dir_option(command):
    """`--data-dir`, and `--database-url` for running on PostgreSQL instead of its SQLite file."""
    command = click.option(
        "--database-url",
        default=None,
        expose_value=False,
        callback=_remember_url,
        help="Run on this PostgreSQL database (postgresql://…; default: $INSCRM_DATABASE_URL, "
             "else the data directory's SQLite file).",
    )(command)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Data directory (default: $INSCRM_DATA_DIR or the per-user data folder).",
    )(command)


def database_url():
    """The --database-url of the running command, or None."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("database_url") if ctx is not None else None


def with_app(command=None, **config):
    """Open the data directory's app (schema created or upgraded) and run inside its context;
    `@with_app(MIGRATE=True)` for the commands that may create or upgrade a PostgreSQL schema."""
    if command is None:
        return functools.partial(with_app, **config)

    @data_dir_option
    @functools.wraps(command)
    def wrapped(data_dir, **kwargs):
        app = make_app(data_dir, **config)
        with app.app_context():
            return command(app, **kwargs)

    return wrapped


def make_app(data_dir, **config):
    config.setdefault("DATABASE_URL", database_url())
    try:
        return create_app({"DATA_DIR": data_dir, **config})
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot use the data directory: {exc}") from None


def terminal_language():
    """The language of the terminal's locale: Chinese under zh_CN, English otherwise."""
    return environment_language(os.environ)


def words():
    """The gettext function of the terminal's language."""
    return translator(terminal_language())


def worded(exc, translate=None):
    """An Invalid's message in the terminal's language."""
    message = (translate or words())(exc.message)
    return message % exc.params if exc.params else message


def fail_on_invalid(func):
    """Turn a domain refusal (Invalid) into one line, in the terminal's language, and exit
    status 1."""
    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Invalid as exc:
            raise click.ClickException(worded(exc)) from None

    return wrapped


def require_site():
    if not is_initialised():
        raise click.ClickException(
            "this data directory is not initialised; run `inscrm init` first"
        )
