"""Users, passwords, login throttling and what each role may do. No Flask here."""

import datetime as dt
import logging
import re

from peewee import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from inscrm.db import transactions
from inscrm.i18n import N_
from inscrm.models import ROLES, AuditLog, User, db, now
from inscrm.validators import Invalid

log = logging.getLogger(__name__)
MAX_FAILURES = 5  # consecutive failed logins before the account is locked for a while
LOCK_MINUTES = 15
MIN_PASSWORD = 8

# who may see what
FULL_ID_ROLES = ("claims", "manager", "admin")
BRANCH_WIDE_ROLES = ("claims", "manager", "analyst", "admin")


class LoginRefused(Exception):
    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def check_password(password):
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(N_("A password has at least %(n)s characters."), n=MIN_PASSWORD)
    return password


def create_user(username, password, role, name="", branch=None, language="zh"):
    """Add a user; raises Invalid for a bad name, role or password, or a name already taken."""
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{2,64}", username):
        raise Invalid(N_("A user name has 2 to 64 letters, digits, dots, dashes or underscores."))
    if role not in ROLES:
        raise Invalid(N_("Unknown role %(value)s; expected one of %(choices)s."),
                      value=role, choices=", ".join(ROLES))
    check_password(password)
    try:
        with db.atomic():
            return User.create(
                username=username,
                name=name or username,
                password_hash=generate_password_hash(password),
                role=role,
                branch=branch,
                language=language,
            )
    except IntegrityError:
        raise Invalid(N_("The user name %(value)s is taken."), value=username) from None


def set_password(user, password):
    check_password(password)
    user.password_hash = generate_password_hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.save()


def authenticate(username, password, ip=""):
    """The user for these credentials, or LoginRefused; every attempt goes to the audit log."""
    user = User.local().where(User.username == (username or "").strip()).first()
    moment = now()
    refusal = None
    # The failure count and audit entries are committed before the refusal is raised.
    with db.atomic():
        if user is not None and user.locked_until and user.locked_until > moment:
            minutes = int((user.locked_until - moment).total_seconds() // 60) + 1
            AuditLog.record("login_locked", user, ip=ip)
            refusal = LoginRefused(N_("Too many failed logins. Try again in %(n)s minutes."),
                                   n=minutes)
        elif user is None or not user.active or not check_password_hash(user.password_hash,
                                                                          password or ""):
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILURES:
                    user.locked_until = moment + dt.timedelta(minutes=LOCK_MINUTES)
                    user.failed_logins = 0
                user.save()
            AuditLog.record("login_failed", user, ip=ip, username=(username or "")[:64])
            refusal = LoginRefused(N_("Wrong user name or password."))
    if refusal is not None:
        raise refusal
    # A busy database (an import holding the write lock) must not fail a login: its time stamp
    # and audit entry are written when the lock comes within a moment, else skipped and logged.
    if not transactions.if_free(lambda: _record_login(user, moment, ip)):
        log.warning("login of %s not recorded: the database was busy", user.username)
    return user


def _record_login(user, moment, ip):
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = moment
    user.save()
    AuditLog.record("login", user, ip=ip)


def can_see_full_id(user):
    return user is not None and user.role in FULL_ID_ROLES
