"""A customer's premium with us, the one figure the 360 page's header, policies and claims show."""

from inscrm.models import Policy, money_sum


def our_premium(customer, as_of):
    """Σ premium of our policies not cancelled that have started by `as_of` (a policy signed
    to start later is not premium yet); the loss ratio divides by the same sum."""
    return (Policy.ours()
            .where(Policy.customer == customer.id, Policy.start_date <= as_of, ~Policy.cancelled)
            .select(money_sum(Policy.premium))
            .scalar())
