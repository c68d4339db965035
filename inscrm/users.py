"""Users, passwords, login throttling and what each role may do. No Flask here."""

import functools
import logging
import re
import secrets

from peewee import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from inscrm import sessions, throttle
from inscrm.common_passwords import COMMON
from inscrm.db import transactions
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import ROLES, AuditLog, User, now
from inscrm.validators import Invalid

log = logging.getLogger(__name__)
# How a new password is hashed (slow on purpose). A stored hash names its own method, so a check
# reads any of them; the test suite sets a quicker one.
PASSWORD_HASH = "scrypt"
MIN_PASSWORD = 8

# who may see what
FULL_ID_ROLES = ("claims", "manager", "admin")
BRANCH_WIDE_ROLES = ("claims", "manager", "analyst", "admin")
# who may write what (DESIGN's roles table; admin may do everything): the analyst only reads,
# claims staff record claims; customers, policies, vehicles and contacts are the account
# managers' and the branch manager's work
CUSTOMER_WRITERS = ("agent", "manager")
CLAIM_WRITERS = ("claims", "manager")
WRITERS = {"customer": CUSTOMER_WRITERS, "claim": CLAIM_WRITERS}


def may_write(user, kind):
    """Whether `user` may write records of `kind` ("customer" or "claim")."""
    return user is not None and (user.role == "admin" or user.role in WRITERS[kind])


class LoginRefused(Exception):
    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class LoginThrottled(LoginRefused):
    """Too many failed attempts from this client or for this name: wait `seconds`."""

    def __init__(self, seconds):
        super().__init__(N_("Too many attempts. Wait %(n)s seconds and try again."), n=seconds)
        self.seconds = seconds


def check_password(password, username=""):
    """The password, or Invalid when it is too short, one of the commonest, or the user name."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(N_("A password has at least %(n)s characters."), n=MIN_PASSWORD)
    if password.lower() in COMMON:
        raise Invalid(N_("This password is among the commonest ones; choose another."))
    if username and password.strip().lower() == username.strip().lower():
        raise Invalid(N_("A password must not be the user name."))
    return password


def create_user(username, password, role, name="", branch=None, language="zh"):
    """Add a user; raises Invalid for a bad name, role or password, or a name already taken."""
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{2,64}", username):
        raise Invalid(N_("A user name has 2 to 64 letters, digits, dots, dashes or underscores."))
    if role not in ROLES:
        raise Invalid(N_("Unknown role %(value)s; expected one of %(choices)s."),
                      value=role, choices=", ".join(ROLES))
    check_password(password, username)
    try:
        with writing():
            return User.create(
                username=username,
                name=name or username,
                password_hash=hash_password(password),
                role=role,
                branch=branch,
                language=language,
            )
    except IntegrityError:
        raise Invalid(N_("The user name %(value)s is taken."), value=username) from None


def set_password(user, password, keep_session=None):
    """A new password, which also lifts the login throttle on the name; every session of the
    user ends but `keep_session` (the one that changed it)."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.save()
    throttle.forget([throttle.name_key(user.username)])
    sessions.end_all(user, keep=keep_session)


def hash_password(password):
    return generate_password_hash(password, method=PASSWORD_HASH)


@functools.cache
def _dummy_hash():
    """A hash to check an unknown user's password against, so that answer costs the same."""
    return hash_password(secrets.token_hex(16))


def authenticate(username, password, ip=""):
    """The user for these credentials, or LoginRefused (LoginThrottled while the client or the
    name must wait); every attempt goes to the audit log."""
    name = (username or "").strip()
    moment = now()
    attempt = throttle.keys(ip, name)
    user = User.local().where(User.username == name).first()
    seconds = throttle.wait(attempt, moment)
    if seconds:
        _record(name, ip, lambda: AuditLog.record("login_throttled", user, ip=ip,
                                                  username=name[:64]))
        raise LoginThrottled(seconds)
    # an unknown name is checked against a dummy hash: the same work, the same answer
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not user.active or not matches:
        throttle.failed(attempt, moment)  # counted before the refusal, whatever else is busy
        _record(name, ip, lambda: AuditLog.record("login_failed", user, ip=ip,
                                                  username=name[:64]))
        raise LoginRefused(N_("Wrong user name or password."))
    throttle.forget(attempt)
    _record(name, ip, lambda: _stamp_login(user, moment, ip))
    return user


def log_out(user, token, ip=""):
    """End the session `token` of `user`; like a login, a logout never waits for an import."""
    sessions.end(token)
    _record(user.username, ip, lambda: AuditLog.record("logout", user, ip=ip))


def _record(name, ip, write):
    """A login's entries in the main database (time stamp, audit): an import may hold its write
    lock for minutes, and no login waits for it or fails because of it. They are written at
    once when the lock is free, else as soon as it comes, after the login has gone through."""
    transactions.soon(write, f"the login entry of {name[:64]} from {ip or '-'}")


def _stamp_login(user, moment, ip):
    user.last_login_at = moment
    user.save()
    AuditLog.record("login", user, ip=ip)


def can_see_full_id(user):
    return user is not None and user.role in FULL_ID_ROLES
