"""The model behind the synthetic population (:mod:`pcnhub.analytics.synth`): England's age, sex and
ethnicity from the packaged reference data, and each condition's and frailty deficit's prevalence,
age curve, risk ratios, codes and prescribing.

Each condition's probability is a base curve by age and sex (scaled by :func:`base_scales` so that
the national prevalence hits its target) times ``exp(beta * score)`` (normalised by
:func:`z_normaliser` so the marginal prevalence is kept), times ethnicity and deprivation risk
ratios.  :func:`check_model` checks every code the generator writes against the codelists.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from importlib import resources
from typing import Final

import numpy as np

from pcnhub.analytics.schema import ETHNICITIES
from pcnhub.reference import codelists as cl

BANDS: Final = 20  # 0-4, 5-9, ..., 90-94, 95+
FEMALE, MALE = 0, 1
QRISK_ETHNICITIES: Final = ETHNICITIES[:-1]
UNKNOWN_ETHNICITY_SHARE: Final = 0.08
SOUTH_ASIAN: Final = ("indian", "pakistani", "bangladeshi", "other_asian")
BLACK: Final = ("black_caribbean", "black_african")


# --- reference data ----------------------------------------------------------------------------------


def _reference_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("pcnhub.reference").joinpath("population", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def national_pyramid() -> np.ndarray:
    """England's population by sex (rows F, M) and five-year band (20 columns), as shares summing to 1."""
    rows = _reference_csv("england-age-sex-2020.csv")
    if len(rows) != BANDS:
        raise ValueError(f"population/england-age-sex-2020.csv: {len(rows)} bands, expected {BANDS}")
    counts = np.array([[float(r["female"]) for r in rows], [float(r["male"]) for r in rows]])
    return counts / counts.sum()


@functools.cache
def ethnicity_shares() -> np.ndarray:
    """Shares of the nine QRISK3 groups (in the order of :data:`ETHNICITIES`), summing to 1."""
    shares = {r["ethnicity"]: float(r["share"]) for r in _reference_csv("england-ethnicity-2021.csv")}
    values = np.array([shares[e] for e in QRISK_ETHNICITIES])
    return values / values.sum()


def _single_year_population() -> np.ndarray:
    """Population by sex and single year of age 0-104 (2 x 105), spread evenly inside the bands."""
    pyramid = national_pyramid()
    ages = np.zeros((2, 105))
    for band in range(BANDS):
        lo = band * 5
        hi = 105 if band == BANDS - 1 else lo + 5
        ages[:, lo:hi] = pyramid[:, band : band + 1] / (hi - lo)
    return ages


