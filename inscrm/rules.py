"""Rule settings: the segment thresholds of DESIGN §2 and the other rules, versioned.

The highest `RuleSettings.number` applies; a change writes a new version, so the history of
thresholds is kept and syncs down from HQ like any other row.
"""

from decimal import Decimal

from inscrm.models import AuditLog, RuleSettings, db

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
    # --- account managers' work: tasks, renewals, KPIs (inscrm.tasks, inscrm.kpi) ---
    "renewal_task_days": [60, 30, 7],  # a renewal task at each of these days before expiry
    "renewal_window_days": 30,  # a renewal starting at most this long after expiry counts
    "premium_at_risk_days": 60,  # in-force premium expiring within this many days, not renewed
    "winback_task_days": 30,  # a win-back task this long before a competitor policy ends
    "follow_up_lookback_days": 30,  # next-action dates older than this make no task any more
}


def current():
    """The thresholds in force: the latest version over the defaults."""
    latest = RuleSettings.live().order_by(RuleSettings.number.desc()).first()
    values = dict(DEFAULTS)
    if latest is not None:
        values.update(latest.values)
    return values


def as_decimal(values, key):
    return Decimal(str(values[key]))


def save(changes, user=None, note=""):
    """Write a new version with `changes` applied; returns the new RuleSettings row."""
    with db.atomic():
        latest = RuleSettings.live().order_by(RuleSettings.number.desc()).first()
        values = current()
        before = dict(values)
        values.update(changes)
        row = RuleSettings.create(
            number=(latest.number + 1) if latest else 1, values=values, note=note, created_by=user
        )
        changed = {k: [before.get(k), v] for k, v in changes.items() if before.get(k) != v}
        AuditLog.record("rules_changed", user, target=f"rule_settings:{row.uid}", changes=changed)
    return row
