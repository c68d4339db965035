"""Every InsCRM table as a peewee model, one database object and one BaseModel.

Rows that travel in sync bundles derive from `SyncModel`: a UUID, the site that owns the row, a
version stamp and a change sequence (both stamped by `inscrm.schema` triggers on every write that
does not stamp them itself), and a tombstone flag, because synced rows are never deleted.

Money is stored as integer cents and read back as `Decimal`, so sums in SQL are exact.
"""

import datetime as dt
import functools
import json
import operator
from decimal import Decimal

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DatabaseProxy,
    DateField,
    DateTimeField,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    fn,
)

from inscrm import pinyin
from inscrm.db.ids import uuid7

db = DatabaseProxy()
# Sessions and login throttling: on SQLite a small file of their own beside the database, so a
# login never waits for the main file's one writer; on PostgreSQL the same database
# (`inscrm.db.sessionstore`).
sessions_db = DatabaseProxy()

ROLES = ("agent", "claims", "manager", "analyst", "admin")
SEGMENTS = ("blacklist", "key", "quality", "standard", "prospect", "floating")
CUSTOMER_KINDS = ("individual", "corporate")
ID_TYPES = ("resident_id", "uscc", "passport", "other")
SOURCES = (
    "canvass", "yellow_pages", "dealer", "guarantor", "walk_in", "referral", "core_system",
    "intermediary",
)
CREDITS = ("good", "bad", "unknown")
INTERMEDIARY_TYPES = ("parttime_agency", "agency", "broker")
KEY_DESIGNATIONS = ("brand", "social_standing", "big_project")
CHANNELS = ("direct", "agency", "broker", "tender")
CLAIM_STATUSES = ("open", "closed", "declined", "withdrawn")
ACTIVITY_KINDS = ("call", "visit", "message", "service", "complaint")
OUTCOMES = ("interested", "quoted", "not_interested", "won", "lost", "none")
TASK_KINDS = ("renewal", "follow_up", "win_back", "blacklist_review", "service", "other")
TASK_STATUSES = ("open", "done", "cancelled")
BLACKLIST_REASONS = ("fraud", "hard_to_negotiate", "catastrophe", "other")
FLOWS = ("mining", "growth", "value_growth", "stripping", "churn", "downgrade", "reinstated")


def now():
    """The local wall-clock time, to the second (what an office reads on its clock)."""
    return dt.datetime.now().replace(microsecond=0)


class MoneyField(Field):
    """Decimal yuan in Python, integer cents in the database."""

    field_type = "BIGINT"

    def db_value(self, value):
        if value is None:
            return None
        cents = (Decimal(value) * 100).quantize(Decimal(1))
        return int(cents)

    def python_value(self, value):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def money_sum(field):
    """SUM of a MoneyField, read back as Decimal yuan (0.00 when there are no rows)."""
    return fn.COALESCE(fn.SUM(field), 0).python_value(field.python_value)


class JSONField(TextField):
    """A small JSON document (reasons with their figures, audit details, settings)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class SyncModel(BaseModel):
    """A row that sync carries between sites; only its origin site may change it."""

    uid = CharField(max_length=36, unique=True, default=uuid7)
    origin = CharField(max_length=16, null=True)  # the owning site's code, stamped on insert
    version = CharField(max_length=48, null=True)  # hybrid logical clock stamp
    seq = BigIntegerField(null=True, index=True)  # this site's change sequence
    deleted = BooleanField(default=False)  # tombstone: synced rows are never deleted

    @classmethod
    def live(cls, *fields):
        """Rows that are not tombstones."""
        return cls.select(*fields).where(~cls.deleted)

    @classmethod
    def owned_here(cls):
        """The condition `origin is this site`: natural keys (codes, numbers, user names) are
        unique per owning site, so look-ups by them say whose."""
        return cls.origin == SyncClock.select(SyncClock.site)


# --- bookkeeping (local to one installation) -----------------------------------------------


class Meta(BaseModel):
    """Key/value facts about this database: schema version, last full classification…"""

    key = CharField(primary_key=True)
    value = TextField()

    @classmethod
    def get_value(cls, key, default=None):
        row = cls.get_or_none(cls.key == key)
        return default if row is None else row.value

    @classmethod
    def set_value(cls, key, value):
        (cls.insert(key=key, value=str(value))
         .on_conflict(conflict_target=[cls.key], update={cls.value: str(value)})
         .execute())


class SyncClock(BaseModel):
    """The single row that stamps this site's writes: change sequence, clock, database epoch."""

    site = CharField(max_length=16)
    seq = BigIntegerField(default=0)
    ms = BigIntegerField(default=0)
    epoch = CharField(max_length=36, default=uuid7)  # new after every restore


