"""Delivery activity of the synthetic population (:mod:`pcnhub.analytics.synth`): coded frailty categories,
anticipatory care planning, care plans, care home reviews, urgent suspected cancer referrals and FIT results.

Each is made after the population and its other activity, from random streams of its own (so that adding it
changed no other row), at a rate or share that differs between practices and changes over time, as the
generator already varies structured medication reviews and social prescribing:

* a coded eFI category (mild, moderate, severe, from the made-up deficits and the eFI cut-offs 0.12, 0.24, 0.36)
  for a practice's share of people aged 65 or over (frailty identification), dated in the last three years;
* anticipatory (advance) care planning for people coded with moderate or severe frailty, a few times a year per
  100 people at each practice's rate (severe frailty more), dated over the history window;
* care plans: every year for most care home residents, at each practice's own rate, and after a share of social
  prescribing referrals (the link worker's plan, 1 to 8 weeks later);
* care home reviews ('seen in the home') for residents, a few a quarter at each practice's own rate;
* urgent suspected cancer referrals by age, sex and site (about 48 a year per 1,000 people, as England's two
  week wait referrals), at each practice's rate; a lower GI referral comes with a FIT result in the 21 days
  before it at each practice's share, which rises over the window at a practice's own pace, and some FITs fall
  just outside (22 to 60 days before, or after the referral).

Every figure here is made up (synthetic data), chosen to be of a plausible size, not taken from a source.
:func:`check_delivery` checks every code against the codelists it is meant for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from pcnhub.reference import codelists as cl

#: The codes written, with the codelist each belongs to.
DELIVERY_CODES: Final = {
    "frailty_mild": ("925791000000100", "frailty-mild"), "frailty_moderate": ("925831000000107", "frailty-moderate"),
    "frailty_severe": ("925861000000102", "frailty-severe"),
    "acp": ("713603004", "advance-care-plan"), "acp_in_place": ("714748000", "advance-care-plan"),
    "care_plan": ("734163000", "care-plan"),
    "seen_nursing_home": ("185218006", "care-home-review"), "seen_residential_home": ("275691001", "care-home-review"),
    "fit": ("1049361000000101", "fit-test"),
}
#: Urgent referral codes by site: (code, share for women, share for men); children's tumours for under 16s.
REFERRAL_SITES: Final = (
    ("276401000000108", .16, .21), ("892201000000106", .06, .09),  # lower GI: colorectal, lower GI
    ("276341000000100", .26, .005), ("276281000000104", .15, .20), ("276311000000101", .10, 0.0),
    ("276431000000102", .05, .22), ("276551000000108", .07, .09), ("276491000000101", .04, .06),
    ("280521000000108", .05, .07), ("276461000000107", .02, .03), ("276581000000102", .005, .007),
    ("276521000000103", .005, .006), ("1556551000000104", .03, .04), ("199251000000107", .02, .02),
)
CHILDREN: Final = "276371000000106"
LOWER_GI: Final = ("276401000000108", "892201000000106")
#: Urgent suspected cancer referrals a year per person, by age (ages, rates), before the practice's multiplier.
REFERRAL_RATE: Final = ((0, 15, 30, 40, 50, 60, 70, 80, 90), (0.003, 0.005, 0.015, 0.03, 0.05, 0.075, 0.1, 0.12, 0.11))
#: A practice's share or rate: (mean, spread) on the logit scale for a share, the log scale for a rate.
SHARES: Final = {"frailty_coded": (0.6, 1.0), "fit": (0.72, 0.9), "plan_after_referral": (0.45, 1.0)}
RATES: Final = {"acp": (0.35, 0.7), "care_home_plan": (0.9, 0.6), "care_home_seen": (5.0, 0.6), "referral": (1.0, 0.25)}
#: Severe frailty's risk ratio of anticipatory care planning against moderate.
SEVERE_ACP: Final = 1.6
#: The rise of a practice's FIT share over the window, on the logit scale: drawn uniformly between these.
FIT_RISE: Final = (-0.2, 1.4)
#: The shares of referrals without a FIT in the window that have one just before it or after it.
FIT_OUTSIDE: Final = 0.35
#: FITs a year per person aged 50 or over without a referral (symptomatic tests that did not lead to one).
FIT_BACKGROUND: Final = 0.01
EFI_DEFICITS: Final = 36
_YEAR: Final = 365.25


def codes() -> list[str]:
    """Every code the delivery activity may write."""
    return [code for code, _ in DELIVERY_CODES.values()] + [code for code, _, _ in REFERRAL_SITES] + [CHILDREN]


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


@dataclass(frozen=True)
class Practices:
    """Each practice's shares (probabilities), rates (a year) and trends (relative change over the window)."""

    shares: dict[str, np.ndarray]
    rates: dict[str, np.ndarray]
    trends: dict[str, np.ndarray]
    fit_rise: np.ndarray