# --- the model's parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A coded condition: how common it is, who has it, the codes it is recorded with.

    ``prevalence`` is the target share of people aged ``denominator_age`` or over who have it;
    ``centre``/``width`` shape the logistic rise with age; ``male`` is the male/female risk ratio;
    ``beta`` the loading on the latent health score; ``deprivation`` the log risk ratio per unit of
    deprivation (-1 least to +1 most deprived); ``ethnicity`` risk ratios by group; ``links`` risk
    ratios given conditions (or ``smoker``/``ex_smoker``/``bmi30``) drawn earlier.
    """

    key: str
    prevalence: float
    codes: tuple[tuple[str, float], ...]
    codelists: tuple[str, ...]
    min_age: int = 18
    denominator_age: int = 0
    centre: float = 60.0
    width: float = 10.0
    male: float = 1.0
    beta: float = 0.5
    deprivation: float = 0.2
    ethnicity: tuple[tuple[str, float], ...] = ()
    links: tuple[tuple[str, float], ...] = ()
    #: decline after this age (rate per year), for conditions diagnosed young that older people lack
    fade_after: float | None = None
    sex_only: int | None = None
    history_years: float = 25.0


C = Condition
CONDITIONS: Final[tuple[Condition, ...]] = (
    C("hypertension", 0.14, (("59621000", .7), ("38341003", .2), ("1201005", .1)), ("hypertension", "efi-hypertension"),
      min_age=20, centre=63, width=10, male=1.1, beta=0.5, ethnicity=(("black_caribbean", 1.5), ("black_african", 1.5))),
    C("diabetes_t2", 0.066, (("44054006", .8), ("313436004", .2)), ("diabetes-type-2", "efi-diabetes"),
      min_age=25, denominator_age=17, centre=64, width=11, male=1.3, beta=0.6, deprivation=0.3,
      ethnicity=(("indian", 2.5), ("pakistani", 2.8), ("bangladeshi", 2.8), ("other_asian", 2.0),
                 ("black_caribbean", 1.8), ("black_african", 1.8)),
      links=(("bmi30", 2.5),)),
    C("diabetes_t1", 0.006, (("46635009", .8), ("313435000", .2)), ("diabetes-type-1", "efi-diabetes"),
      min_age=1, centre=10, width=4, male=1.2, beta=0.1, deprivation=0.0),
    C("asthma", 0.065, (("195967001", .8), ("389145006", .2)), ("asthma", "efi-respiratory-disease"),
      min_age=3, centre=6, width=2, male=0.85, beta=0.3, deprivation=0.15),
    C("copd", 0.019, (("13645005", .7), ("313297008", .2), ("313296004", .1)), ("copd", "efi-respiratory-disease"),
      min_age=35, centre=70, width=8, male=1.1, beta=0.5, deprivation=0.5,
      links=(("smoker", 5.0), ("ex_smoker", 3.5))),
    C("cancer", 0.035, (("363346000", .3), ("254837009", .25), ("399068003", .15), ("363406005", .12),
                        ("93880001", .08), ("372244006", .1)), ("cancer",),
      min_age=20, centre=70, width=10, beta=0.3, deprivation=0.0, links=(("smoker", 1.3),)),
    C("chd", 0.03, (("414545008", .4), ("194828000", .3), ("22298006", .2), ("399211009", .1)), ("chd", "efi-chd"),
      min_age=35, centre=74, width=8, male=1.9, beta=0.6, deprivation=0.35,
      ethnicity=(("indian", 1.5), ("pakistani", 1.6), ("bangladeshi", 1.6)),
      links=(("diabetes_t2", 2.0), ("hypertension", 1.8), ("smoker", 1.6))),
    C("af", 0.022, (("49436004", .8), ("282825002", .2)), ("atrial-fibrillation", "efi-atrial-fibrillation"),
      min_age=40, centre=79, width=7, male=1.4, beta=0.4, deprivation=0.0,
      ethnicity=(("indian", 0.6), ("pakistani", 0.6), ("bangladeshi", 0.6), ("black_caribbean", 0.6),
                 ("black_african", 0.6)),
      links=(("hypertension", 1.6), ("chd", 1.5))),
    C("stroke_tia", 0.018, (("230690007", .5), ("266257000", .35), ("432504007", .15)), ("stroke-tia", "efi-stroke-tia"),
      min_age=30, centre=78, width=8, male=1.1, beta=0.5, links=(("af", 2.0), ("hypertension", 1.6), ("diabetes_t2", 1.4))),
    C("heart_failure", 0.01, (("84114007", .6), ("42343007", .3), ("446221000", .1)), ("heart-failure", "efi-heart-failure"),
      min_age=40, centre=81, width=7, male=1.3, beta=0.6, links=(("chd", 3.0), ("af", 2.5), ("hypertension", 1.3))),
    C("ckd", 0.04, (("433144002", .4), ("700378005", .25), ("700379002", .15), ("431857002", .15), ("433146000", .05)),
      ("ckd-3-5", "efi-ckd"), min_age=30, denominator_age=18, centre=77, width=8, male=0.8, beta=0.5,
      links=(("diabetes_t2", 2.0), ("hypertension", 2.0))),
    C("pvd", 0.006, (("400047006", .7), ("399957001", .3)), ("efi-pvd",),
      min_age=40, centre=75, width=7, male=1.6, beta=0.6, links=(("smoker", 2.5), ("diabetes_t2", 2.0))),
    C("smi", 0.0095, (("58214004", .5), ("13746004", .3), ("69322001", .2)), ("smi",),
      min_age=16, centre=24, width=4, male=1.1, beta=0.4, deprivation=0.7,
      ethnicity=(("black_caribbean", 2.0), ("black_african", 2.0)), links=(("smoker", 2.0),)),
    C("learning_disability", 0.005, (("416075005", .5), ("984661000000105", .3), ("508171000000105", .2)),
      ("learning-disability",), min_age=2, centre=4, width=1.0, male=1.6, beta=0.3, deprivation=0.3, fade_after=45),
    C("autism", 0.008, (("408856003", .6), ("23560001", .4)), ("autism",),
      min_age=2, centre=5, width=1.0, male=3.0, beta=0.1, deprivation=0.0, fade_after=22,
      links=(("learning_disability", 4.0),)),
    C("epilepsy", 0.008, (("84757009", 1.0),), ("epilepsy",), min_age=1, denominator_age=18, centre=8, width=3,
      male=1.1, beta=0.3, deprivation=0.3, links=(("learning_disability", 8.0),)),
    C("depression", 0.13, (("35489007", .6), ("370143000", .4)), ("depression",), min_age=16, denominator_age=18,
      centre=22, width=4, male=0.55, beta=0.5, deprivation=0.3),
    C("anxiety", 0.06, (("197480006", .6), ("21897009", .4)), ("anxiety",), min_age=14, denominator_age=18,
      centre=20, width=4, male=0.55, beta=0.4, deprivation=0.2, links=(("depression", 2.5),)),
    C("dementia", 0.007, (("52448006", .4), ("26929004", .35), ("429998004", .25)), ("dementia", "efi-cognitive-problems"),
      min_age=55, centre=86, width=5, male=0.75, beta=0.6, links=(("stroke_tia", 1.8),)),
    C("rheumatoid_arthritis", 0.0077, (("69896004", 1.0),), ("rheumatoid-arthritis", "efi-arthritis"),
      min_age=20, denominator_age=16, centre=60, width=10, male=0.4, beta=0.3, deprivation=0.1),
    C("osteoarthritis", 0.09, (("396275006", .5), ("239873007", .3), ("239872002", .2)), ("efi-arthritis",),
      min_age=35, centre=68, width=8, male=0.7, beta=0.5, links=(("bmi30", 1.6),)),
    C("thyroid", 0.035, (("40930008", .85), ("34486009", .15)), ("efi-thyroid-disorders",),
      min_age=18, centre=58, width=12, male=0.15, beta=0.3, deprivation=0.0),
    C("osteoporosis", 0.02, (("102447009", .6), ("18040001", .4)), ("efi-osteoporosis",),
      min_age=50, centre=76, width=6, male=0.2, beta=0.4, deprivation=0.0),
    C("migraine", 0.03, (("37796009", .6), ("56097005", .4)), ("migraine",), min_age=12, denominator_age=16,
      centre=18, width=3, male=0.33, beta=0.2, deprivation=0.0),
    C("sle", 0.0008, (("55464009", 1.0),), ("sle", "connective-tissue"), min_age=16, centre=30, width=5, male=0.11,
      beta=0.3, deprivation=0.0, ethnicity=(("black_caribbean", 3.0), ("black_african", 3.0))),
    C("erectile_dysfunction", 0.025, (("860914002", 1.0),), ("erectile-dysfunction",), min_age=30, centre=62, width=8,
      beta=0.4, sex_only=MALE, links=(("diabetes_t2", 2.5),)),
    C("parkinsonism", 0.003, (("49049000", 1.0),), ("efi-parkinsons",), min_age=45, centre=80, width=6, male=1.5,
      beta=0.4, deprivation=0.0),
    C("valve_disease", 0.008, (("60573004", .5), ("48724000", .5)), ("efi-heart-valve-disease",), min_age=50,
      centre=81, width=7, beta=0.4, deprivation=0.0),
    C("alcohol", 0.012, (("7200002", .5), ("66590003", .5)), ("alcohol-problems",), min_age=18, centre=30, width=6,
      male=2.2, beta=0.4, deprivation=0.6),
    C("ibs", 0.04, (("10743008", 1.0),), ("irritable-bowel",), min_age=16, centre=25, width=5, male=0.5, beta=0.3,
      deprivation=0.0),
    C("constipation", 0.03, (("14760008", .7), ("236069009", .3)), ("constipation",), min_age=40, centre=76,
      width=9, male=0.8, beta=0.5),
    C("chronic_pain", 0.06, (("82423001", 1.0),), ("chronic-pain",), min_age=18, centre=52, width=10, male=0.75,
      beta=0.6, deprivation=0.3),
    C("family_history_chd", 0.05, (("134439009", 1.0),), ("family-history-chd",), min_age=20, centre=35, width=6,
      beta=0.0, deprivation=0.0, history_years=15),
    C("palliative", 0.004, (("526631000000108", .5), ("103735009", .5)), ("palliative-care",), min_age=30, centre=86,
      width=6, beta=1.0, deprivation=0.0, links=(("cancer", 8.0), ("heart_failure", 3.0), ("dementia", 3.0)),
      history_years=1.0),
)

#: eFI deficits that are not conditions above: (eFI codelist, share of people aged 65+ with one, codes).
DEFICITS: Final[tuple[tuple[str, float, tuple[tuple[str, float], ...]], ...]] = (
    ("efi-activity-limitation", 0.048, (("21134002", 1.0),)),
    ("efi-anaemia", 0.168, (("271737000", .6), ("87522002", .4))),
    ("efi-dizziness", 0.216, (("404640003", .6), ("399153001", .4))),
    ("efi-dyspnoea", 0.168, (("267036007", .6), ("60845006", .4))),
    ("efi-falls", 0.18, (("161898004", .6), ("1912002", .4))),
    ("efi-foot-problems", 0.168, (("201037000", .5), ("185303007", .5))),
    ("efi-fragility-fracture", 0.084, (("5913000", .3), ("123971006", .4), ("306171000000106", .3))),
    ("efi-hearing-loss", 0.264, (("15188001", .6), ("49526009", .4))),
    ("efi-housebound", 0.06, (("160689007", 1.0),)),
    ("efi-hypotension", 0.132, (("28651003", .5), ("271594007", .5))),
    ("efi-mobility-problems", 0.096, (("8510008", .6), ("160693001", .4))),
    ("efi-care-requirement", 0.048, (("160774006", .5), ("184156005", .5))),
    ("efi-skin-ulcer", 0.072, (("402863005", .6), ("399912005", .4))),
    ("efi-sleep-disturbance", 0.168, (("193462001", 1.0),)),
    ("efi-social-vulnerability", 0.144, (("105529008", .7), ("33553000", .3))),
    ("efi-urinary-incontinence", 0.12, (("165232002", .6), ("87557004", .4))),
    ("efi-urinary-system-disease", 0.216, (("68566005", .5), ("197927001", .2), ("266569009", .3))),
    ("efi-vision-problems", 0.264, (("193570009", .6), ("267718000", .4))),
    ("efi-weight-loss", 0.084, (("89362005", .6), ("422868009", .4))),
    ("efi-peptic-ulcer", 0.06, (("13200003", .6), ("397825006", .4))),
    ("efi-cognitive-problems", 0.06, (("386807006", .6), ("386806002", .4))),
)
DEFICIT_BETA: Final = 0.35
DEFICIT_CENTRE: Final = 65.0
DEFICIT_WIDTH: Final = 20.0

#: Codes for measurements, status and care settings (codelist each belongs to).
CODES: Final = {
    "sbp": ("72313002", "systolic-bp"), "sbp_oe": ("163030003", "systolic-bp"),
    "ratio": ("313989009", "cholesterol-hdl-ratio"), "bmi": ("60621009", "bmi"),
    "smoker": ("77176002", "smoking-current"), "light": ("160603005", "smoking-current"),
    "moderate": ("160604004", "smoking-current"), "heavy": ("160605003", "smoking-current"),
    "very_heavy": ("160606002", "smoking-current"), "cigarettes": ("230056004", "smoking-current"),
    "ex_smoker": ("8517006", "smoking-ex"), "ex_cigarette": ("281018007", "smoking-ex"),
    "never": ("266919005", "smoking-never"),
    "care_home": ("248171000000108", "care-home"), "nursing_home": ("160734000", "care-home"),
    "cervical": ("171149006", "cervical-screening"), "breast": ("268547008", "breast-screening"),
    "mammography": ("24623002", "breast-screening"), "bowel": ("275820003", "bowel-screening"),
    "pregnant": ("169560008", "pregnancy"), "antenatal": ("134435003", "pregnancy"),
    "smr": ("1239511000000100", "structured-medication-review"),
    "social_prescribing": ("871731000000106", "social-prescribing-referral"),
}

#: Repeat prescribing: condition -> [(probability, [(medicine key, weight), ...]), ...] (one pick per line).
REGIMENS: Final[dict[str, tuple[tuple[float, tuple[tuple[str, float], ...]], ...]]] = {
    "hypertension": (
        (0.60, (("ramipril-5", .45), ("lisinopril-10", .2), ("perindopril-4", .1), ("losartan-50", .15),
                ("candesartan-8", .07), ("irbesartan-150", .03))),
        (0.55, (("amlodipine-5", .85), ("felodipine-5", .1), ("nifedipine-30", .05))),
        (0.25, (("indapamide-2.5", .8), ("hydrochlorothiazide-25", .2))),
        (0.12, (("atenolol-50", .6), ("bisoprolol-2.5", .4))),
    ),
    "diabetes_t2": (
        (0.85, (("metformin-500", 1.0),)),
        (0.25, (("gliclazide-80", 1.0),)),
        (0.20, (("sitagliptin-100", .5), ("linagliptin-5", .5))),
        (0.25, (("dapagliflozin-10", .5), ("empagliflozin-10", .5))),
        (0.75, (("atorvastatin-20", .8), ("simvastatin-40", .1), ("rosuvastatin-10", .1))),
        (0.12, (("pioglitazone-15", .5), ("glimepiride-2", .5))),
        (0.40, (("ramipril-5", .7), ("losartan-50", .3))),
    ),
    "diabetes_t1": ((0.35, (("atorvastatin-20", 1.0),)),),
    "chd": (
        (0.85, (("aspirin-75", .75), ("clopidogrel-75", .25))),
        (0.85, (("atorvastatin-20", .8), ("simvastatin-40", .1), ("rosuvastatin-10", .1))),
        (0.55, (("bisoprolol-5", .8), ("atenolol-50", .2))),
        (0.40, (("ramipril-5", 1.0),)),
        (0.20, (("diltiazem-120", .6), ("nebivolol-5", .4))),
    ),
    "stroke_tia": ((0.70, (("clopidogrel-75", 1.0),)), (0.80, (("atorvastatin-20", 1.0),)),
                   (0.40, (("ramipril-5", .5), ("perindopril-4", .5))), (0.30, (("amlodipine-5", 1.0),))),
    "af": (
        (0.85, (("apixaban-5", .5), ("rivaroxaban-20", .25), ("edoxaban-60", .1), ("warfarin-1", .15))),
        (0.55, (("bisoprolol-5", 1.0),)),
        (0.12, (("diltiazem-120", .6), ("verapamil-40", .4))),
    ),
    "heart_failure": ((0.75, (("bisoprolol-2.5", 1.0),)), (0.65, (("ramipril-5", .7), ("candesartan-8", .3)))),
    "ckd": ((0.45, (("ramipril-5", .6), ("losartan-50", .4))), (0.60, (("atorvastatin-20", 1.0),)),
            (0.30, (("amlodipine-5", 1.0),))),
    "pvd": ((0.70, (("clopidogrel-75", .6), ("aspirin-75", .4))), (0.80, (("atorvastatin-20", 1.0),))),
    "asthma": ((0.85, (("salbutamol-inhaler", 1.0),)), (0.60, (("fluticasone-dpi", .5), ("fluticasone-salmeterol-inhaler", .5)))),
    "copd": ((0.90, (("salbutamol-inhaler", .85), ("terbutaline-inhaler", .15))),
             (0.60, (("fluticasone-salmeterol-inhaler", 1.0),))),
    "depression": ((0.40, (("citalopram-20", 1.0),)),),
    "anxiety": ((0.15, (("citalopram-20", 1.0),)), (0.15, (("propranolol-40", 1.0),))),
    "smi": ((0.55, (("olanzapine-5", 1.0),)),),
    "rheumatoid_arthritis": ((0.25, (("prednisolone-5", .9), ("methylprednisolone-4", .1))), (0.20, (("naproxen-500", 1.0),))),
    "osteoarthritis": ((0.08, (("naproxen-500", .6), ("ibuprofen-400", .4))),),
    "chronic_pain": ((0.06, (("naproxen-500", .5), ("ibuprofen-400", .5))),),
    "migraine": ((0.20, (("propranolol-40", 1.0),)),),
    "efi-peptic-ulcer": ((0.60, (("omeprazole-20", .6), ("lansoprazole-30", .4))),),
}
STATINS: Final = (("atorvastatin-20", .8), ("simvastatin-40", .1), ("rosuvastatin-10", .1))
PPIS: Final = (("omeprazole-20", .55), ("lansoprazole-30", .3), ("esomeprazole-20", .08), ("pantoprazole-40", .07))
ANTIPLATELETS: Final = ("aspirin-75", "clopidogrel-75")
ANTICOAGULANTS: Final = ("apixaban-5", "rivaroxaban-20", "edoxaban-60", "warfarin-1")
NSAIDS: Final = ("naproxen-500", "ibuprofen-400")


# --- activity over time and variation between practices (synthetic; see synth.py) ----------------------

#: Months of prescribing and hospital history before as_of: 24 months of measures, each looking back up to
#: 12 months (a statin in the last year) at its first month.
HISTORY_MONTHS: Final = 36
#: Spread between practices: the standard deviation of a practice's log rate multiplier, by activity.
PRACTICE_SPREAD: Final = {
    "ae": 0.25, "emergency_admission": 0.22, "elective_admission": 0.2, "outpatient": 0.15, "cost": 0.12,
    "smr": 0.7, "social_prescribing": 0.8,
}
#: Change over the history window: a practice's slope t is drawn uniformly between these, and its dates with a
#: density rising or falling linearly from 1 - t/2 at the start of the window to 1 + t/2 at its end.
PRACTICE_TREND: Final = (-0.4, 0.6)
#: Elective admissions a year per person, by age (ages, rates), before the practice multiplier.
ELECTIVE_RATE: Final = ((0, 20, 50, 70, 85, 95), (0.03, 0.04, 0.09, 0.2, 0.25, 0.2))
#: Outpatient appointments: a practice's follow-up to first ratio is drawn uniformly between these.
FOLLOW_UP_RATIO: Final = (1.2, 2.6)
#: Structured medication reviews a year for someone in the SMR cohort (care home, 8+ repeat medicines, or
#: 75+ with 5+) at a practice of average uptake, and for anyone else on a repeat medicine.
SMR_RATE: Final = {"cohort": 0.35, "other": 0.02}
SMR_COHORT_MEDICINES: Final = 8
#: Social prescribing referrals a year per adult, and the risk ratio for depression, anxiety or 3+ conditions.
SOCIAL_PRESCRIBING_RATE: Final = 0.012
SOCIAL_PRESCRIBING_NEED: Final = 3.0


@functools.cache
def synthetic_prices() -> dict[str, float]:
    """``{medicine key: GBP per item}`` from ``population/synthetic-medicine-prices.csv`` (made-up prices)."""
    prices = {r["key"]: float(r["price_gbp"]) for r in _reference_csv("synthetic-medicine-prices.csv")}
    missing = {m.key for m in cl.medicines()} - set(prices)
    if missing:
        raise ValueError(f"population/synthetic-medicine-prices.csv: no price for {', '.join(sorted(missing))}")
    return prices


def logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def age_curve(ages: np.ndarray, centre: float, width: float, min_age: float, fade_after: float | None) -> np.ndarray:
    curve = logistic((ages - centre) / width) * (ages >= min_age)
    if fade_after is not None:
        curve = curve * np.exp(-np.clip(ages - fade_after, 0, None) / 25.0)
    return curve


_DECILE_SCORES: Final = (5.5 - np.arange(1, 11)) / 4.5  # +1 most deprived ... -1 least
LATENT_DEPRIVATION: Final = 0.35


def z_normaliser(beta: float) -> float:
    """E[exp(beta * z)] for the latent score z = N(0, 1) + 0.35 * deprivation."""
    return math.exp(beta * beta / 2) * float(np.mean(np.exp(beta * LATENT_DEPRIVATION * _DECILE_SCORES)))


@functools.cache
def base_scales() -> dict[str, float]:
    """The base-curve scale of each condition and deficit that makes the national prevalence hit its target."""
    population = _single_year_population()
    ages = np.arange(105, dtype=float)
    eth = ethnicity_shares()
    scales = {}
    for c in CONDITIONS:
        curve = age_curve(ages, c.centre, c.width, c.min_age, c.fade_after)
        sex = np.array([1.0, c.male]) if c.sex_only is None else np.eye(2)[c.sex_only]
        weighted = (population * sex[:, None] * curve[None, :])[:, c.denominator_age :].sum()
        denominator = population[:, c.denominator_age :].sum()
        rr = dict(c.ethnicity)
        mean_eth = float(sum(share * rr.get(name, 1.0) for name, share in zip(QRISK_ETHNICITIES, eth)))
        mean_eth = mean_eth * (1 - UNKNOWN_ETHNICITY_SHARE) + UNKNOWN_ETHNICITY_SHARE
        mean_dep = float(np.mean(np.exp(c.deprivation * _DECILE_SCORES)))
        scales[c.key] = c.prevalence * denominator / weighted / mean_eth / mean_dep
    curve = age_curve(ages, DEFICIT_CENTRE, DEFICIT_WIDTH, 40, None)
    older = population[:, 65:].sum()
    for key, share, _ in DEFICITS:
        scales[key] = share * older / (population[:, 65:] * curve[None, 65:]).sum()
    return scales


def check_model() -> None:
    """Every code the generator writes is in the codelists it is meant for, and in no other eFI group."""
    efi_lists = {c.key: c for c in cl.efi_deficits()}
    expected: dict[str, set[str]] = {}
    for c in CONDITIONS:
        for code, _ in c.codes:
            expected.setdefault(code, set()).update(c.codelists)
    for key, _, choices in DEFICITS:
        for code, _ in choices:
            expected.setdefault(code, set()).add(key)
    for code, key in CODES.values():
        expected.setdefault(code, set()).add(key)
    expected["248171000000108"].add("efi-care-requirement")
    expected["160734000"].add("efi-care-requirement")
    for code, lists in expected.items():
        for key in lists:
            if not cl.codelist(key).matches(code):
                raise AssertionError(f"synthetic code {code} is not in codelist {key}")
        in_efi = {key for key, c in efi_lists.items() if code in c.codes}
        unexpected = in_efi - lists
        if unexpected:
            raise AssertionError(f"synthetic code {code} would also count for eFI {sorted(unexpected)}")
    medicine_keys = {m.key for m in cl.medicines()}
    for regimen in list(REGIMENS.values()) + [((1.0, STATINS), (1.0, PPIS))]:
        for _, choices in regimen:
            for key, _ in choices:
                if key not in medicine_keys:
                    raise AssertionError(f"regimen medicine {key} is not in medicines.csv")