class Site(BaseModel):
    """An installation: this one (is_self) and, at HQ, the branches registered with it."""

    code = CharField(max_length=16, unique=True)
    name = CharField()
    is_hq = BooleanField(default=False)
    is_self = BooleanField(default=False)
    created_at = DateTimeField(default=now)
    # public keys (base64, raw bytes) and their short id; private keys stay in keys/ (sync)
    sign_key = TextField(null=True)  # Ed25519: who made a bundle
    box_key = TextField(null=True)  # X25519: for whom a bundle is encrypted
    key_id = CharField(max_length=16, null=True)

    @classmethod
    def current(cls):
        return cls.get_or_none(cls.is_self)

    @classmethod
    def headquarters(cls):
        """HQ's row: this site at HQ, the registered headquarters at a joined branch."""
        return cls.get_or_none(cls.is_hq)

    @classmethod
    def branches(cls):
        """The other sites registered here (at HQ: every branch; at a branch: its peers)."""
        return cls.select().where(~cls.is_self, ~cls.is_hq).order_by(cls.code)


class SyncLedger(BaseModel):
    """One bundle applied here (or refused after it was opened): unique by bundle id, so the
    same file imported twice, even at the same time, applies once."""

    bundle_id = CharField(max_length=36, unique=True)
    site = CharField(max_length=16, index=True)  # the sender
    epoch = CharField(max_length=36)
    kind = CharField(max_length=16, default="changes")  # changes, full, recovery
    first_seq = BigIntegerField()
    last_seq = BigIntegerField()
    sha256 = CharField(max_length=64)
    rows = JSONField(null=True)  # {table: rows in the bundle}
    applied = IntegerField(default=0)  # rows that replaced or added a stored one
    rejected = JSONField(null=True)  # [{table, uid, reason}]
    result = CharField(max_length=16, default="applied")
    created_at = DateTimeField(null=True)  # when the sender wrote it
    applied_at = DateTimeField(default=now)


class PeerState(BaseModel):
    """What this site knows of one peer: how far its changes are applied here (`applied`, in
    the peer's epoch), and how far the peer has acknowledged ours (`acked`, in our epoch)."""

    site = CharField(max_length=16, unique=True)
    epoch = CharField(max_length=36, null=True)
    applied = BigIntegerField(default=0)
    acked = BigIntegerField(default=0)
    acked_epoch = CharField(max_length=36, null=True)
    rejected = JSONField(null=True)  # our rows the peer refused, as it reported them
    last_import_at = DateTimeField(null=True)
    last_bundle_id = CharField(max_length=36, null=True)
    last_export_at = DateTimeField(null=True)


# --- organisation ---------------------------------------------------------------------------


class Branch(SyncModel):
    """A business unit (营业部, 支公司); also the reporting unit of blacklist entries."""

    code = CharField(max_length=32)
    name = CharField()

    class Meta:
        indexes = ((("origin", "code"), True),)


