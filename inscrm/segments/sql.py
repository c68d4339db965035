"""The SQL of the segment rules (DESIGN §2): figures as of :d, then the first segment that holds.

`figure_queries` are read-only aggregate SELECTs, one per source (policies, claims, channels,
blacklist entries, intents), each with an optional customer filter; `decision_sql` joins them
to the customers and decides segment and reason in one CASE, in DESIGN's order. Money is in
integer cents; ratios are compared by cross-multiplication with the threshold as a fraction.
Written once for both engines; the few expressions they spell differently (date arithmetic,
number formatting, JSON) come from `inscrm.db.dialect`. Parameters are `:name`, run through
`dialect.execute`.
"""

import datetime as dt
from decimal import Decimal

from inscrm.db import dialect
from inscrm.formatting import money
from inscrm.i18n import N_
from inscrm.models import OUR_INSURER
from inscrm.segments import rules

# Reasons in words: gettext msgids whose figures the SQL fills in, preformatted.
MSG = {
    "bl_fraud": N_("Blacklisted for fraud tendency (reported %(date)s, %(unit)s)"),
    "bl_hard_to_negotiate": N_(
        "Blacklisted as hard to negotiate after a loss (reported %(date)s, %(unit)s)"),
    "bl_catastrophe": N_(
        "Blacklisted as insured right before a catastrophe / high risk "
        "(reported %(date)s, %(unit)s)"),
    "bl_other": N_("Blacklisted (reported %(date)s, %(unit)s)"),
    "bl_claims": N_("%(count)s claims in the last 12 months, loss ratio %(ratio)s > %(threshold)s"),
    "key_annual": N_("Annual premium %(premium)s ≥ %(threshold)s"),
    "key_tender": N_("Tender policy in force, premium %(premium)s ≥ %(threshold)s"),
    "key_brand": N_("Key customer by designation: brand"),
    "key_social_standing": N_("Key customer by designation: social standing"),
    "key_big_project": N_("Key customer by designation: big project"),
    "key_channel": N_("Intermediary channel premium %(premium)s ≥ %(threshold)s"),
    "quality_claim_free": N_("%(years)s years without a claim (≥ %(threshold)s)"),
    "quality_tenure": N_("Insured %(years)s years (≥ %(years_threshold)s), cumulative loss "
                         "ratio %(ratio)s ≤ %(threshold)s"),
    "standard": N_("Policy in force until %(date)s; annual premium %(premium)s"),
    "prospect_lapsed": N_("No policy in force; our latest policy started %(date)s"),
    "prospect_intent": N_("Interest or quote recorded on %(date)s"),
    "floating": N_("Never insured with us"),
    "floating_upcoming": N_("No policy in force yet; our first policy starts %(date)s"),
}

_NOT_PAID = "('declined', 'withdrawn')"



def _ours(table=""):
    """`Policy.ours()` as SQL text: our insurer (a literal constant, not user input), not a
    tombstone."""
    prefix = f"{table}." if table else ""
    return f"{prefix}insurer = '{OUR_INSURER}' AND NOT {prefix}deleted"

def _money_sql(cents):
    """¥12,345.60 from integer cents, in SQL (same text as inscrm.formatting.money)."""
    return dialect.money_text(cents)


def _percent_sql(part, whole):
    """part/whole as `inscrm.formatting.loss_ratio` prints it: one decimal, rounded up (so
    '> 150%' never reads as 150%)."""
    tenths = dialect.int_div(f"({part}) * 1000 + ({whole}) - 1", f"({whole})")
    return (f"CASE WHEN ({whole}) > 0 THEN {dialect.fixed1_text(tenths)} || '%' "
            "ELSE '—' END")


def _text(param):
    """A text parameter where its type cannot be inferred (inside a JSON object)."""
    return f"CAST({param} AS TEXT)"


def _int(param):
    return f"CAST({param} AS INTEGER)"


def _reason_sql(key, **params):
    """A JSON object for one reason part; params are SQL expressions for the figures."""
    figures = dialect.json_object(params.items())
    return dialect.json_object([("msg", _text(f":msg_{key}")), ("params", figures)])


