"""Login throttling by client address and by user name, with growing waits instead of a hard
lock an attacker could hold on someone else's account.

A few failures are free; after that each failure doubles the wait before the next attempt of
that client or that name. The name's wait stays short (a stranger can make a colleague wait a
minute at most), the client's grows to a quarter of an hour. Names are counted whether or not
such a user exists, so the answer says nothing about who works here. Counts older than an hour
are forgotten; a successful login clears its client and name. The counts live in the session
store (`inscrm.db.sessionstore`), so counting never waits for an import. No Flask here.
"""

import datetime as dt

from inscrm.db import sessionstore
from inscrm.models import LoginThrottle

FREE = 4  # failures before any wait
FIRST_WAIT = dt.timedelta(seconds=5)
FORGET = dt.timedelta(hours=1)
CLIENT_CAP = dt.timedelta(minutes=15)
NAME_CAP = dt.timedelta(minutes=1)


def keys(ip, username):
    """The throttle keys of an attempt and the longest wait each may reach."""
    return {f"client:{ip or '-'}"[:200]: CLIENT_CAP,
            f"user:{(username or '').strip().lower()}"[:200]: NAME_CAP}


def name_key(username):
    return next(k for k in keys("", username) if k.startswith("user:"))


def delay(failures, cap):
    """The wait after `failures` failures in a row: none, then 5 s, 10 s, 20 s… up to `cap`."""
    if failures < FREE:
        return dt.timedelta(0)
    return min(cap, FIRST_WAIT * 2 ** min(failures - FREE, 20))


def wait(attempt_keys, moment):
    """Whole seconds the attempt must still wait (0: it may go ahead)."""
    until = (LoginThrottle.select(LoginThrottle.until)
             .where(LoginThrottle.key.in_(list(attempt_keys)), LoginThrottle.until > moment)
             .order_by(LoginThrottle.until.desc())
             .scalar())
    if until is None:
        return 0
    return max(1, int((until - moment).total_seconds() + 0.999))


def failed(attempt_keys, moment):
    """Count a failure against each key and set its next wait."""
    with sessionstore.writing():
        known = {row.key: row for row in
                 LoginThrottle.select().where(LoginThrottle.key.in_(list(attempt_keys)))}
        for key, cap in attempt_keys.items():
            row = known.get(key)
            failures = 1 if row is None or row.last_at < moment - FORGET else row.failures + 1
            until = moment + delay(failures, cap)
            (LoginThrottle
             .insert(key=key, failures=failures, until=until, last_at=moment)
             .on_conflict(conflict_target=[LoginThrottle.key],
                          update={LoginThrottle.failures: failures, LoginThrottle.until: until,
                                  LoginThrottle.last_at: moment})
             .execute())


def forget(attempt_keys):
    """A successful login (or an administrator's unlock) clears these keys."""
    LoginThrottle.delete().where(LoginThrottle.key.in_(list(attempt_keys))).execute()


def state(username):
    """The throttle row of a user name (failures, until), or None."""
    return LoginThrottle.get_or_none(LoginThrottle.key == name_key(username))