class User(SyncModel):
    username = CharField(max_length=64)
    name = CharField(default="")
    password_hash = CharField()
    role = CharField(max_length=16, choices=[(r, r) for r in ROLES])
    branch = ForeignKeyField(Branch, null=True, backref="users")
    language = CharField(max_length=8, default="zh")
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("origin", "username"), True),)

    def __str__(self):
        return self.name or self.username

    @classmethod
    def local(cls):
        """Live users of this site (a branch's staff at HQ, or HQ's, never log in here)."""
        return cls.live().where(cls.owned_here())

    @classmethod
    def staff(cls, *roles):
        """Active users of this site, optionally of the given roles, ordered by name."""
        query = cls.local().where(cls.active)
        if roles:
            query = query.where(cls.role.in_(roles))
        return query.order_by(cls.name, cls.username)

    @classmethod
    def staff_by_name(cls, *roles):
        """The same staff as a list in the pinyin order of their names (a short list, sorted
        here: users have no stored name key)."""
        return pinyin.sorted_by_name(cls.staff(*roles), name=str)


class Township(SyncModel):
    """A town or street (乡镇/街道) of the branch's territory, assigned to an account manager."""

    district = CharField(default="")
    name = CharField()
    manager = ForeignKeyField(User, null=True, backref="townships")

    class Meta:
        indexes = ((("origin", "district", "name"), True),)

    def __str__(self):
        return f"{self.district}{self.name}"


# --- customers ------------------------------------------------------------------------------


class Customer(SyncModel):
    kind = CharField(max_length=16, default="individual")
    name = CharField(index=True)
    # the name's pinyin order (inscrm.pinyin.sort_key), written with the name on every path
    # (schema 8); derived, so bundles leave it out and the receiver computes it again
    name_key = TextField(null=True)
    id_type = CharField(max_length=16, null=True)
    id_number = CharField(max_length=32, null=True, index=True)
    phone = CharField(max_length=32, null=True, index=True)
    phone2 = CharField(max_length=32, null=True)
    email = TextField(null=True)  # schema version 2
    wechat = TextField(null=True)  # schema version 2
    address = CharField(null=True)
    township = ForeignKeyField(Township, null=True, backref="customers")
    industry = CharField(null=True)
    source = CharField(max_length=16, default="walk_in")
    credit = CharField(max_length=16, default="unknown")
    intermediary_type = CharField(max_length=16, null=True)
    manager = ForeignKeyField(User, null=True, backref="customers")
    birth_date = DateField(null=True)
    notes = TextField(default="")
    # segment as last evaluated (inscrm.segments), with its reason and figures
    segment = CharField(max_length=16, default="floating")
    segment_reason = JSONField(null=True)
    segment_date = DateField(null=True)
    annual_premium = MoneyField(default=0)
    # manual decisions that feed the segment rules
    key_designation = CharField(max_length=16, null=True)
    key_reason = TextField(null=True)
    exempt_until = DateField(null=True)  # exempt from the automatic claims blacklist rule
    exempt_reason = TextField(null=True)
    last_contact_date = DateField(null=True)
    merged_into = ForeignKeyField("self", null=True, backref="merged")
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)

    class Meta:
        # Few indexes hold the segment: a full run that changes every segment rewrites them
        # all (the list's filter indexes are in inscrm.search). HQ groups people by ID number
        # and counts the branches that have them.
        indexes = ((("segment", "name_key"), False), (("id_number", "origin"), False))

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = pinyin.sort_key(self.name)
        return super().save(*args, **kwargs)

    @classmethod
    def scope_parts(cls, user):
        """The scope rule as disjoint conditions: an agent sees their own customers and the
        unassigned ones of their towns; everyone else the whole branch ([None]). Search serves
        each part from its own index; `visible_to` joins them."""
        if user.role != "agent":
            return [None]
        own_towns = Township.select(Township.id).where(Township.manager == user)
        return [cls.manager == user, cls.manager.is_null() & cls.township.in_(own_towns)]

    @classmethod
    def scope_pieces(cls, user):
        """For each part of an agent's `scope_parts`, the name pieces (`NameGram`) of its
        customers: their own carry them as manager, the unassigned ones of their towns no
        manager and one of those towns."""
        own_towns = Township.select(Township.id).where(Township.manager == user)
        return [NameGram.manager_id == user.id,
                NameGram.manager_id.is_null() & NameGram.township_id.in_(own_towns)]

    @classmethod
    def visible_to(cls, user):
        """Customers the user may see (see `scope_parts`)."""
        query = cls.live()
        parts = cls.scope_parts(user)
        if parts != [None]:
            query = query.where(functools.reduce(operator.or_, parts))
        return query

    @classmethod
    def in_segment(cls, segment):
        return cls.live().where(cls.segment == segment)


