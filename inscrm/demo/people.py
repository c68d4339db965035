"""Who the demo customers are: their profile (the story their data tells), identity and contacts.

A profile is chosen first and the policies, claims and contacts are then made to fit it, so that
every segment of DESIGN §2 ends up well populated when the segment rules run over the data:

    floating     known from canvass lists, yellow pages, dealers; never insured with us
    intent       never insured with us, but interested or quoted within the last year (prospect)
    lapsed       our policies ended more than 30 days ago (prospect)
    competitor   lapsed, and now insured with a competitor (prospect)
    cancelled    the last policies were cancelled (prospect)
    standard     in force: short cover, or recent losses, or bad credit
    quality      in force for at least 4 years with no losses in the last 3 (or very few)
    key          in force with big premiums, a big tender policy or a key designation
    blacklist    in force, 3+ losses in the last 12 months costing over 150% of the premium
"""

from dataclasses import dataclass

from inscrm.demo import words
from inscrm.demo.identity import Picker

INSURED = ("lapsed", "competitor", "cancelled", "standard", "quality", "key", "blacklist")
IN_FORCE = ("standard", "quality", "key", "blacklist")

INDIVIDUAL_PROFILES = Picker(
    ("floating", "intent", "lapsed", "competitor", "cancelled", "standard", "quality", "blacklist"),
    (21, 6, 9, 4, 1, 34, 22.5, 0.7),
)
CORPORATE_PROFILES = Picker(
    ("floating", "intent", "lapsed", "competitor", "cancelled", "standard", "quality", "key"),
    (22, 6, 8, 5, 1, 22, 12, 24),
)
SOURCES = {
    "floating": Picker(("canvass", "yellow_pages", "dealer", "guarantor"), (35, 25, 25, 15)),
    "intent": Picker(("canvass", "dealer", "referral", "walk_in", "yellow_pages"),
                     (30, 25, 20, 15, 10)),
    "insured": Picker(("core_system", "referral", "walk_in", "dealer", "intermediary"),
                      (80, 6, 6, 4, 4)),
}
CREDITS = {
    "floating": Picker(("unknown", "good"), (80, 20)),
    "quality": Picker(("good", "unknown"), (85, 15)),
    "standard": Picker(("good", "unknown", "bad"), (72, 20, 8)),
    "blacklist": Picker(("bad", "good", "unknown"), (60, 20, 20)),
    "other": Picker(("good", "unknown", "bad"), (60, 32, 8)),
}
DISTRICT = Picker(words.DISTRICT_WEIGHTS, words.DISTRICT_WEIGHTS.values())
BLACKLIST_REASONS = Picker(("fraud", "hard_to_negotiate", "catastrophe", "other"),
                           (45, 30, 15, 10))


@dataclass(slots=True)
class Person:
    """One customer while their rows are being made."""

    id: int
    kind: str
    profile: str
    town: object
    agent: int | None  # the town's account manager, who calls on them
    manager: int | None  # the assigned account manager, None for some
    credit: str = "unknown"
    industry: str | None = None
    shipping: bool = False
    variant: str = ""  # how a standard or quality customer got there
    blacklist_reason: str | None = None  # a manual report (active)
    lifted_reason: str | None = None  # a manual report since lifted
    key_designation: str | None = None


