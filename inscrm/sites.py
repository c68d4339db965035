"""Initialising an installation: its site identity, first branch, first administrator."""

import re

from inscrm import users
from inscrm.db import names
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import AuditLog, Branch, Site, SyncClock
from inscrm.segments import rules
from inscrm.validators import Invalid


def is_initialised():
    return Site.current() is not None


def initialise(site_code, site_name, admin_username, admin_password, is_hq=False):
    """Create this site, its clock, its first branch, the default rules and the administrator."""
    code = (site_code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{2,16}", code):
        raise Invalid(N_("A site code has 2 to 16 letters or digits, e.g. JX01."))
    name = (site_name or "").strip()
    if not name:
        raise Invalid(N_("The site needs a name."))
    users.check_password(admin_password, admin_username)
    with writing():
        if is_initialised():
            raise Invalid(N_("This data directory is already initialised."))
        site = Site.create(code=code, name=name, is_hq=is_hq, is_self=True)
        SyncClock.delete().execute()
        SyncClock.create(site=code)
        branch = Branch.create(code=code, name=name)
        rules.save({}, note="defaults")
        admin = users.create_user(admin_username, admin_password, "admin", branch=branch)
        AuditLog.record("site_initialised", admin, target=f"site:{code}", name=name, hq=is_hq)
        if is_hq:
            names.install_hq_indexes()
    return site, admin