class CustomerRef(SyncModel):
    """A customer's code in an outside system (core system, dealer list…): one identity across
    core-system replacements."""

    customer = ForeignKeyField(Customer, backref="refs")
    source = CharField(max_length=32)
    ref = CharField(max_length=64)

    class Meta:
        indexes = ((("origin", "source", "ref"), True),)


class Vehicle(SyncModel):
    customer = ForeignKeyField(Customer, backref="vehicles")
    plate = CharField(max_length=16, null=True, index=True)
    vin = CharField(max_length=17, null=True, index=True)
    brand_model = CharField(null=True)
    registered_on = DateField(null=True)


OUR_INSURER = ""  # the insurer of our own policies; otherwise the competitor's name


class Policy(SyncModel):
    """A policy of ours (insurer empty) or a competitor's, recorded for prospects."""

    policy_no = CharField(max_length=64, index=True)
    source = CharField(max_length=32, default="core")
    customer = ForeignKeyField(Customer, backref="policies")
    product = CharField(default="")
    channel = CharField(max_length=16, default="direct")
    intermediary = ForeignKeyField(Customer, null=True, backref="channel_policies")
    insurer = CharField(default="")  # empty: ours; otherwise the competitor's name
    premium = MoneyField(default=0)
    sum_insured = MoneyField(null=True)
    start_date = DateField()
    end_date = DateField()
    cancelled = BooleanField(default=False)
    renewal_of = ForeignKeyField("self", null=True, backref="renewals")
    vehicle = ForeignKeyField(Vehicle, null=True, backref="policies")

    class Meta:
        indexes = (
            (("origin", "source", "policy_no"), True),
            (("customer", "start_date"), False),
        )

    @property
    def is_ours(self):
        return self.insurer == OUR_INSURER

    @classmethod
    def ours(cls, alias=None, cancelled=True):
        """Our live policies (a competitor's are recorded for prospects and never count), of
        `alias` when given; `cancelled=False` leaves out the cancelled ones, which are not in
        force. The segment SQL renders the same condition from `OUR_INSURER`."""
        policy = alias or cls
        query = policy.select().where(policy.insurer == OUR_INSURER, ~policy.deleted)
        return query if cancelled else query.where(~policy.cancelled)

    @classmethod
    def expiring(cls, first, last):
        """Our policies, not cancelled, whose cover ends between two dates (inclusive)."""
        return (
            cls.ours()
            .where(~cls.cancelled, cls.end_date.between(first, last))
            .order_by(cls.end_date, cls.id)
        )


# Policies by end date with what the in-force, renewal and retention figures test (schema 10):
# those figures read this index alone, not a row per policy.
Policy.add_index(Policy.index(Policy.end_date, Policy.start_date, Policy.customer, Policy.insurer,
                              Policy.cancelled, Policy.deleted, Policy.vehicle, Policy.origin,
                              name="policy_in_force"))


class Claim(SyncModel):
    claim_no = CharField(max_length=64, index=True)
    source = CharField(max_length=32, default="core")
    policy = ForeignKeyField(Policy, backref="claims")
    customer = ForeignKeyField(Customer, backref="claims")  # the policy's, kept for set queries
    loss_date = DateField()
    report_date = DateField(null=True)
    paid = MoneyField(default=0)
    reserve = MoneyField(default=0)
    status = CharField(max_length=16, default="open")
    cause = CharField(default="")
    fraud_suspected = BooleanField(default=False)

    class Meta:
        indexes = (
            (("origin", "source", "claim_no"), True),
            (("customer", "loss_date"), False),
        )

    @property
    def incurred(self):
        if self.status in ("declined", "withdrawn"):
            return Decimal("0.00")
        return self.paid + self.reserve