def practices(seed: int, n: int, trend_range: tuple[float, float]) -> Practices:
    """The practices' delivery attributes, from a stream of their own."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x44454C56]))
    shares = {k: 1 / (1 + np.exp(-rng.normal(_logit(mean), spread, n))) for k, (mean, spread) in SHARES.items()}
    rates = {k: mean * np.exp(rng.normal(-spread * spread / 2, spread, n)) for k, (mean, spread) in RATES.items()}
    trends = {k: rng.uniform(*trend_range, n) for k in RATES}
    return Practices(shares, rates, trends, rng.uniform(*FIT_RISE, n))


def efi_counts(conditions: dict[str, np.ndarray], deficits: dict[str, np.ndarray], care_home: np.ndarray,
               repeat_counts: np.ndarray, condition_lists: dict[str, tuple[str, ...]]) -> np.ndarray:
    """The number of eFI deficits each person has (of 36): the deficit groups of their conditions and deficits,
    a care home (requirement for care) and 5 or more repeat medicines (polypharmacy)."""
    groups: dict[str, np.ndarray] = {key: flag.copy() for key, flag in deficits.items()}
    for key, lists in condition_lists.items():
        for group in (g for g in lists if g.startswith("efi-")):
            groups[group] = groups.get(group, np.zeros(len(care_home), bool)) | conditions[key]
    groups["efi-care-requirement"] = groups.get("efi-care-requirement", np.zeros(len(care_home), bool)) | care_home
    return sum(flag.astype(np.int64) for flag in groups.values()) + (repeat_counts >= 5)


def check_delivery() -> None:
    """Every code written is in the codelist it is meant for (urgent referrals in urgent-cancer-referral, the
    lower GI ones in lower-gi-urgent-referral too), and in no eFI group other than the one allowed."""
    for code, key in DELIVERY_CODES.values():
        if not cl.codelist(key).matches(code):
            raise AssertionError(f"synthetic delivery code {code} is not in codelist {key}")
    referrals = cl.codelist("urgent-cancer-referral")
    for code in [c for c, _, _ in REFERRAL_SITES] + [CHILDREN]:
        if not referrals.matches(code):
            raise AssertionError(f"synthetic referral code {code} is not in codelist urgent-cancer-referral")
    if set(LOWER_GI) != set(cl.codelist("lower-gi-urgent-referral").codes):
        raise AssertionError("the synthetic lower GI referral codes are not the lower-gi-urgent-referral list")
    allowed = {"185218006": {"efi-care-requirement"}}  # seen in nursing home: a care home resident has it already
    for c in cl.efi_deficits():
        for code, _ in DELIVERY_CODES.values():
            if code in c.codes and c.key not in allowed.get(code, set()):
                raise AssertionError(f"synthetic delivery code {code} would also count for eFI {c.key}")


class Delivery:
    """Writes one chunk's delivery events (see the module docs) through the generator's ``out.event``."""

    def __init__(self, attributes: Practices, code_index: dict[str, int], today: int, history: int) -> None:
        self.p, self.index, self.today, self.history = attributes, code_index, today, history

    def code(self, key: str) -> int:
        return self.index[DELIVERY_CODES[key][0]]

    def events(self, rng: np.random.Generator, out, repeat_rows, pid: np.ndarray, practice: np.ndarray, people: dict,
               efi: np.ndarray, referred: tuple[np.ndarray, np.ndarray]) -> None:
        """``repeat_rows``: the generator's ``_repeat_rows`` (dates between two days, with a trend); ``referred``:
        the chunk's social prescribing referrals (patient ids, days)."""
        n = len(pid)
        age, home = people["age"], people["care_home"]
        start = np.maximum(np.full(n, self.today - self.history, dtype=np.int32), people["birth"])
        today = np.full(n, self.today - 1, dtype=np.int32)
        years = self.history / _YEAR
        # frailty identification: a coded eFI category for a practice's share of people aged 65 or over
        coded = (age >= 65) & (rng.random(n) < self.p.shares["frailty_coded"][practice])
        category = np.select([efi >= 13, efi >= 9, efi >= 5], [3, 2, 1], 0)
        for level, key in ((1, "frailty_mild"), (2, "frailty_moderate"), (3, "frailty_severe")):
            who = np.flatnonzero(coded & (category == level))
            back = rng.random(len(who)) * 3 * _YEAR
            since_65 = people["birth"][who] + int(65 * _YEAR)
            out.event(pid[who], self.code(key), np.maximum(self.today - 1 - back.astype(np.int64), since_65))
        # anticipatory care planning for moderate and severe frailty
        frail = coded & (category >= 2)
        rate = np.where(frail, self.p.rates["acp"][practice] * np.where(category == 3, SEVERE_ACP, 1.0), 0.0)
        rows_pid, dates, _ = repeat_rows(rng, pid, rng.poisson(rate * years), start, today,
                                         self.p.trends["acp"][practice])
        acp = np.where(rng.random(len(rows_pid)) < 0.7, self.code("acp"), self.code("acp_in_place"))
        out.event(rows_pid, acp, dates)
        # care home residents: a care plan about once a year, and reviews in the home
        adult_home = home & (age >= 18)
        for key, code in (("care_home_plan", None), ("care_home_seen", None)):
            rate = np.where(adult_home, self.p.rates[key][practice], 0.0)
            rows_pid, dates, _ = repeat_rows(rng, pid, rng.poisson(rate * years), start, today,
                                             self.p.trends[key][practice])
            if key == "care_home_plan":
                out.event(rows_pid, self.code("care_plan"), dates)
            else:
                seen = np.where(rng.random(len(rows_pid)) < 0.6, self.code("seen_nursing_home"),
                                self.code("seen_residential_home"))
                out.event(rows_pid, seen, dates)
        # the link worker's care plan after a social prescribing referral
        referral_pid, referral_day = referred
        if len(referral_pid):
            owner = np.searchsorted(pid, referral_pid)
            planned = rng.random(len(owner)) < self.p.shares["plan_after_referral"][practice[owner]]
            day = referral_day[planned] + rng.integers(7, 57, int(planned.sum()))
            kept = day < self.today
            out.event(referral_pid[planned][kept], self.code("care_plan"), day[kept].astype(np.int32))
        self._referrals(rng, out, repeat_rows, pid, practice, people, start, today, years)

    def _referrals(self, rng, out, repeat_rows, pid, practice, people, start, today, years) -> None:
        age, woman = people["age"], people["sex"] == 0
        rate = np.interp(age, *REFERRAL_RATE) * self.p.rates["referral"][practice]
        rows_pid, dates, owner = repeat_rows(rng, pid, rng.poisson(rate * years), start, today,
                                             self.p.trends["referral"][practice])
        codes = [code for code, _, _ in REFERRAL_SITES]
        ids = np.array([self.index[c] for c in codes], dtype=np.int32)
        picked = np.empty(len(owner), dtype=np.int32)
        for sex_column, chosen in ((1, woman[owner]), (2, ~woman[owner])):
            weights = np.array([row[sex_column] for row in REFERRAL_SITES])
            picked[chosen] = ids[rng.choice(len(ids), int(chosen.sum()), p=weights / weights.sum())]
        picked = np.where(age[owner] < 16, self.index[CHILDREN], picked)
        out.event(rows_pid, picked, dates)
        # FIT results around the lower GI referrals: in the 21 days before at the practice's share (rising over
        # the window at its own pace), else sometimes just outside
        lower = np.flatnonzero(np.isin(picked, [self.index[c] for c in LOWER_GI]))
        where = practice[owner[lower]]
        elapsed = (dates[lower] - (self.today - self.history)) / self.history - 0.5
        logit = np.log(self.p.shares["fit"][where] / (1 - self.p.shares["fit"][where])) + self.p.fit_rise[where] * elapsed
        within = rng.random(len(lower)) < 1 / (1 + np.exp(-logit))
        outside = ~within & (rng.random(len(lower)) < FIT_OUTSIDE)
        before = rng.random(len(lower)) < 0.5
        offset = np.select([within, outside & before, outside], [-rng.integers(0, 22, len(lower)),
                                                                  -rng.integers(22, 61, len(lower)),
                                                                  rng.integers(1, 15, len(lower))], 0)
        chosen = within | outside
        day = dates[lower] + offset
        kept = chosen & (day < self.today)
        out.event(rows_pid[lower][kept], self.code("fit"), day[kept].astype(np.int32))
        background = np.where(age >= 50, FIT_BACKGROUND, 0.0)
        rows_pid, dates, _ = repeat_rows(rng, pid, rng.poisson(background * years), start, today)
        out.event(rows_pid, self.code("fit"), dates)
