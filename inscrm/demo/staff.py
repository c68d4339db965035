"""The demo branch's people and territory: a manager, claims staff, account managers, towns."""

from dataclasses import dataclass, field

from inscrm import users
from inscrm.demo import words
from inscrm.models import Township, User

PASSWORD = "demo-pass"
CUSTOMERS_PER_AGENT = 2_000
MIN_AGENTS, MAX_AGENTS = 3, 40


@dataclass
class Town:
    id: int
    district: str
    name: str
    agent: int | None


@dataclass
class Staff:
    manager: int
    claims: int
    agents: list = field(default_factory=list)
    towns: list = field(default_factory=list)


def agent_count(customers):
    """About one account manager per 2,000 customers, at least 3 and at most 40."""
    return min(MAX_AGENTS, max(MIN_AGENTS, round(customers / CUSTOMERS_PER_AGENT)))


def make_staff(tables, ident, rng, customers, branch_id):
    """Users (existing ones of the same name are kept) and the towns, each given to an agent."""
    wanted = [("manager", "manager"), ("claims01", "claims")]
    wanted += [(f"agent{k:02d}", "agent") for k in range(1, agent_count(customers) + 1)]
    existing = dict(User.select(User.username, User.id)
                    .where(User.username.in_([name for name, _ in wanted])).tuples())
    password_hash = users.hash_password(PASSWORD)  # once: hashing is slow on purpose
    ids = {}
    for username, role in wanted:
        name = ident.person_name(rng.random() < 0.6)
        ids[username] = existing.get(username) or tables.user.add(
            username, name, password_hash, role, branch_id)
    agents = [ids[name] for name, role in wanted if role == "agent"]
    staff = Staff(manager=ids["manager"], claims=ids["claims01"], agents=agents)

    known = {(d, n): (i, m) for i, d, n, m in Township.select(
        Township.id, Township.district, Township.name, Township.manager_id).tuples()}
    places = [(district, town) for district, (_, _, towns) in words.DISTRICTS.items()
              for town in towns]
    order = list(range(len(places)))
    rng.shuffle(order)  # territories spread over the agents, not one district each
    for rank, index in enumerate(order):
        district, town = places[index]
        if (district, town) in known:
            town_id, agent = known[(district, town)]
        else:
            agent = agents[rank % len(agents)]
            town_id = tables.township.add(district, town, agent)
        staff.towns.append((index, Town(town_id, district, town, agent)))
    staff.towns = [town for _, town in sorted(staff.towns, key=lambda pair: pair[0])]
    return staff