class Activity(SyncModel):
    """A contact with the customer: call, visit, message, service, complaint."""

    customer = ForeignKeyField(Customer, backref="activities")
    user = ForeignKeyField(User, null=True, backref="activities")
    kind = CharField(max_length=16, default="call")
    outcome = CharField(max_length=16, default="none")
    notes = TextField(default="")
    date = DateField()
    next_action_date = DateField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = (
            (("customer", "date"), False),
            (("user", "date"), False),
        )


class Task(SyncModel):
    assignee = ForeignKeyField(User, null=True, backref="tasks")
    customer = ForeignKeyField(Customer, null=True, backref="tasks")
    policy = ForeignKeyField(Policy, null=True, backref="tasks")
    kind = CharField(max_length=16, default="other")
    title = CharField(default="")
    due_date = DateField()
    status = CharField(max_length=16, default="open")
    rule = CharField(max_length=32, default="manual")  # the rule that made it, or manual
    dedupe_key = CharField(null=True)  # a rule makes each task once (per site)
    note = TextField(default="")
    done_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = (
            (("origin", "dedupe_key"), True),
            (("assignee", "status", "due_date"), False),
            # the team queue: all open tasks soonest first, and the load per person (covering)
            (("status", "due_date", "assignee", "deleted"), False),
        )


class BlacklistEntry(SyncModel):
    """A manual blacklist report; id_number lets HQ share it with every branch."""

    customer = ForeignKeyField(Customer, null=True, backref="blacklist_entries")
    id_number = CharField(max_length=32, null=True, index=True)
    name = CharField(default="")
    reason = CharField(max_length=24)
    unit = CharField(default="")  # the reporting business unit
    reporter = ForeignKeyField(User, null=True, backref="blacklist_reports")
    reported_on = DateField()
    evidence = TextField(default="")
    active = BooleanField(default=True)
    lifted_by = ForeignKeyField(User, null=True, backref="blacklist_lifts")
    lifted_on = DateField(null=True)
    lift_reason = TextField(null=True)

    class Meta:
        indexes = ((("unit", "reported_on"), False),)


class BlacklistShare(SyncModel):
    """HQ's decision about sharing one branch's blacklist entry with the other branches."""

    entry = ForeignKeyField(BlacklistEntry, backref="shares")
    shared = BooleanField(default=True)
    note = TextField(default="")
    decided_on = DateField(null=True)


class SegmentChange(SyncModel):
    customer = ForeignKeyField(Customer, backref="segment_changes")
    from_segment = CharField(max_length=16, null=True)
    to_segment = CharField(max_length=16)
    flow = CharField(max_length=16, null=True)
    reason = JSONField(null=True)
    changed_on = DateField(index=True)
    annual_premium = MoneyField(default=0)

    class Meta:
        indexes = ((("customer", "changed_on"), False),)


class RuleSettings(SyncModel):
    """One version of the segment thresholds and other rules; the highest version applies."""

    number = IntegerField()
    values = JSONField()
    note = TextField(default="")
    created_by = ForeignKeyField(User, null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("origin", "number"), True),)


class NetworkFlag(SyncModel):
    """HQ's view of one person (an ID number) across the network, for one branch that has
    them: key network-wide or blacklisted anywhere, with the reason in words. HQ owns every
    row and sends each to its addressee; the branch shows it beside its own segment."""

    addressee = CharField(max_length=16)  # the branch this flag is for
    id_number = CharField(max_length=32, index=True)
    segment = CharField(max_length=16)  # blacklist or key, network-wide
    reason = JSONField()
    branches = IntegerField(default=0)  # branches that have the person
    annual_premium = MoneyField(default=0)  # across the network
    evaluated_on = DateField()

    class Meta:
        indexes = ((("origin", "addressee", "id_number"), True),)


