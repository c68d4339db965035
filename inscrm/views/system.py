"""The running program itself: Quit (administrators) stops the server cleanly."""

from flask import Blueprint, abort, current_app, g

from inscrm.db.transactions import writing
from inscrm.desktop.server import SERVER_EXTENSION
from inscrm.models import AuditLog
from inscrm.views import client_ip, render, roles_required

bp = Blueprint("system", __name__, url_prefix="/system")


def _server():
    return current_app.extensions.get(SERVER_EXTENSION)


@bp.app_context_processor
def quit_available():
    """Templates offer Quit only when this app is served by InsCRM's own server."""
    return {"can_quit": _server() is not None}


@bp.route("/quit", methods=["POST"])
@roles_required("admin")
def quit():
    """Stop the program: audited, then the server closes once this page is delivered."""
    server = _server()
    if server is None:
        abort(404)
    with writing():
        AuditLog.record("app_quit", g.user, ip=client_ip())
    server.stop()
    return render("system/stopped.html", "system/_stopped.html")
