"""Friendly error pages in the UI language; never a traceback."""

import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from peewee import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from inscrm.db.transactions import is_busy
from inscrm.views import is_htmx

log = logging.getLogger(__name__)
RETRY_AFTER = 5  # seconds a browser is told to wait when the database is busy


def _messages():
    return {
        400: _("The request could not be understood. Please check what you entered."),
        401: _("Please sign in again."),
        403: _("You do not have permission to see this."),
        404: _("This page or record does not exist."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        503: _("The system is busy, please try again in a moment."),
        500: _("Something went wrong on our side. It has been logged; please try again."),
    }


def _page(code, message=None):
    message = message or _messages().get(code) or _messages()[400]
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, message=message), code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _page(400, _("The form has expired or did not come from this app. "
                            "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return _page(exc.code or 500)

    @app.errorhandler(OperationalError)
    def database_error(exc):
        if not is_busy(exc):
            return unexpected(exc)
        # Another writer (an import, a classification) held the lock past the busy timeout:
        # nothing was written, and the same action works once it is done.
        log.warning("busy answer to %s %s: %s", request.method, request.path, exc)
        headers = {"Retry-After": str(RETRY_AFTER)}
        if request.method != "POST" or request.files:
            return (*_page(503), headers)
        # What the user sent is kept: htmx keeps the form in place and sends it again (app.js);
        # a page's form comes back filled in, and sends itself again after the wait.
        message = _("The system is busy (an import is running): nothing was saved yet. What "
                    "you entered is kept and sent again in %(seconds)s seconds.",
                    seconds=RETRY_AFTER)
        if is_htmx():
            return (render_template("errors/_error.html", code=503, message=message), 503,
                    headers)
        fields = [(name, value) for name, value in request.form.items(multi=True)
                  if name != "csrf_token"]
        return (render_template("errors/busy.html", message=message, fields=fields,
                                action=request.full_path.rstrip("?"), seconds=RETRY_AFTER),
                503, headers)

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error")
        return _page(InternalServerError.code)