class AuditLog(SyncModel):
    at = DateTimeField(default=now, index=True)
    user = ForeignKeyField(User, null=True, backref="audit_entries")
    username = CharField(default="")
    action = CharField(max_length=48, index=True)
    target = CharField(default="")  # e.g. "customer:<uid>"
    details = JSONField(null=True)
    ip = CharField(max_length=64, default="")

    @classmethod
    def record(cls, action, user=None, target="", ip="", **details):
        """Append one audit entry; call it inside the transaction of the change it records."""
        return cls.create(
            action=action,
            user=user,
            username=getattr(user, "username", ""),
            target=target,
            ip=ip or "",
            details=details or None,
        )


# --- derived data (local, rebuilt from the synced rows) ----------------------------------------


class NameGram(BaseModel):
    """Every one- and two-character piece of each live customer's name, with the name for
    ordered scans, the customer's owning site (HQ filters by branch), account manager and town
    (an agent's customers): the index behind name search (kept by triggers, see
    inscrm.db.names)."""

    gram = CharField(max_length=8)
    name = CharField()
    name_key = TextField(default="")  # the customer's name key: pieces walk in pinyin order
    customer_id = IntegerField()
    origin = CharField(max_length=16, null=True)  # the customer's owning site (schema 6)
    # the customer's account manager and town: an agent's search reads its pieces alone
    manager_id = IntegerField(null=True)
    township_id = IntegerField(null=True)

    class Meta:
        primary_key = CompositeKey("gram", "name_key", "customer_id")
        without_rowid = True


class RuleDraft(BaseModel):
    """(HQ) Segment thresholds an analyst drafted, with the simulation of what they would do;
    an administrator publishes them as a new rule version (or they are discarded)."""

    changes = JSONField()  # {rule key: new value}
    note = TextField(default="")
    created_by = ForeignKeyField(User, null=True, backref="rule_drafts")
    created_at = DateTimeField(default=now)
    as_of = DateField(null=True)  # the date the simulation evaluated
    based_on = IntegerField(null=True)  # the rule version in force when it was simulated
    result = JSONField(null=True)  # the simulated migration matrix, per branch
    simulated_at = DateTimeField(null=True)
    status = CharField(max_length=16, default="draft")  # draft, published, discarded
    decided_by = ForeignKeyField(User, null=True, backref="rule_decisions")
    decided_at = DateTimeField(null=True)
    published = ForeignKeyField(RuleSettings, null=True)


class GramPosition(BaseModel):
    """The numbers 1..N, so triggers can cut a name into pieces without a CTE."""

    n = IntegerField(primary_key=True)


class SessionStoreModel(Model):
    """A row of the session store (`sessions_db`): site-local, never synced, never copied."""

    class Meta:
        database = sessions_db
        legacy_table_names = False


class LoginSession(SessionStoreModel):
    """A signed-in browser: the cookie carries a random id, this row its SHA-256, so a session
    ends when its row goes (logout, a new password, a deactivated account, idle or too old).
    The user is named by uid (the store may be another file: no foreign key, and a restored
    backup never gives the session to someone else)."""

    key = CharField(max_length=64, primary_key=True)
    user_uid = CharField(max_length=36, index=True)
    created_at = DateTimeField()
    seen_at = DateTimeField()
    ip = CharField(max_length=64, default="")

    class Meta:
        table_name = "user_session"


class LoginThrottle(SessionStoreModel):
    """Failed logins of one client address ("client:…") or one user name ("user:…"), known
    or not, and until when the next attempt must wait."""

    key = CharField(max_length=200, primary_key=True)
    failures = IntegerField(default=0)
    until = DateTimeField(null=True)
    last_at = DateTimeField()

    class Meta:
        table_name = "login_failure"


SESSION_MODELS = [LoginSession, LoginThrottle]
SYNCED_MODELS = [
    Branch, User, Township, Customer, CustomerRef, Vehicle, Policy, Claim, Activity, Task,
    BlacklistEntry, BlacklistShare, SegmentChange, RuleSettings, NetworkFlag, AuditLog,
]
LOCAL_MODELS = [Meta, SyncClock, Site, SyncLedger, PeerState, NameGram, GramPosition, RuleDraft]
MODELS = LOCAL_MODELS + SYNCED_MODELS
