"""Words for the codes stored in the database, as gettext msgids (the catalog has the Chinese)."""

import re

from inscrm.i18n import N_

LABELS = {
    "segment": {
        "blacklist": N_("Blacklist"),
        "key": N_("Key"),
        "quality": N_("Quality"),
        "standard": N_("Standard"),
        "prospect": N_("Prospect"),
        "floating": N_("Floating"),
    },
    "role": {
        "agent": N_("Account manager"),
        "claims": N_("Claims staff"),
        "manager": N_("Branch manager"),
        "analyst": N_("HQ analyst"),
        "admin": N_("Administrator"),
    },
    "customer_kind": {"individual": N_("Individual"), "corporate": N_("Corporate")},
    "id_type": {
        "resident_id": N_("Resident ID"),
        "uscc": N_("Unified social credit code"),
        "passport": N_("Passport"),
        "other": N_("Other"),
    },
    "source": {
        "canvass": N_("Canvassing"),
        "yellow_pages": N_("Yellow pages"),
        "dealer": N_("Car dealer"),
        "guarantor": N_("Guarantee company"),
        "walk_in": N_("Walk-in"),
        "referral": N_("Referral"),
        "core_system": N_("Core system"),
        "intermediary": N_("Intermediary"),
    },
    "credit": {"good": N_("Good"), "bad": N_("Bad"), "unknown": N_("Unknown")},
    "intermediary_type": {
        "parttime_agency": N_("Part-time agency"),
        "agency": N_("Professional agency"),
        "broker": N_("Broker"),
    },
    "key_designation": {
        "brand": N_("Brand"),
        "social_standing": N_("Social standing"),
        "big_project": N_("Big project"),
    },
    "channel": {
        "direct": N_("Direct"),
        "agency": N_("Agency"),
        "broker": N_("Broker"),
        "tender": N_("Tender"),
    },
    "claim_status": {
        "open": N_("Open"),
        "closed": N_("Closed"),
        "declined": N_("Declined"),
        "withdrawn": N_("Withdrawn"),
    },
    "activity_kind": {
        "call": N_("Call"),
        "visit": N_("Visit"),
        "message": N_("Message"),
        "service": N_("Service"),
        "complaint": N_("Complaint"),
    },
    "outcome": {
        "interested": N_("Interested"),
        "quoted": N_("Quoted"),
        "not_interested": N_("Not interested"),
        "won": N_("Won"),
        "lost": N_("Lost"),
        "none": N_("No result"),
    },
    "task_kind": {
        "renewal": N_("Renewal"),
        "follow_up": N_("Follow-up"),
        "win_back": N_("Win-back"),
        "blacklist_review": N_("Blacklist review"),
        "service": N_("Service plan"),
        "other": N_("Other"),
    },
    "import_kind": {
        "customers": N_("Customer records"),
        "policies": N_("Policies"),
        "claims": N_("Claims"),
        "activities": N_("Contacts"),
        "blacklist": N_("Blacklist entries"),
    },
    "task_status": {"open": N_("Open"), "done": N_("Done"), "cancelled": N_("Cancelled")},
    "blacklist_reason": {
        "fraud": N_("Fraud tendency"),
        "hard_to_negotiate": N_("Hard to negotiate after a loss"),
        "catastrophe": N_("Insured right before a catastrophe / high risk"),
        "other": N_("Other"),
    },
    "flow": {
        "mining": N_("Mining"),
        "growth": N_("Growth"),
        "value_growth": N_("Value growth"),
        "stripping": N_("Stripping"),
        "churn": N_("Churn"),
        "downgrade": N_("Downgrade"),
        "reinstated": N_("Reinstated"),
    },
}


def label(kind, code):
    """The msgid for a code, or the code itself when it has no label."""
    return LABELS.get(kind, {}).get(code, code or "")


# What the system itself writes into rows as words, stored as a code or an English msgid and
# worded on display; older rows hold the Chinese words the office used to get, read the same.
SERVICE_TITLES = {
    "message": N_("Greeting message"),
    "call": N_("Follow-up call"),
    "visit": N_("Home visit"),
}
_OLD_SERVICE_TITLES = {"短信问候": "message", "电话回访": "call", "上门拜访": "visit"}
SYSTEM_NOTES = {
    "defaults": N_("Default thresholds"),
    "service plans and quote advice": N_("Service plans and quote advice"),
}


def task_title(kind, title):
    """The msgid of a title the system wrote (a service plan's task), or None: a policy number
    or the notes of a call are data, shown as written."""
    if kind != "service" or not title:
        return None
    code = _OLD_SERVICE_TITLES.get(title)
    return SERVICE_TITLES[code] if code else title


_DRAFT_NOTE = re.compile(r"draft (\d+)")  # a published HQ draft that had no note of its own


def system_note(note, translate):
    """A rule version's note in the language of `translate` when the system wrote it (the
    first thresholds, a published draft); a person's note as written."""
    if note in SYSTEM_NOTES:
        return translate(SYSTEM_NOTES[note])
    draft = _DRAFT_NOTE.fullmatch(note or "")
    if draft:
        return translate(N_("Draft %(number)s")) % {"number": draft.group(1)}
    return note or ""
