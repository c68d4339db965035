"""What every blueprint shares: htmx-aware rendering, login and role checks, 404/403 helpers."""

import functools
from urllib.parse import urlsplit

from flask import abort, g, make_response, redirect, render_template, request, url_for
from peewee import DoesNotExist


def is_htmx():
    """True for a request made by htmx (and not a history restore, which wants the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page, fragment, **context):
    """The fragment for htmx, the full page (which includes that fragment) otherwise."""
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context))
    response.headers["Vary"] = "HX-Request"
    return response


def safe_path(target):
    """`target` when it is a path of this app ("/work/?kind=renewal"), else None: never another
    site, a scheme-relative URL or a backslash trick, so a link back cannot lead away."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def same_site_path(url):
    """The path and query of a full URL of this host (a Referer, htmx's HX-Current-URL)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc != request.host:
        return None
    return safe_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def current_path():
    """Where the user is: the page's own path, or for an htmx request the page it came from."""
    if is_htmx():
        return same_site_path(request.headers.get("HX-Current-URL"))
    return safe_path(request.full_path.rstrip("?"))


def nav_here(links):
    """The href of the navigation link the current page is under: the longest that is the
    page's path or a folder above it ("/" only for itself)."""
    path = request.path
    under = [href for href, _words in links
             if path == href or (href != "/" and path.startswith(href.rstrip("/") + "/"))]
    return max(under, key=len, default=None)


def client_ip():
    return request.remote_addr or ""


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            if is_htmx():
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def require_role(*roles):
    """403 unless the logged-in user has one of the roles (admin may do everything)."""
    if g.user.role not in roles and g.user.role != "admin":
        abort(403)


def roles_required(*roles):
    """Logged in, and one of the roles (admin may do everything)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_object_or_404(query, *conditions):
    try:
        return query.where(*conditions).get()
    except DoesNotExist:
        abort(404)


def get_customer(customer_id, check_access=True):
    """The live customer, 404 if there is none, 403 if outside the user's scope."""
    from inscrm.models import Customer

    customer = get_object_or_404(Customer.live(), Customer.id == customer_id)
    if check_access and not Customer.visible_to(g.user).where(Customer.id == customer.id).exists():
        abort(403)
    return customer
