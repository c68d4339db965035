"""Rule settings: the segment thresholds of DESIGN §2 and the other rules, versioned.

The highest `RuleSettings.number` applies; a change writes a new version, so the history of
thresholds is kept and syncs down from HQ like any other row. A branch that joined an HQ reads
HQ's versions (its own defaults until HQ's first bundle arrives) and cannot change them; HQ and a
standalone installation keep their own.
"""

from decimal import Decimal

from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import AuditLog, RuleSettings, Site
from inscrm.validators import Invalid

DEFAULTS = {
    # 2. key customers
    "key_annual_premium": "50000.00",  # 以上: >=
    "key_tender_premium": "50000.00",  # a single in-force tender policy, >=
    "key_channel_premium": "500000.00",  # intermediaries, >=
    # 3. quality customers
    "quality_claim_free_years": 3,  # >=
    "quality_tenure_years": 3,  # >=
    "quality_max_loss_ratio": "0.30",  # 以下: <=
    # 1. automatic blacklist by claims
    "blacklist_claims_12m": 3,  # >=
    "blacklist_loss_ratio_12m": "1.50",  # 超: >
    # continuity and prospects
    "coverage_gap_days": 30,  # next start - previous end <= 30 days keeps cover continuous
    "prospect_intent_days": 365,
    # blacklist quota per reporting unit and year (the paper's minimum)
    "blacklist_quota": 5,
    # service plans per segment (inscrm.service): how an account manager keeps in touch, and
    # how often; null = no plan (standard customers get their renewal contacts only)
    "service_plans": {
        "key": {"kind": "visit", "days": 90},
        "quality": {"kind": "call", "days": 180},
        "standard": None,
        "prospect": None,
        "floating": None,
        "blacklist": None,
    },
    "service_task_lead_days": 14,  # service tasks appear this many days before they are due
    # the quote check's advice per segment (inscrm.quote); discount_max is a fraction
    "quote_recommendations": {
        "key": {"action": "accept_discount", "discount_max": "0.15"},
        "quality": {"action": "accept_discount", "discount_max": "0.10"},
        "standard": {"action": "accept"},
        "prospect": {"action": "accept"},
        "floating": {"action": "accept"},
        "blacklist": {"action": "decline"},
    },
    "quote_refer_loss_ratio": "1.00",  # 12-month loss ratio above this: refer to the manager

    # --- account managers' work: tasks, renewals, KPIs (inscrm.tasks, inscrm.kpi) ---
    "renewal_task_days": [60, 30, 7],  # a renewal task at each of these days before expiry
    "renewal_window_days": 30,  # a renewal starting at most this long after expiry counts
    "premium_at_risk_days": 60,  # in-force premium expiring within this many days, not renewed
    "winback_task_days": 30,  # a win-back task this long before a competitor policy ends
    "follow_up_lookback_days": 30,  # next-action dates older than this make no task any more
}


# The thresholds of the segment rules (DESIGN §2), edited on the rule settings page; the other
# keys have pages of their own (service plans, quote advice, tasks).
SEGMENT_RULES = (
    "key_annual_premium", "key_tender_premium", "key_channel_premium",
    "quality_claim_free_years", "quality_tenure_years", "quality_max_loss_ratio",
    "blacklist_claims_12m", "blacklist_loss_ratio_12m",
    "coverage_gap_days", "prospect_intent_days", "blacklist_quota",
)

# How each threshold is entered: money in yuan, a ratio as a percentage, or a whole number.
MONEY = ("key_annual_premium", "key_tender_premium", "key_channel_premium")
RATIOS = ("quality_max_loss_ratio", "blacklist_loss_ratio_12m")


def parse(form):
    """The changed segment thresholds from text fields (ratios given in percent); raises
    Invalid."""
    from inscrm.i18n import N_
    from inscrm.validators import Invalid, parse_money

    values, changes = current(), {}
    for key in SEGMENT_RULES:
        text = str(form.get(key, "")).strip()
        if not text:
            continue
        try:
            if key in MONEY:
                value = str(parse_money(text))
            elif key in RATIOS:
                value = str((parse_money(text) / 100).quantize(Decimal("0.0001")))
            else:
                value = int(text)
                if value < 0:
                    raise ValueError(text)
        except (Invalid, ValueError):
            raise Invalid(N_("%(field)s: not a valid value (%(value)s)."), field=key,
                          value=text) from None
        if Decimal(str(value)) != Decimal(str(values[key])):
            changes[key] = value
    return changes


def from_hq():
    """True at a branch that joined an HQ: its rules are HQ's, read-only here."""
    hq = Site.headquarters()
    return hq is not None and not hq.is_self


def versions():
    """The versions of the rules that apply here, newest first (unexecuted)."""
    query = RuleSettings.live().order_by(RuleSettings.number.desc())
    hq = Site.headquarters()
    if (hq is not None and not hq.is_self
            and query.where(RuleSettings.origin == hq.code).exists()):
        return query.where(RuleSettings.origin == hq.code)
    return query.where(RuleSettings.owned_here())


def latest():
    """The version in force, or None."""
    return versions().first()


def current():
    """The thresholds in force: the latest version over the defaults."""
    latest_version = latest()
    values = dict(DEFAULTS)
    if latest_version is not None:
        values.update(latest_version.values)
    return values


def as_decimal(values, key):
    return Decimal(str(values[key]))


def save(changes, user=None, note=""):
    """Write a new version with `changes` applied; returns the new RuleSettings row."""
    if from_hq():
        raise Invalid(N_("The rule settings come from HQ; they can only be changed there."))
    with writing():
        own = RuleSettings.live().where(RuleSettings.owned_here())
        newest = own.order_by(RuleSettings.number.desc()).first()
        values = current()
        before = dict(values)
        values.update(changes)
        row = RuleSettings.create(
            number=(newest.number + 1) if newest else 1, values=values, note=note, created_by=user
        )
        changed = {k: [before.get(k), v] for k, v in changes.items() if before.get(k) != v}
        AuditLog.record("rules_changed", user, target=f"rule_settings:{row.uid}", changes=changed)
    return row
