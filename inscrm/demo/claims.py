"""Claims of a demo customer: realistic frequency and severity, then shaped to their profile.

About 15% of motor policy-years have a loss, mostly ¥1,000–20,000 with a few large ones; non-motor
covers claim less often but bigger. Then the profile's story is made true: quality customers have
no losses in the last three years (or a loss ratio of at most 25%), standard customers with long
cover had a recent costly loss, the automatic blacklist group had 3–5 losses in the last 12
months costing 1.8–3.5 times the premium, and nobody else has 3 losses in 12 months.
"""

import datetime as dt
import math

from inscrm.demo import words
from inscrm.demo.policies import add_years, cents

# product -> (share of policy-years with a loss, causes)
FREQUENCY = {
    "商业车险": (0.15, words.MOTOR_CAUSES),
    "交强险": (0.15, words.MOTOR_CAUSES),  # when it is the vehicle's only cover
    "企业财产险": (0.05, words.PROPERTY_CAUSES),
    "公众责任险": (0.04, words.LIABILITY_CAUSES),
    "意外险": (0.03, words.ACCIDENT_CAUSES),
    "货运险": (0.06, words.CARGO_CAUSES),
}
SEVERITY = {  # yuan, log-uniform, for the non-motor products
    "企业财产险": (3_000, 300_000), "公众责任险": (2_000, 80_000), "意外险": (500, 30_000),
    "货运险": (2_000, 100_000),
}
INCURRED = ("open", "closed")


class Loss:
    __slots__ = ("policy", "date", "amount", "status", "fraud", "cause")

    def __init__(self, policy, date, amount, cause, status="closed", fraud=False):
        self.policy, self.date, self.amount = policy, date, amount
        self.cause, self.status, self.fraud = cause, status, fraud

    @property
    def incurred(self):
        return self.amount if self.status in INCURRED else 0


def severity(rng, product):
    """What one loss costs, in cents."""
    if product in SEVERITY:
        return cents(rng, *SEVERITY[product])
    if rng.random() < 0.03:
        return cents(rng, 30_000, 300_000)  # a serious accident
    return min(2_000_000, max(30_000, int(rng.lognormvariate(math.log(4_500), 0.9) * 100)))


def _status(rng, loss, today):
    age = (today - loss.date).days
    if age < 60:
        return "open" if rng.random() < 0.6 else "closed"
    return rng.choices(("closed", "declined", "withdrawn", "open"), (90, 4, 4, 2))[0]


def _random_losses(rng, facts, today):
    losses = []
    for policy in facts:
        # a 交强险 beside a 商业车险 claims only for injuries to others
        rate = FREQUENCY[policy.product][0] if policy.primary else 0.03
        if policy.cancelled or rng.random() >= rate:
            continue
        last = min(policy.end, today)
        count = 2 if rng.random() < 0.12 else 1
        for _ in range(count):
            date = policy.start + dt.timedelta(days=rng.randint(0, (last - policy.start).days))
            losses.append(Loss(policy, date, severity(rng, policy.product),
                               rng.choice(FREQUENCY[policy.product][1])))
    for loss in losses:
        loss.status = _status(rng, loss, today)
    return losses


def _premium(facts):
    return sum(p.premium for p in facts if not p.cancelled)


def _loss_ratio(losses, facts):
    premium = _premium(facts)
    return sum(loss.incurred for loss in losses) / premium if premium else 0


def _covering(facts, date):
    """Our primary policy (not cancelled) in force on a date, the latest first."""
    for policy in reversed(facts):
        if policy.primary and not policy.cancelled and policy.start <= date <= policy.end:
            return policy
    return None


def _at_most_two_in_12_months(losses, today):
    window = today - dt.timedelta(days=365)
    kept, recent = [], 0
    for loss in sorted(losses, key=lambda loss: loss.date):
        if loss.date > window and loss.incurred > 0:
            recent += 1
            if recent > 2:
                continue
        kept.append(loss)
    return kept


def _recent_costly_loss(rng, losses, facts, today):
    """A standard customer with long cover: a loss 1–2.7 years ago lifts the loss ratio > 35%."""
    for _ in range(20):
        date = today - dt.timedelta(days=rng.randint(366, 1000))
        policy = _covering(facts, date)
        if policy is not None:
            break
    else:
        return losses
    needed = int(0.36 * _premium(facts)) - sum(loss.incurred for loss in losses)
    amount = max(severity(rng, policy.product), needed + rng.randrange(100_000, 1_000_000))
    return [*losses, Loss(policy, date, amount, rng.choice(FREQUENCY[policy.product][1]))]


def _blacklist_losses(rng, facts, today):
    """3–5 losses in the last 12 months costing 1.8–3.5 times the premium of that time."""
    window = today - dt.timedelta(days=365)
    premium = sum(p.premium for p in facts if not p.cancelled and p.end > window)
    total = int(premium * rng.uniform(1.8, 3.5))
    count = rng.randint(3, 5)
    first = max(window + dt.timedelta(days=30), min(p.start for p in facts))
    span = max(1, (today - dt.timedelta(days=3) - first).days)
    weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
    amounts = [int(total * w / sum(weights)) for w in weights]
    amounts[0] += total - sum(amounts)
    losses = []
    for amount in amounts:
        date = first + dt.timedelta(days=rng.randint(0, span))
        policy = _covering(facts, date) or facts[-1]
        date = max(date, policy.start)
        status = "open" if rng.random() < 0.3 else "closed"
        losses.append(Loss(policy, date, amount, rng.choice(FREQUENCY[policy.product][1]),
                           status, rng.random() < 0.2))
    return losses


def write_claims(demo, person, facts):
    """The claims of a customer insured with us; returns how many were written."""
    rng, today = demo.rng, demo.today
    losses = _random_losses(rng, facts, today)
    if person.profile != "blacklist":
        losses = _at_most_two_in_12_months(losses, today)
    if person.profile == "quality":
        if person.variant == "claim_free" or _loss_ratio(losses, facts) > 0.25:
            free_since = add_years(today, -3) - dt.timedelta(days=30)
            losses = [loss for loss in losses if loss.date < free_since or not loss.incurred]
    elif person.profile == "standard" and person.variant == "losses":
        losses = _recent_costly_loss(rng, losses, facts, today)
    elif person.profile == "blacklist":
        losses += _blacklist_losses(rng, facts, today)
    if person.blacklist_reason == "fraud" and losses:
        losses[-1].status, losses[-1].fraud = "declined", True
    table = demo.tables.claim
    for loss in losses:
        demo.claim_serial += 1
        paid = reserve = 0
        if loss.status == "closed":
            paid = loss.amount
        elif loss.status == "open":
            paid = loss.amount * 2 // 5 if rng.random() < 0.3 else 0
            reserve = loss.amount - paid
        reported = min(loss.date + dt.timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))), today)
        table.add(f"LP{loss.date.year}3304{demo.claim_serial:08d}", loss.policy.id, person.id,
                  loss.date.isoformat(), reported.isoformat(), paid, reserve, loss.status,
                  loss.cause, int(loss.fraud))
    return len(losses)
