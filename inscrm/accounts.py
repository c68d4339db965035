"""An administrator's work on the staff's accounts: add, change name and role, reset a
password, unlock, deactivate and reactivate. Every change is audited.

Passwords and logins are `inscrm.users`' business (its rules apply to a password set here);
this module decides who may be changed how, so the office never locks itself out: the last
active administrator keeps the role, and nobody deactivates themselves.
"""

from inscrm import sessions, throttle, users
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import ROLES, AuditLog, Branch, Site, User
from inscrm.pinyin import sort_key
from inscrm.validators import Invalid


def staff():
    """Every account of this site, active ones first, in the pinyin order of their names."""
    return sorted(User.local(), key=lambda u: (not u.active, sort_key(str(u)), u.username))


def _home_branch():
    site = Site.current()
    return Branch.get_or_none(Branch.code == site.code) if site else None


def add_user(username, name, role, password, by, ip=""):
    """A new account of this branch; raises Invalid for a bad name, role or password."""
    with writing():
        user = users.create_user(username, password, role, name=(name or "").strip(),
                                 branch=_home_branch())
        AuditLog.record("user_added", by, target=f"user:{user.uid}", ip=ip,
                        username=user.username, role=role)
    return user


def _other_active_admins(user):
    return User.local().where(User.active, User.role == "admin", User.id != user.id).exists()


def change(user, name, role, by, ip=""):
    """Set an account's display name and role."""
    if role not in ROLES:
        raise Invalid(N_("Unknown role %(value)s; expected one of %(choices)s."),
                      value=role, choices=", ".join(ROLES))
    name = (name or "").strip() or user.username
    if len(name) > 64:
        raise Invalid(N_("A name has at most %(n)s characters."), n=64)
    with writing():
        if user.role == "admin" and role != "admin" and not _other_active_admins(user):
            raise Invalid(N_("The last administrator keeps the role."))
        before = {"name": user.name, "role": user.role}
        user.name, user.role = name, role
        user.save()
        AuditLog.record("user_changed", by, target=f"user:{user.uid}", ip=ip, before=before,
                        after={"name": name, "role": role})
    return user


def reset_password(user, password, by, ip=""):
    """A new password from the administrator (which also unlocks the account and ends its
    sessions)."""
    with writing():
        users.set_password(user, password)
        AuditLog.record("password_reset", by, target=f"user:{user.uid}", ip=ip)
    return user


def lock(user):
    """The login throttle on this account's name (failures, until), or None."""
    return throttle.state(user.username)


def is_locked(user, moment):
    """True while a login under this name must wait."""
    row = lock(user)
    return row is not None and row.until is not None and row.until > moment


def unlock(user, by, ip=""):
    """Clear the failed logins counted against this account's name, so it may sign in now."""
    with writing():
        throttle.forget([throttle.name_key(user.username)])
        user.failed_logins, user.locked_until = 0, None
        user.save()
        AuditLog.record("user_unlocked", by, target=f"user:{user.uid}", ip=ip)
    return user


def set_active(user, active, by, ip=""):
    """Deactivate an account (it can no longer sign in, and its session ends) or reactivate
    it. Its customers, tasks and history stay as they are."""
    with writing():
        if not active and user.id == by.id:
            raise Invalid(N_("You cannot deactivate your own account."))
        if not active and user.role == "admin" and not _other_active_admins(user):
            raise Invalid(N_("The last administrator keeps the role."))
        user.active = bool(active)
        user.save()
        if not active:
            sessions.end_all(user)
        AuditLog.record("user_activated" if active else "user_deactivated", by,
                        target=f"user:{user.uid}", ip=ip)
    return user