def _whole_years_sql(since):
    """Whole years from the date `since` to :d."""
    later_in_year = f"CASE WHEN {dialect.month_day_of(since)} > :d_md THEN 1 ELSE 0 END"
    return f"(:d_year - {dialect.year_of(since)} - {later_in_year})"


def _percent_text(value):
    """A threshold ratio (Decimal) as the reasons print it: 150%, 30%, 12.5%."""
    text = f"{Decimal(value) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def parameters(as_of, values=None):
    """The named SQL parameters for evaluating as of `as_of` under the rule values."""
    values = values or rules.current()

    def cents(key):
        return int(rules.as_decimal(values, key) * 100)

    def fraction(key):
        return rules.as_decimal(values, key).as_integer_ratio()

    quality_num, quality_den = fraction("quality_max_loss_ratio")
    bl_num, bl_den = fraction("blacklist_loss_ratio_12m")
    params = {
        "d": dialect.date_value(as_of),
        "d365": dialect.date_value(as_of - dt.timedelta(days=365)),
        "d_intent": dialect.date_value(
            as_of - dt.timedelta(days=int(values["prospect_intent_days"]))),
        "d_year": as_of.year,
        "d_md": as_of.isoformat()[5:],
        "gap": int(values["coverage_gap_days"]),
        "key_annual": cents("key_annual_premium"),
        "key_tender": cents("key_tender_premium"),
        "key_channel": cents("key_channel_premium"),
        "claim_free_years": int(values["quality_claim_free_years"]),
        "tenure_years": int(values["quality_tenure_years"]),
        "q_num": quality_num, "q_den": quality_den,
        "bl_claims": int(values["blacklist_claims_12m"]),
        "bl_num": bl_num, "bl_den": bl_den,
        "t_key_annual": money(rules.as_decimal(values, "key_annual_premium")),
        "t_key_tender": money(rules.as_decimal(values, "key_tender_premium")),
        "t_key_channel": money(rules.as_decimal(values, "key_channel_premium")),
        "t_quality_ratio": _percent_text(rules.as_decimal(values, "quality_max_loss_ratio")),
        "t_bl_ratio": _percent_text(rules.as_decimal(values, "blacklist_loss_ratio_12m")),
    }
    params.update({f"msg_{key}": msgid for key, msgid in MSG.items()})
    return params


