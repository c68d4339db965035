"""What a demo customer insures, and the renewal chains of their policies.

Motor leads: each vehicle has 交强险 every year and usually 商业车险 beside it; firms add
企业财产险, 公众责任险, group 意外险 and 货运险. Each insured thing renews year after year
(`renewal_of` links the chain); the profile decides when the chain ends: in force today, lapsed,
moved to a competitor (whose policies are recorded for prospects), or cancelled. Money is kept in
integer cents from the start, so every amount is exact.
"""

import datetime as dt
import math
from dataclasses import dataclass

from inscrm.demo import words
from inscrm.demo.identity import Picker
from inscrm.demo.people import IN_FORCE

DAY = dt.timedelta(days=1)
CODES = {"交强险": "JQ", "商业车险": "SY", "企业财产险": "QC", "公众责任险": "GZ", "意外险": "YW",
         "货运险": "HY"}
COMPETITOR_CODES = {"人保财险": "PDAA", "平安产险": "PA10", "太平洋产险": "AJXZ"}
CHANNELS = {
    "individual": Picker(("direct", "agency", "broker"), (55, 40, 5)),
    "corporate": Picker(("direct", "agency", "broker", "tender"), (40, 20, 20, 20)),
}
# yearly premium factors: 交强险 floats with the claims record; the rest drift a little
JQ_FACTORS = Picker((70, 80, 90, 100, 110), (35, 20, 15, 25, 5))
MAX_FACTOR = {"交强险": 1.10, "商业车险": 1.12}
MIN_FACTOR = {"交强险": 0.70, "商业车险": 0.85}
NON_KEY_CAP = 4_750_000  # cents: ordinary customers stay clearly below the key premium 50,000
KEY_FLOOR = 5_600_000  # cents: key customers clearly above it
TENDER_FLOOR = 6_000_000


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cents(rng, low, high):
    """A log-uniform amount between two sums in yuan, in cents."""
    return int(math.exp(rng.uniform(math.log(low), math.log(high))) * 100)


@dataclass(slots=True)
class Item:
    """One insured thing (a vehicle, a plant, a workforce…) and its products."""

    products: list  # [product, base premium in cents, sum insured in cents]
    vehicle: tuple | None = None  # (model, price, new energy, truck)
    channel: str = "direct"
    intermediary: int | None = None


@dataclass(slots=True)
class PolicyFact:
    """What the claims need to know of one of our policies."""

    id: int
    product: str
    start: dt.date
    end: dt.date
    premium: int
    cancelled: bool
    primary: bool  # carries the item's ordinary claims (商业车险, or 交强险 alone, or non-motor)


# --- what is insured -------------------------------------------------------------------------


def _car(demo):
    rng = demo.rng
    model, price, new_energy, seats = demo.ident.car(rng)
    products = [["交强险", 110_000 if seats else 95_000, 20_000_000]]
    if rng.random() < 0.95:
        premium = price * rng.uniform(0.018, 0.03) + rng.uniform(800, 1600)
        products.append(["商业车险", min(1_200_000, max(200_000, int(premium * 100))),
                         (price + 1_000_000) * 100])
    return Item(products, (model, price, new_energy, False))


def _truck(demo):
    rng = demo.rng
    model, price, compulsory = rng.choice(words.TRUCKS)
    return Item([["交强险", int(compulsory.replace(".", "")), 20_000_000],
                 ["商业车险", cents(rng, 6_000, 12_000), (price + 2_000_000) * 100]],
                (model, price, rng.random() < 0.05, True))