def choose(demo, kind):
    """A new Person: kind, profile, town, account manager, credit, manual decisions."""
    rng = demo.rng
    profile = (INDIVIDUAL_PROFILES if kind == "individual" else CORPORATE_PROFILES)(rng)
    district = DISTRICT(rng)
    towns = demo.towns_by_district[district]
    town = towns[rng.randrange(len(towns))]
    agent = town.agent or demo.staff.agents[rng.randrange(len(demo.staff.agents))]
    assigned = rng.random() < (0.55 if profile in ("floating", "intent") else 0.88)
    manager = agent if assigned else None
    if assigned and rng.random() < 0.03:  # moved to a colleague
        manager = demo.staff.agents[rng.randrange(len(demo.staff.agents))]
    person = Person(demo.tables.customer.reserve(), kind, profile, town, agent, manager)
    person.credit = CREDITS.get(profile, CREDITS["other"])(rng)
    if kind == "corporate":
        person.industry = demo.ident.industry(rng)
        person.shipping = words.INDUSTRIES[person.industry][2]
    if profile == "standard":
        person.variant = rng.choices(("short", "returning", "bad_credit", "losses"),
                                     (48, 17, 15, 20))[0]
        if person.variant == "bad_credit":
            person.credit = "bad"
    elif profile == "quality":
        person.variant = "claim_free" if rng.random() < 0.75 else "low_loss"
    if profile in ("standard", "lapsed", "competitor") and rng.random() < 0.013:
        person.blacklist_reason = BLACKLIST_REASONS(rng)
    elif profile in ("standard", "quality") and rng.random() < 0.004:
        person.lifted_reason = BLACKLIST_REASONS(rng)
    if profile == "key" and rng.random() < 0.15:
        person.key_designation = rng.choice(tuple(words.KEY_REASONS))
    return person


def customer_row(demo, person, last_contact):
    """Write the customer row (its id was reserved by `choose`)."""
    rng, ident = demo.rng, demo.ident
    district, town = person.town.district, person.town.name
    area_code, prefix, _ = words.DISTRICTS[district]
    source_kind = "insured" if person.profile in INSURED else person.profile
    source = SOURCES[source_kind](rng)
    phone2 = birth = key_reason = None
    if person.kind == "individual":
        male = rng.random() < 0.55
        name = ident.person_name(male)
        birth = ident.birth_date()
        if rng.random() < 0.12:
            area_code = rng.choice(words.OTHER_AREA_CODES)
        id_type, id_number = "resident_id", ident.resident_id(area_code, birth, male)
        phone = ident.mobile()
        address = ident.village_address(district, town)
        birth = birth.isoformat()
    else:
        trade = words.INDUSTRIES[person.industry][0]
        name = ident.firm_name(prefix, trade)
        id_type, id_number = "uscc", ident.uscc(words.DISTRICTS[district][0])
        phone, phone2 = ident.landline(), ident.mobile()
        address = ident.firm_address(district, town)
    if person.key_designation:
        key_reason = rng.choice(words.KEY_REASONS[person.key_designation])
    demo.tables.customer.put(
        person.id, person.kind, name, id_type, id_number, phone, phone2, address,
        person.town.id, person.industry, source, person.credit, None, person.manager, birth,
        person.key_designation, key_reason, last_contact,
    )
    if person.profile in INSURED:
        demo.core_refs += 1
        demo.tables.customer_ref.add(person.id, "core", f"C3304{demo.core_refs:06d}")
    return name, id_number


INTERMEDIARY_KINDS = (
    ("parttime_agency", "{prefix}{brand}汽车销售服务有限公司"),
    ("agency", "浙江{brand}保险代理有限公司"),
    ("broker", "{brand}保险经纪有限公司嘉兴分公司"),
)


def intermediaries(demo, count):
    """The branch's intermediaries: car dealers (兼业代理), agencies and brokers.

    Returns [(intermediary_type, id)] in the order made; the generator gives the first ones
    the most business.
    """
    rng, ident = demo.rng, demo.ident
    found = []
    for n in range(count):
        kind, pattern = INTERMEDIARY_KINDS[n] if n < 3 else rng.choices(
            INTERMEDIARY_KINDS, (50, 35, 15))[0]
        district = DISTRICT(rng)
        area_code, prefix, _ = words.DISTRICTS[district]
        towns = demo.towns_by_district[district]
        town = towns[rng.randrange(len(towns))]
        brand = rng.choice(words.FIRM_WORDS) + rng.choice(words.FIRM_WORDS)
        row_id = demo.tables.customer.add(
            "corporate", pattern.format(prefix=prefix, brand=brand), "uscc",
            ident.uscc(area_code), ident.landline(), ident.mobile(),
            ident.firm_address(district, town.name), town.id, "保险中介", "intermediary", "good",
            kind, town.agent, None, None, None, None,
        )
        found.append((kind, row_id))
    return found