def listed(ids):
    """Integer ids as the inside of an SQL `IN (…)`."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def _only(column, ids):
    """The customer filter: nothing for a full run, `AND column IN (…)` for some customers."""
    if ids is None:
        return ""
    return f" AND {column} IN ({listed(ids)})"


def figure_queries(ids=None):
    """(name, SELECT) pairs computing every per-customer figure as of :d — read-only."""
    # The continuous-cover run: a policy starts a new run when it begins more than :gap days
    # after the latest end of the policies before it; the run covering D starts at the last such.
    run_rows = f"""
        SELECT customer_id, start_date,
               MAX(end_date) OVER (PARTITION BY customer_id ORDER BY start_date, id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
        FROM policy
        WHERE {_ours()} AND NOT cancelled
          AND start_date <= :d{_only('customer_id', ids)}"""
    live = "NOT cancelled"
    in_force = f"{live} AND end_date >= :d"
    claim_rows = f"""
        SELECT c.customer_id, c.loss_date, c.status,
               CASE WHEN c.status IN {_NOT_PAID} THEN 0 ELSE c.paid + c.reserve END AS inc
        FROM claim c JOIN policy p ON p.id = c.policy_id AND {_ours('p')}
        WHERE NOT c.deleted AND c.loss_date <= :d
          AND (c.report_date IS NULL OR c.report_date <= :d){_only('c.customer_id', ids)}"""
    active = ("NOT b.deleted AND b.reported_on <= :d "
              "AND (b.lifted_on > :d OR (b.lifted_on IS NULL AND b.active))")
    return [
        ("seg_pol", f"""
            SELECT customer_id AS cid,
                MAX(CASE WHEN {in_force} THEN 1 ELSE 0 END) AS in_force,
                MAX(CASE WHEN {in_force} THEN end_date END) AS cover_end,
                SUM(CASE WHEN {live} AND start_date > :d365 THEN premium ELSE 0 END) AS annual,
                SUM(CASE WHEN {live} THEN premium ELSE 0 END) AS premium_all,
                SUM(CASE WHEN {live} AND end_date > :d365 THEN premium ELSE 0 END) AS premium_12m,
                MAX(CASE WHEN {in_force} AND channel = 'tender' THEN premium END) AS tender,
                MAX(start_date) AS latest_start
            FROM policy
            WHERE {_ours()} AND start_date <= :d{_only('customer_id', ids)}
            GROUP BY customer_id"""),
        ("seg_run", f"""
            SELECT customer_id AS cid, MAX(start_date) AS run_start
            FROM ({run_rows}) AS runs
            WHERE prev_end IS NULL OR {dialect.days_between('start_date', 'prev_end')} > :gap
            GROUP BY customer_id"""),
        ("seg_clm", f"""
            SELECT customer_id AS cid,
                MAX(CASE WHEN status NOT IN {_NOT_PAID} THEN loss_date END) AS last_loss,
                SUM(inc) AS incurred,
                SUM(CASE WHEN loss_date > :d365 AND inc > 0 THEN 1 ELSE 0 END) AS claims_12m,
                SUM(CASE WHEN loss_date > :d365 THEN inc ELSE 0 END) AS incurred_12m
            FROM ({claim_rows}) AS claims GROUP BY customer_id"""),
        ("seg_chan", f"""
            SELECT intermediary_id AS cid, SUM(premium) AS channel
            FROM policy
            WHERE intermediary_id IS NOT NULL AND {_ours()} AND NOT cancelled
              AND start_date > :d365 AND start_date <= :d{_only('intermediary_id', ids)}
            GROUP BY intermediary_id"""),
        # an entry made here for the customer, or for the same ID number (shared down by HQ)
        ("seg_bl", f"""
            SELECT cid, reason, unit, reported_on AS since FROM (
                SELECT cid, reason, unit, reported_on,
                       ROW_NUMBER() OVER (PARTITION BY cid ORDER BY reported_on, eid) AS nth
                FROM (
                    SELECT b.customer_id AS cid, b.reason, b.unit, b.reported_on, b.id AS eid
                    FROM blacklist_entry b
                    WHERE b.customer_id IS NOT NULL AND {active}{_only('b.customer_id', ids)}
                    UNION ALL
                    SELECT c.id, b.reason, b.unit, b.reported_on, b.id
                    FROM blacklist_entry b JOIN customer c ON c.id_number = b.id_number
                    WHERE b.id_number <> '' AND b.customer_id IS DISTINCT FROM c.id
                      AND {active}{_only('c.id', ids)}) AS entries) AS first_entries
            WHERE nth = 1"""),
        # a policy signed that starts after :d: the customer is not "never insured"
        ("seg_next", f"""
            SELECT customer_id AS cid, MIN(start_date) AS next_start
            FROM policy
            WHERE {_ours()} AND NOT cancelled AND start_date > :d{_only('customer_id', ids)}
            GROUP BY customer_id"""),
        ("seg_act", f"""
            SELECT customer_id AS cid, MAX(date) AS intent_on
            FROM activity
            WHERE NOT deleted AND outcome IN ('interested', 'quoted')
              AND date > :d_intent AND date <= :d{_only('customer_id', ids)}
            GROUP BY customer_id"""),
    ]


def decision_sql(ids):
    """One row per customer: the first segment that holds, its reason, the annual premium."""
    in_force = "coalesce(p.in_force, 0) = 1"
    annual = "coalesce(p.annual, 0)"
    auto_blacklist = (
        "(c.exempt_until IS NULL OR c.exempt_until < :d) "
        "AND coalesce(k.claims_12m, 0) >= :bl_claims "
        "AND k.incurred_12m * :bl_den > coalesce(p.premium_12m, 0) * :bl_num")
    claim_free_since = ("CASE WHEN k.last_loss > r.run_start THEN k.last_loss "
                        "ELSE r.run_start END")
    claim_free = f"{_whole_years_sql(claim_free_since)} >= :claim_free_years"
    tenure_ok = (f"{_whole_years_sql('r.run_start')} >= :tenure_years AND p.premium_all > 0 "
                 "AND coalesce(k.incurred, 0) * :q_den <= p.premium_all * :q_num")
    quality = f"{in_force} AND c.credit IS DISTINCT FROM 'bad'"
    channel = "coalesce(c.intermediary_type, '') <> '' AND coalesce(ch.channel, 0) >= :key_channel"
    # (segment, condition, reason) in DESIGN's order; the first that holds wins
    branches = [("blacklist", f"bl.cid IS NOT NULL AND bl.reason = '{r}'",
                 _reason_sql(f"bl_{r}", date="bl.since",
                             unit="CASE WHEN bl.unit <> '' THEN bl.unit ELSE '—' END"))
                for r in ("fraud", "hard_to_negotiate", "catastrophe")]
    branches += [
        ("blacklist", "bl.cid IS NOT NULL",
         _reason_sql("bl_other", date="bl.since",
                     unit="CASE WHEN bl.unit <> '' THEN bl.unit ELSE '—' END")),
        ("blacklist", auto_blacklist,
         _reason_sql("bl_claims", count="k.claims_12m",
                     ratio=_percent_sql("k.incurred_12m", "coalesce(p.premium_12m, 0)"),
                     threshold=_text(":t_bl_ratio"))),
        ("key", f"{in_force} AND {annual} >= :key_annual",
         _reason_sql("key_annual", premium=_money_sql(annual), threshold=_text(":t_key_annual"))),
        ("key", f"{in_force} AND coalesce(p.tender, 0) >= :key_tender",
         _reason_sql("key_tender", premium=_money_sql("p.tender"),
                     threshold=_text(":t_key_tender"))),
    ]
    branches += [("key", f"{in_force} AND c.key_designation = '{d}'", _reason_sql(f"key_{d}"))
                 for d in ("brand", "social_standing", "big_project")]
    branches += [
        ("key", channel,
         _reason_sql("key_channel", premium=_money_sql("ch.channel"),
                     threshold=_text(":t_key_channel"))),
        ("quality", f"{quality} AND {claim_free}",
         _reason_sql("quality_claim_free", years=_whole_years_sql(claim_free_since),
                     threshold=_int(":claim_free_years"))),
        ("quality", f"{quality} AND {tenure_ok}",
         _reason_sql("quality_tenure", years=_whole_years_sql("r.run_start"),
                     years_threshold=_int(":tenure_years"),
                     ratio=_percent_sql("coalesce(k.incurred, 0)", "p.premium_all"),
                     threshold=_text(":t_quality_ratio"))),
        ("standard", in_force,
         _reason_sql("standard", date="p.cover_end", premium=_money_sql(annual))),
        ("prospect", "a.cid IS NOT NULL AND (p.cid IS NULL OR a.intent_on >= p.latest_start)",
         _reason_sql("prospect_intent", date="a.intent_on")),
        ("prospect", "p.cid IS NOT NULL",
         _reason_sql("prospect_lapsed", date="p.latest_start")),
        ("prospect", "a.cid IS NOT NULL",
         _reason_sql("prospect_intent", date="a.intent_on")),
        ("floating", "nx.cid IS NOT NULL",
         _reason_sql("floating_upcoming", date="nx.next_start")),
    ]
    segment = " ".join(f"WHEN {cond} THEN '{seg}'" for seg, cond, _ in branches)
    reason = " ".join(f"WHEN {cond} THEN {why}" for _, cond, why in branches)
    return f"""
        SELECT c.id AS id,
            CASE {segment} ELSE 'floating' END AS segment,
            {dialect.json_text(f"CASE {reason} ELSE {_reason_sql('floating')} END")} AS reason,
            {annual} AS annual
        FROM customer c
        LEFT JOIN seg_pol p ON p.cid = c.id
        LEFT JOIN seg_run r ON r.cid = c.id
        LEFT JOIN seg_clm k ON k.cid = c.id
        LEFT JOIN seg_chan ch ON ch.cid = c.id
        LEFT JOIN seg_bl bl ON bl.cid = c.id
        LEFT JOIN seg_act a ON a.cid = c.id
        LEFT JOIN seg_next nx ON nx.cid = c.id
        WHERE NOT c.deleted{_only('c.id', ids)}"""
