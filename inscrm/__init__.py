"""InsCRM: an offline-first customer relationship system for P&C insurance branch offices."""

import datetime as dt
import logging

from flask import Flask, g, redirect, request, session, url_for
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from inscrm.desktop import datadir, hosts
from inscrm.i18n import choose_language
from inscrm.version import __version__

log = logging.getLogger(__name__)
csrf = CSRFProtect()
babel = Babel()


def create_app(test_config=None):
    """The Flask app over the data directory named by the config (or the default one)."""
    app = Flask(__name__, instance_relative_config=False)
    config = dict(test_config or {})
    root = datadir.resolve(config.get("DATA_DIR"))
    paths = datadir.prepare(root)
    app.config.from_mapping(
        DATA_DIR=str(root),
        DATABASE=str(paths["db"]),
        # PostgreSQL instead of the data directory's SQLite file (None: SQLite)
        DATABASE_URL=None,
        # PostgreSQL: create or upgrade the schema now (`inscrm init`, `inscrm db migrate`);
        # otherwise a worker only checks it. SQLite files are always upgraded at start-up.
        MIGRATE=False,
        BACKUPS=str(paths["backups"]),
        SECRET_KEY=datadir.secret_key(root),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="inscrm_session",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        # a session ends after this long without a request, and this long after login anyway
        SESSION_IDLE_TIMEOUT=dt.timedelta(hours=8),
        SESSION_MAX_AGE=dt.timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        MAX_CONTENT_LENGTH=200 * 1024 * 1024,  # imports of large core-system extracts
        STARTUP_TASKS=False,  # daily backup, classification…: `serve` runs them itself
        # Host names served (DNS rebinding); `serve` checks its bound names around the whole
        # server, /_instance included (inscrm.desktop.server), so this is for other servers.
        TRUSTED_HOSTS=None,
    )
    app.config.from_envvar("INSCRM_SETTINGS", silent=True)
    app.config.update(config)
    if not app.config.get("TESTING"):
        datadir.setup_logging(paths["logs"])

    from inscrm.db import engines, schema
    from inscrm.db.backup import backup

    try:
        app.config["DATABASE_URL"] = engines.chosen_url(app.config["DATABASE_URL"])
    except engines.EngineError as exc:
        raise schema.SchemaError(str(exc)) from None
    schema.open_database(app.config["DATABASE_URL"] or app.config["DATABASE"])
    if app.config["DATABASE_URL"] and not app.config["MIGRATE"]:
        schema.check_schema()
    else:
        schema.ensure_schema(
            backup=lambda reason: backup(app.config["DATABASE"], app.config["BACKUPS"], reason)
        )
    if app.config["STARTUP_TASKS"]:
        from inscrm.desktop import daily

        daily.run(app)

    if app.config["TRUSTED_HOSTS"] is not None:
        app.wsgi_app = hosts.HostCheck(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    _register_request_hooks(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from inscrm.views import errors

    errors.register(app)

    from inscrm.models import db

    db.close()  # kept for the next request (`inscrm.db.engines.POOL`)
    return app


def _select_locale():
    user = g.get("user")
    return choose_language(user.language if user is not None else None, session.get("lang"))


# No inline or foreign script, no framing, no sniffing; styles may be inline (htmx's indicator).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _register_request_hooks(app):
    from flask import abort

    from inscrm import sessions
    from inscrm.models import db
    from inscrm.sites import is_initialised

    @app.before_request
    def before_request():
        db.connect(reuse_if_open=True)
        # Browsers name cross-site requests; refuse unsafe ones outright (CSRF's first line).
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        if unsafe and request.headers.get("Sec-Fetch-Site") == "cross-site":
            abort(403)
        if request.endpoint == "static":
            return None
        if not is_initialised():
            if request.endpoint != "auth.setup":
                return redirect(url_for("auth.setup"))
            return None
        g.user = None
        token = session.get("sid")
        if token is not None:
            g.user = sessions.resolve(token, app.config["SESSION_IDLE_TIMEOUT"],
                                      app.config["SESSION_MAX_AGE"])
            if g.user is None:
                session.clear()
        return None

    @app.after_request
    def after_request(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":  # pages and downloads carry personal data
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def teardown_request(exc):
        if not db.is_closed():
            db.close()
        # the session store's connection stays open with its thread: closing the last one
        # checkpoints the small file with an fsync, which waits behind a large import's writes


def _register_blueprints(app):
    from inscrm.models import Site
    from inscrm.views import (
        admin_users,
        auth,
        care,
        customers,
        exports,
        home,
        imports,
        quote,
        records,
        reports,
        segments,
        service,
        sync,
        system,
        territories,
        work,
    )

    areas = (auth, home, system, customers, records, work, segments, reports, territories,
             imports, exports, care, quote, service, admin_users)
    for area in areas:
        app.register_blueprint(area.bp)
    app.register_blueprint(sync.blueprint(Site.current()))  # HQ's sync pages or a branch's

    from inscrm.views import hq

    hq.register(app)  # HQ mode or a branch's, decided here once


def _register_template_helpers(app):
    from inscrm import formatting, users
    from inscrm.models import Site
    from inscrm.version import build_date

    app.jinja_env.filters["money"] = formatting.money
    app.jinja_env.filters["date"] = formatting.date
    app.jinja_env.filters["percent"] = formatting.percent
    app.jinja_env.filters["loss_ratio"] = formatting.loss_ratio

    from flask_babel import get_locale, gettext

    from inscrm.labels import label, system_note, task_title
    from inscrm.segments.reasons import describe

    @app.template_filter("label")
    def label_filter(code, kind):
        """{{ customer.segment|label('segment') }} in the UI language."""
        return gettext(label(kind, code))

    @app.template_filter("task_title")
    def task_title_filter(task):
        """{{ task|task_title }}: a service plan's title in the UI language, others as written."""
        msgid = task_title(task.kind, task.title)
        return gettext(msgid) if msgid else (task.title or "")

    @app.template_filter("system_note")
    def system_note_filter(note):
        """{{ version.note|system_note }}: a note the system wrote, in the UI language."""
        return system_note(note, gettext)

    from inscrm.sync import rejection_text

    @app.template_filter("rejection")
    def rejection_filter(item):
        """{{ item|rejection }}: why a synced row was rejected, in the UI language."""
        return rejection_text(item, gettext)

    from inscrm.segments.engine import evaluated_on

    app.jinja_env.globals["segment_evaluated_on"] = evaluated_on

    from inscrm.views import nav_here

    app.jinja_env.globals["nav_here"] = nav_here
    # the 360 page offers only what the role may do (the routes refuse the rest)
    app.jinja_env.globals["may_write"] = lambda kind: users.may_write(g.get("user"), kind)

    @app.template_filter("reason")
    def reason_filter(reason):
        """{{ customer.segment_reason|reason }}: the segment's reason in the UI language."""
        return describe(reason, gettext)

    @app.context_processor
    def globals_for_templates():
        return {
            "current_user": g.get("user"),
            "lang": str(get_locale()),
            "site": Site.current(),
            "app_version": __version__,
            "app_build_date": build_date(),
        }
