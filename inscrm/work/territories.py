"""Territories: towns assigned to account managers, and the floating pool left to canvass.

A customer with no account manager falls to the manager of its town (`Customer.visible_to`,
and the assignee of its rule tasks); the floating pool of a town is its floating customers that
nobody holds yet, counted by where they came from (canvass lists, yellow pages, dealers…).
"""

import contextlib

from peewee import JOIN, Case, IntegrityError, fn

from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import SOURCES, AuditLog, Customer, Township, User
from inscrm.pinyin import sorted_by_name
from inscrm.validators import Invalid

POOL_LIST_LIMIT = 500


def _count_if(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def summary():
    """Every town with its manager and its customers: all, unassigned, floating unassigned."""
    unassigned = Customer.manager.is_null()
    query = (
        Township.live()
        .select(
            Township, User,
            fn.COUNT(Customer.id).alias("customers"),
            _count_if(unassigned).alias("unassigned"),
            _count_if(unassigned & (Customer.segment == "floating")).alias("pool"),
        )
        .join(User, JOIN.LEFT_OUTER, on=(Township.manager == User.id))
        .switch(Township)
        .join(Customer, JOIN.LEFT_OUTER,
              on=((Customer.township == Township.id) & ~Customer.deleted))
        .group_by(Township.id, User.id)
    )
    return sorted_by_name(query, name=str)  # district and town in pinyin order


def assign(township, manager, by):
    """Give a town to an account manager (or to nobody); audited."""
    with writing():
        before = township.manager_id
        township.manager = manager
        township.save()
        AuditLog.record("township_assigned", by, target=f"township:{township.uid}",
                        before=before, after=manager.id if manager else None)
    return township


def _names(district, name):
    district, name = (district or "").strip(), (name or "").strip()
    if not name:
        raise Invalid(N_("A town needs a name."))
    if len(name) > 32 or len(district) > 32:
        raise Invalid(N_("A town's or district's name has at most %(n)s characters."), n=32)
    return district, name


@contextlib.contextmanager
def _unique(district, name, but=None):
    """A write transaction for a town named `district` + `name`, refused with a message when
    another town of this branch has that name (checked first, and by the unique index)."""
    taken = Invalid(N_("%(town)s is already on the list."), town=district + name)
    try:
        with writing():
            others = Township.live().where(Township.owned_here(), Township.district == district,
                                           Township.name == name)
            if but is not None:
                others = others.where(Township.id != but.id)
            if others.exists():
                raise taken
            yield
    except IntegrityError:
        raise taken from None


def add_township(district, name, manager, by):
    """A new town (乡镇/街道) of this branch's territory, optionally with its account manager."""
    district, name = _names(district, name)
    with _unique(district, name):
        town = Township.create(district=district, name=name, manager=manager)
        AuditLog.record("township_added", by, target=f"township:{town.uid}",
                        district=district, name=name)
    return town


def rename_township(town, district, name, by):
    """Correct a town's district or name; its customers stay with it."""
    district, name = _names(district, name)
    with _unique(district, name, but=town):
        before = str(town)
        town.district, town.name = district, name
        town.save()
        AuditLog.record("township_renamed", by, target=f"township:{town.uid}",
                        before=before, after=str(town))
    return town


def _pool():
    return Customer.live().where(Customer.segment == "floating", Customer.manager.is_null())


def floating_pool():
    """(towns, sources, {(town id, source): count}) of the unassigned floating customers."""
    rows = (
        _pool()
        .select(Customer.township, Customer.source, fn.COUNT(Customer.id))
        .group_by(Customer.township, Customer.source)
        .tuples()
    )
    counts = {(town, source): n for town, source, n in rows}
    town_ids = {town for town, _source in counts}
    towns = sorted_by_name(Township.select().where(Township.id.in_([t for t in town_ids if t])),
                           name=str)
    if None in town_ids:
        towns.append(None)
    used = {source for _town, source in counts}
    sources = [s for s in SOURCES if s in used] + sorted(used - set(SOURCES))
    return towns, sources, counts


def pool_list(township_id, source):
    """Up to POOL_LIST_LIMIT unassigned floating customers of one town and source, by name."""
    query = _pool().where(Customer.source == source)
    if township_id is None:
        query = query.where(Customer.township.is_null())
    else:
        query = query.where(Customer.township == township_id)
    return list(query.order_by(Customer.name_key, Customer.id).limit(POOL_LIST_LIMIT))
