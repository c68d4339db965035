"""Friendly error pages in the UI language; never a traceback."""

import logging

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from inscrm.views import is_htmx

log = logging.getLogger(__name__)


def _messages():
    return {
        400: _("The request could not be understood. Please check what you entered."),
        401: _("Please sign in again."),
        403: _("You do not have permission to see this."),
        404: _("This page or record does not exist."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
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

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error")
        return _page(InternalServerError.code)
