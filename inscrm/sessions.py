"""Sessions kept server-side: the cookie carries only a random id, the database its SHA-256.

A session ends when its row goes: at logout, when the password changes (the session that
changed it stays), when the account is deactivated, after an idle spell, and at the end of its
lifetime whatever the activity. A request reads its row; it writes only when the row's last-seen
time is a minute old, so a busy office does not write on every click. The rows live in the
session store (`inscrm.db.sessionstore`), never behind the main database's write lock: a login
or a page's touch does not wait for an import. No Flask here.
"""

import datetime as dt
import hashlib
import secrets

from inscrm.db import sessionstore
from inscrm.models import LoginSession, User, now

TOUCH_EVERY = dt.timedelta(minutes=1)


def _key(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user, idle, lifetime, ip="", moment=None):
    """A new session of `user` (ended ones are tidied away first); returns the cookie's id."""
    moment = moment or now()
    token = secrets.token_urlsafe(32)
    with sessionstore.writing():
        prune(idle, lifetime, moment)
        LoginSession.create(key=_key(token), user_uid=user.uid, created_at=moment,
                            seen_at=moment, ip=(ip or "")[:64])
    return token


def resolve(token, idle, lifetime, moment=None):
    """The active local user of the session `token`, or None when there is no such session or
    it has ended (its row is then removed)."""
    if not token or not isinstance(token, str):
        return None
    moment = moment or now()
    row = LoginSession.get_or_none(LoginSession.key == _key(token))
    if row is None:
        return None
    user = User.local().where(User.uid == row.user_uid, User.active).first()
    if user is None or row.seen_at + idle <= moment or row.created_at + lifetime <= moment:
        LoginSession.delete().where(LoginSession.key == row.key).execute()
        return None
    if moment - row.seen_at >= TOUCH_EVERY:
        LoginSession.update(seen_at=moment).where(LoginSession.key == row.key).execute()
    return user


def end(token):
    """End one session (logout)."""
    if token and isinstance(token, str):
        LoginSession.delete().where(LoginSession.key == _key(token)).execute()


def end_all(user, keep=None):
    """End every session of `user` but the one `keep` names (the one changing its password)."""
    query = LoginSession.delete().where(LoginSession.user_uid == user.uid)
    if keep:
        query = query.where(LoginSession.key != _key(keep))
    return query.execute()


def prune(idle, lifetime, moment=None):
    """Remove the rows of sessions that have ended by time (a login tidies up this way)."""
    moment = moment or now()
    return (LoginSession.delete()
            .where((LoginSession.seen_at <= moment - idle)
                   | (LoginSession.created_at <= moment - lifetime))
            .execute())


def count(user):
    """How many sessions `user` has open."""
    return LoginSession.select().where(LoginSession.user_uid == user.uid).count()
