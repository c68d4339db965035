"""Who and what the demo rows are: names, resident IDs, credit codes, phones, plates, VINs, uids.

Everything is drawn from one `random.Random`, so a seed gives the same people every time; numbers
that must be unique (ID numbers, phones, plates, VINs) are drawn again on the rare collision.
"""

import bisect
import datetime as dt
import itertools

from inscrm.demo import words
from inscrm.validators import resident_id_check_digit, uscc_check_char


class Picker:
    """Weighted choice with the cumulative weights computed once (random.choices redoes them)."""

    def __init__(self, items, weights):
        self.items = tuple(items)
        self.cumulative = tuple(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


class Identities:
    """Draws people, firms and vehicles, remembering the unique numbers already handed out."""

    def __init__(self, rng):
        self.rng = rng
        self.seen = set()
        self.surname = Picker(words.SURNAMES, words.SURNAME_WEIGHTS)
        self.car = Picker(words.CARS, words.CAR_WEIGHTS)
        self.industry = Picker(words.INDUSTRIES, [v[1] for v in words.INDUSTRIES.values()])

    def _unique(self, draw):
        while True:
            value = draw()
            if value not in self.seen:
                self.seen.add(value)
                return value

    # --- people -------------------------------------------------------------------------

    def person_name(self, male):
        rng = self.rng
        chars = words.GIVEN_MALE if male else words.GIVEN_FEMALE
        given = rng.choice(chars)
        if rng.random() < 0.7:
            given += rng.choice(chars)
        return self.surname(rng) + given

    def resident_id(self, area_code, birth, male):
        """A unique, valid 18-digit resident ID number (odd serial for men, even for women)."""
        rng = self.rng
        stem = area_code + birth.strftime("%Y%m%d")

        def draw():
            serial = rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{stem}{serial:03d}"
            return first17 + resident_id_check_digit(first17)

        return self._unique(draw)

    def birth_date(self):
        rng = self.rng
        return dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 19_723))  # to 2003

    def mobile(self):
        rng = self.rng
        return self._unique(
            lambda: rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10**9):09d}"
        )

    def landline(self):
        rng = self.rng
        return self._unique(lambda: f"0573-8{rng.randrange(10**7):07d}")

    def village_address(self, district, town):
        rng = self.rng
        if town.endswith("街道"):
            street = rng.choice(words.STREET_WORDS)
            return f"嘉兴市{district}{town}{street}{rng.randrange(1, 600)}号"
        village = rng.choice(words.VILLAGE_WORDS) + rng.choice(words.VILLAGE_WORDS) + "村"
        return (f"嘉兴市{district}{town}{village}{rng.randrange(1, 20)}组"
                f"{rng.randrange(1, 120)}号")

    # --- firms --------------------------------------------------------------------------

    def firm_name(self, prefix, trade):
        rng = self.rng
        brand = rng.choice(words.FIRM_WORDS) + rng.choice(words.FIRM_WORDS)
        return f"{prefix}{brand}{trade}{rng.choice(words.FIRM_FORMS)}"

    def uscc(self, area_code):
        """A unique unified social credit code: 91 (enterprise), area, organisation code, check."""
        rng = self.rng
        digits = "0123456789"
        letters = "ABCDEFGHJKLMNPQRTUWXY"

        def draw():
            if rng.random() < 0.5:  # the newer codes start MA
                body = "MA" + rng.choice(digits) + rng.choice(letters) + "".join(
                    rng.choice(digits + letters) for _ in range(4))
            else:
                body = "".join(rng.choice(digits) for _ in range(8))
            first17 = "91" + area_code + body + _organisation_check(body)
            return first17 + uscc_check_char(first17)

        return self._unique(draw)

    def firm_address(self, district, town):
        rng = self.rng
        return (f"嘉兴市{district}{town}{rng.choice(words.STREET_WORDS)}"
                f"{rng.randrange(1, 999)}号")

    # --- vehicles -----------------------------------------------------------------------

    def plate(self, new_energy=False, truck=False):
        """A unique 浙F plate; new energy cars 浙FD12345, new energy trucks 浙F12345D."""
        rng = self.rng
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

        def draw():
            if new_energy:
                if truck:
                    return f"浙F{rng.randrange(10**5):05d}D"
                return f"浙F{rng.choice('DF')}{rng.choice(letters + '0123456789')}" \
                       f"{rng.randrange(10**4):04d}"
            shape = rng.random()
            if shape < 0.45:
                return f"浙F{rng.randrange(10**5):05d}"
            if shape < 0.85:
                return f"浙F{rng.choice(letters)}{rng.randrange(10**4):04d}"
            return f"浙F{rng.choice(letters)}{rng.choice(letters)}{rng.randrange(10**3):03d}"

        return self._unique(draw)

    def vin(self, model_year):
        """A unique 17-character VIN with a correct check digit (position 9)."""
        rng = self.rng
        chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

        def draw():
            vds = "".join(rng.choice(chars) for _ in range(5))
            year = _VIN_YEARS[(model_year - 2001) % 30]
            serial = f"{rng.choice(chars)}{rng.randrange(10**6):06d}"
            vin = rng.choice(words.WMIS) + vds + "0" + year + serial
            return vin[:8] + vin_check_digit(vin) + vin[9:]

        return self._unique(draw)


_VIN_YEARS = "123456789ABCDEFGHJKLMNPRSTVWXY"  # model years 2001 …
_VIN_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9,
                                                   2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_VIN_VALUES.update({str(d): d for d in range(10)})
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin):
    """The check digit of a VIN (ISO 3779, GB 16735): weighted sum modulo 11, 10 written X."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _organisation_check(body):
    """The check character of an 8-character organisation code (GB 11714)."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)
