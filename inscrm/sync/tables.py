"""Which synced rows travel, in which order, and how a row is written as JSON.

Up (a branch to HQ): every row the branch owns, except in the tables only HQ writes (the network
flags). Down (HQ to a branch): every row HQ owns, except HQ's own staff and audit log; a table
whose model has an `addressee` field (a site code) sends each row only to that site; and the
blacklist entries of the other branches, relayed by HQ.
Tables go parents first; a foreign key travels as the parent's uid; password hashes and the
login counters never leave their site.
"""

from peewee import JOIN, BooleanField, ForeignKeyField, ModelIndex, fn, sort_models

from inscrm.models import (
    SYNCED_MODELS,
    AuditLog,
    BlacklistEntry,
    BlacklistShare,
    Customer,
    NetworkFlag,
    User,
)

ORDER = sort_models(SYNCED_MODELS)  # parents before children
BY_TABLE = {model._meta.table_name: model for model in ORDER}
HQ_PRIVATE = (User, AuditLog)  # HQ's staff and audit log stay at HQ
RELAYED = (BlacklistEntry,)  # rows of one branch that HQ passes on to every other branch
DOWN_ONLY = (NetworkFlag,)  # only HQ writes these: a branch neither sends nor may change them
# never sent: what stays at its site, and what the receiver derives again (the name key)
LOCAL_FIELDS = {User: ("password_hash", "failed_logins", "locked_until", "last_login_at"),
                Customer: ("name_key",)}
NOT_SENT = ("id", "seq")


def natural_keys(model):
    """The unique indexes of a model other than the uid, as lists of field names."""
    keys = []
    for index in model._meta.indexes:
        if isinstance(index, ModelIndex):  # a named index (`Model.add_index`)
            fields, unique = [node.name for node in index._expressions], index._unique
        else:
            fields, unique = index
        if unique and "origin" in fields:
            keys.append(list(fields))
    return keys


def sent_fields(model):
    """The model's fields that travel, in a fixed order."""
    local = LOCAL_FIELDS.get(model, ())
    return [f for f in model._meta.sorted_fields if f.name not in NOT_SENT and f.name not in local]


def select_rows(model, condition):
    """An unexecuted query of the rows that meet `condition`, foreign keys as parent uids,
    and the names of its columns."""
    columns, names, joins = [], [], []
    for field in sent_fields(model):
        if isinstance(field, ForeignKeyField):
            parent = field.rel_model.alias(f"parent_{field.name}")
            columns.append(parent.uid)
            joins.append((parent, field == parent.id))
        else:
            columns.append(field)
        names.append(field.name)
    query = model.select(*columns)
    for parent, on in joins:
        query = query.join_from(model, parent, JOIN.LEFT_OUTER, on=on)
    return query.where(condition).order_by(model.id), names


def boolean_positions(model):
    return [i for i, f in enumerate(sent_fields(model)) if isinstance(f, BooleanField)]


def up_condition(model, branch_code):
    """Which of a branch's rows travel up to HQ."""
    if model in DOWN_ONLY:
        return model.id.is_null()  # none
    return model.origin == branch_code


def down_condition(model, hq_code, addressee):
    """Which of HQ's rows travel down to `addressee`."""
    condition = None
    if model not in HQ_PRIVATE:
        condition = model.origin == hq_code
        if "addressee" in model._meta.fields:
            condition &= model._meta.fields["addressee"] == addressee
    if model in RELAYED:
        withheld = (BlacklistShare.select(BlacklistShare.id)
                    .where(BlacklistShare.entry == model.id, ~BlacklistShare.shared,
                           ~BlacklistShare.deleted))
        relayed = (model.origin != addressee) & (model.origin != hq_code) & ~fn.EXISTS(withheld)
        condition = relayed if condition is None else (condition | relayed)
    return condition