def _cover(product, premium, rate):
    """A non-motor item: its sum insured follows from the premium and a rate, in round yuan."""
    return Item([[product, premium, int(premium / rate) // 1_000_000 * 1_000_000 or premium]])


def plan(demo, person):
    """The items a customer insures, sized to their profile."""
    rng = demo.rng
    if person.kind == "individual":
        if person.profile in ("floating", "intent"):
            return [_car(demo)]
        if person.profile != "blacklist" and rng.random() < 0.08:
            return [_cover("意外险", cents(rng, 100, 600), 0.001)]
        items = [_car(demo) for _ in range(rng.choices((1, 2, 3), (85, 13, 2))[0])]
        if rng.random() < 0.1:
            items.append(_cover("意外险", cents(rng, 100, 600), 0.001))
        return _channels(demo, person, items)
    key = person.profile == "key"
    if person.profile in ("floating", "intent"):
        return [_truck(demo) if person.shipping else _car(demo)]
    vehicles = rng.randint(2, 12) if key else rng.choices((0, 1, 2, 3), (30, 35, 20, 15))[0]
    items = [_truck(demo) if person.shipping and rng.random() < 0.4 else _car(demo)
             for _ in range(vehicles)]
    if key or rng.random() < 0.75:
        premium = cents(rng, 40_000, 200_000) if key else cents(rng, 5_000, 30_000)
        items.insert(0, _cover("企业财产险", premium, rng.uniform(0.0008, 0.0025)))
    if rng.random() < (0.6 if key else 0.35):
        premium = cents(rng, 5_000, 30_000) if key else cents(rng, 1_000, 8_000)
        items.append(_cover("公众责任险", premium, 0.002))
    if rng.random() < (0.5 if key else 0.25):
        premium = cents(rng, 5_000, 40_000) if key else cents(rng, 2_000, 10_000)
        items.append(_cover("意外险", premium, 0.0015))
    logistics = person.industry == "物流运输"
    if person.shipping and rng.random() < (0.9 if logistics else 0.3 if key else 0.15):
        premium = cents(rng, 10_000, 60_000) if key else cents(rng, 3_000, 15_000)
        items.append(_cover("货运险", premium, rng.uniform(0.0015, 0.003)))
    if not items:
        items.append(_cover("企业财产险", cents(rng, 5_000, 30_000), 0.0015))
    items = _channels(demo, person, items)
    return _size_key(demo, person, items) if key else _cap(items)


def _bound(items, factors, default):
    return sum(base * factors.get(product, default)
               for item in items for product, base, _ in item.products)


def _cap(items):
    """Keep an ordinary customer's yearly premium clearly below the key threshold."""
    kept = []
    for item in items:
        if _bound([*kept, item], MAX_FACTOR, 1.08) < NON_KEY_CAP:
            kept.append(item)
    return kept or items[:1]


def _size_key(demo, person, items):
    """A key customer's premium clearly above the threshold (or one big tender policy)."""
    rng = demo.rng
    cover = next(item for item in items if item.vehicle is None)  # the 企业财产险 comes first
    if rng.random() < 0.4:
        cover.channel, cover.intermediary = "tender", None
        cover.products[0][1] = max(cover.products[0][1], TENDER_FLOOR + rng.randrange(10**7))
    if person.key_designation is None:
        short = KEY_FLOOR - _bound(items, MIN_FACTOR, 0.95)
        if short > 0:
            cover.products[0][1] += int(short / 0.95) + 100
    return items


def _channels(demo, person, items):
    rng = demo.rng
    for item in items:
        channel = CHANNELS[person.kind](rng)
        if channel == "tender" and sum(base for _, base, _ in item.products) < 1_000_000:
            channel = "direct"  # small covers are not put out to tender
        item.channel = channel
        if channel == "agency":
            item.intermediary = demo.agencies(rng)
        elif channel == "broker":
            item.intermediary = demo.brokers(rng)
    return items


# --- when: the renewal chains ----------------------------------------------------------------


def chain(rng, last_start, years, gaps=False):
    """`years` yearly periods (start, end) ending with the one that starts on `last_start`.

    With `gaps`, a renewal is now and then a few days late (at most 25: cover stays continuous).
    """
    periods = []
    start = last_start
    for _ in range(years):
        periods.append((start, add_years(start, 1) - DAY))
        late = rng.randint(1, 25) if gaps and rng.random() < 0.1 else 0
        start = add_years(start - dt.timedelta(days=late), -1)
    periods.reverse()
    return periods


YEARS = {"quality": (4, 8), "key": (1, 8), "blacklist": (1, 5), "lapsed": (1, 8),
         "competitor": (1, 6), "cancelled": (1, 5)}


def _years(rng, person):
    """How many years the customer's main chain runs."""
    if person.profile != "standard":
        return rng.randint(*YEARS[person.profile])
    if person.variant in ("bad_credit", "losses"):
        return rng.randint(4, 8)  # long cover, kept out of quality by credit or losses
    if person.variant == "short":
        return rng.choices((1, 2, 3), (40, 35, 25))[0]
    return rng.randint(1, 2)  # returning after a break


def _premium(rng, product, base):
    if product == "交强险":
        return base * JQ_FACTORS(rng) // 100
    if product == "商业车险":
        return min(1_200_000, max(200_000, int(base * rng.uniform(0.85, 1.12))))
    return int(base * rng.uniform(0.95, 1.08))


def _policy_no(demo, product, start, insurer=""):
    demo.policy_serial += 1
    if insurer:
        return f"{COMPETITOR_CODES[insurer]}{start.year}{demo.policy_serial:010d}"
    return f"{CODES[product]}{start.year}3304{demo.policy_serial:08d}"


def _vehicle(demo, person, item, first_start):
    """The vehicle row of an item (None for non-motor items), registered before its first cover."""
    if item.vehicle is None:
        return None
    rng = demo.rng
    model, _, new_energy, truck = item.vehicle
    registered = first_start - dt.timedelta(days=0 if rng.random() < 0.4 else rng.randint(1, 1800))
    return demo.tables.vehicle.add(person.id, demo.ident.plate(new_energy, truck),
                                   demo.ident.vin(registered.year), model,
                                   registered.isoformat())


def _write_chain(demo, person, item, periods, vehicle, facts, cancel_last=False):
    rng, table = demo.rng, demo.tables.policy
    previous = {}
    with_commercial = any(product == "商业车险" for product, _, _ in item.products)
    for k, (start, end) in enumerate(periods):
        cancelled = cancel_last and k == len(periods) - 1
        for product, base, insured in item.products:
            premium = _premium(rng, product, base)
            policy_id = table.add(
                _policy_no(demo, product, start), person.id, product, item.channel,
                item.intermediary, "", premium, insured, start.isoformat(), end.isoformat(),
                int(cancelled), previous.get(product), vehicle,
            )
            previous[product] = policy_id
            primary = product != "交强险" or not with_commercial
            facts.append(PolicyFact(policy_id, product, start, end, premium, cancelled, primary))


def _write_competitor(demo, person, item, start, vehicle, insurer, until):
    """A competitor's yearly policies on the item from `start` while they start by `until`."""
    rng, table = demo.rng, demo.tables.policy
    while start <= until:
        end = add_years(start, 1) - DAY
        for product, base, insured in item.products:
            table.add(_policy_no(demo, product, start, insurer), person.id, product, "direct",
                      None, insurer, _premium(rng, product, base), insured, start.isoformat(),
                      end.isoformat(), 0, None, vehicle)
        start = end + DAY


def write_policies(demo, person, items):
    """Vehicles and policies of a customer insured with us; returns facts of our policies."""
    rng, today = demo.rng, demo.today
    profile = person.profile
    years = _years(rng, person)
    if person.variant == "returning":
        items = items[:1]  # one thing insured, so nothing else bridges the break
    if profile in ("lapsed", "competitor"):
        ended = today - dt.timedelta(days=rng.randint(31, 1460 if profile == "lapsed" else 700))
    insurer = rng.choice(words.COMPETITORS)
    facts = []
    for n, item in enumerate(items):
        item_years = years if n == 0 else rng.randint(1, years)
        if profile == "blacklist":  # long enough ago for this year's losses
            last_start = today - dt.timedelta(days=rng.randint(60, 364))
        elif profile in IN_FORCE:
            last_start = today - dt.timedelta(days=rng.randint(0, 364))
        elif profile == "cancelled":
            last_start = today - dt.timedelta(days=rng.randint(20, 300))
        else:
            last_end = ended - dt.timedelta(days=rng.randint(0, 60))
            last_start = add_years(last_end + DAY, -1)
        gaps = profile in ("quality", "key", "lapsed", "competitor")
        chains = [chain(rng, last_start, item_years, gaps)]
        if person.variant == "returning":  # an earlier run of cover, then a break of 2–16 months
            broke = chains[0][0][0] - dt.timedelta(days=rng.randint(60, 500))
            chains.insert(0, chain(rng, add_years(broke, -1), rng.randint(1, 3)))
        vehicle = _vehicle(demo, person, item, chains[0][0][0])
        for periods in chains:
            _write_chain(demo, person, item, periods, vehicle, facts, profile == "cancelled")
        if profile == "competitor" and item.vehicle is not None:
            moved = chains[-1][-1][1] + dt.timedelta(days=rng.randint(1, 10))
            _write_competitor(demo, person, item, moved, vehicle, insurer, today)
    return facts


def write_records(demo, person, items):
    """What is known of a customer never insured with us: a vehicle, perhaps a competitor's
    policy on it (from a dealer's list); prospects' policies often run out soon."""
    rng, today = demo.rng, demo.today
    with_vehicle, with_policy = (0.6, 0.3) if person.profile == "floating" else (0.8, 0.5)
    if rng.random() >= with_vehicle:
        return
    item = items[0]
    if rng.random() < with_policy:
        if person.profile == "floating":
            start = today - dt.timedelta(days=rng.randint(0, 364))
        else:
            start = add_years(today + dt.timedelta(days=rng.randint(1, 90)), -1)
        vehicle = _vehicle(demo, person, item, start)
        _write_competitor(demo, person, item, start, vehicle, rng.choice(words.COMPETITORS), start)
    else:
        _vehicle(demo, person, item, today - dt.timedelta(days=rng.randint(30, 2000)))
