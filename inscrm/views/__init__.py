"""What every blueprint shares: htmx-aware rendering, login and role checks, 404/403 helpers."""

import functools

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


def roles_required(*roles):
    """Logged in, and one of the roles (admin may do everything)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if g.user.role not in roles and g.user.role != "admin":
                abort(403)
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
