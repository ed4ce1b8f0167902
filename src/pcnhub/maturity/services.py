"""Assessments, scores, plans and heatmaps over the stored answers (no HTTP here).

The pure rules (what a statement is, how a score is worked out) are in
:mod:`pcnhub.domain.maturity`; the matrices and support offers in :mod:`pcnhub.reference.maturity`.
This module keeps them in step with the database:

* :func:`open_assessment` / :func:`start_assessment` - an organisation's current assessment, and a
  new one that closes (keeps) it and starts from its answers;
* :func:`save_answers` - one page of answers, refusing to overwrite an answer someone else changed
  since the page was loaded (unless the user says so);
* :func:`score_of`, :func:`progress` - the step reached per domain now and at each assessment;
* :func:`heatmap`, :func:`support_requests` - an ICB's PCNs side by side and the support they ask for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from pcnhub.domain import maturity as m
from pcnhub.maturity.models import OPEN_ACTION_STATUSES, Action, Answer, Assessment
from pcnhub.reference import maturity as ref
from pcnhub.register import lineage
from pcnhub.register import services as register_services
from pcnhub.register.models import Organisation, OrgKind

#: Longest evidence or comment kept for one statement.
MAX_TEXT = 4000


def _name(user) -> str:
    """The name kept with an answer a user saves (blank without a signed-in user)."""
    return (user.get_full_name() or user.get_username())[:150] if getattr(user, "is_authenticated", False) else ""


#: Who changed an answer when neither a user nor a source was recorded (answers from before pcnhub kept it).
NOT_RECORDED = "not recorded"


def who(user) -> str:
    """A user's name (full name, else user name); :data:`NOT_RECORDED` without a user."""
    if user is None:
        return NOT_RECORDED
    return user.get_full_name() or user.get_username()


def recorder(answer: Answer | None) -> str:
    """Who last changed an answer: the user's name while the account exists, else the name kept when they saved
    (or the source, such as "the demo data"), else "" (not recorded: the pages say so)."""
    if answer is None:
        return ""
    if answer.updated_by_id and answer.updated_by is not None:
        return who(answer.updated_by)
    return answer.recorded_by


def today() -> dt.date:
    return timezone.localdate()


# --- Matrices and offers -------------------------------------------------------------------------


def matrix(key: str | None = None) -> m.Matrix:
    return ref.load_matrix(key)


def matrices_for(audience: str) -> list[m.Matrix]:
    """The matrices that have statements for ``audience``."""
    return [mx for mx in ref.matrices() if audience in mx.audiences()]


def offers() -> dict[str, m.SupportOffer]:
    return {offer.key: offer for offer in ref.support_offers()}


def offer_name(key: str) -> str:
    offer = offers().get(key)
    return offer.name if offer else f"{key} (no longer offered)"


def statement_place(mx: m.Matrix, statement_id: str) -> str:
    """Where a statement sits, in the matrix's own words: ``"Leadership, planning and partnerships, Step 2,
    statement 1"`` (its number among its step's statements for its audience); for an id not in the matrix, "a
    statement no longer in" the matrix. Never the internal id."""
    try:
        statement = mx.statement(statement_id)
        domain = mx.domain(statement.domain)
    except (KeyError, LookupError):
        return f"a statement no longer in {mx.name}"
    step = next((s for s in domain.steps if s.index == statement.step), None)
    if step is None:
        return domain.name
    number = next((i for i, s in enumerate(step.statements(statement.audience), 1) if s.id == statement_id), None)
    return f"{domain.name}, {step.name}" + (f", statement {number}" if number else "")


def statement_label(mx: m.Matrix, statement_id: str) -> str:
    """``"1.2 Text of the statement"`` style: the id and the text, or the id alone if unknown."""
    try:
        statement = mx.statement(statement_id)
    except (KeyError, LookupError):
        statement = None
    return f"{statement_id}: {statement.text}" if statement else f"{statement_id} (not in {mx.name})"


# --- Assessments ----------------------------------------------------------------------------------


def open_assessment(org: Organisation, audience: str) -> Assessment | None:
    return Assessment.objects.filter(organisation=org, audience=audience, closed=False).first()


def latest_assessment(org: Organisation, audience: str) -> Assessment | None:
    """The open assessment, else the most recent closed one."""
    return open_assessment(org, audience) or (
        Assessment.objects.filter(organisation=org, audience=audience).order_by("-as_of", "-id").first()
    )


def history(org: Organisation, audience: str, matrix_key: str) -> list[Assessment]:
    """Every assessment of ``org`` against the matrix, oldest first (the open one last): of a network, under each
    of its codes over time (:func:`pcnhub.register.lineage.same_network`), so its progress reads across its life."""
    codes = [named for named, _, _ in lineage.same_network(org)] if org.kind == OrgKind.PCN else [org]
    return list(
        Assessment.objects.filter(organisation__in=codes, audience=audience, matrix=matrix_key)
        .order_by("as_of", "-closed", "id")
    )


def current_matrix(org: Organisation, audience: str) -> m.Matrix:
    """The matrix of the organisation's latest assessment, else the default (national) matrix."""
    latest = latest_assessment(org, audience)
    if latest is not None:
        try:
            return matrix(latest.matrix)
        except (KeyError, LookupError, ValueError):
            pass
    return matrix()


@transaction.atomic
def start_assessment(org: Organisation, audience: str, matrix_key: str, user) -> Assessment:
    """Close the open assessment (kept, dated) and open a new one dated today.

    The new one starts from the old one's answers when both use the same matrix, so only what has
    changed needs answering again.
    """
    previous = open_assessment(org, audience)
    if previous is not None:
        previous.closed = True
        previous.closed_at = timezone.now()
        previous.save(update_fields=["closed", "closed_at"])
    new = Assessment.objects.create(organisation=org, audience=audience, matrix=matrix_key, as_of=today(),
                                    created_by=user)
    if previous is not None and previous.matrix == matrix_key:
        Answer.objects.bulk_create([
            Answer(assessment=new, statement_id=a.statement_id, status=a.status, evidence=a.evidence,
                   comment=a.comment, revision=a.revision, updated_by=a.updated_by, updated_at=a.updated_at,
                   recorded_by=a.recorded_by)
            for a in previous.answers.all()
        ])
    return new


def score_of(assessment: Assessment | None, mx: m.Matrix, audience: str) -> m.Score:
    """The score of an assessment (no assessment: nothing achieved)."""
    answers = assessment.statuses() if assessment is not None else {}
    return m.score(mx, answers, audience)


def reached(domain_score: m.DomainScore) -> int:
    """Steps reached in a domain, as a number for charts: 0 none, 1 Foundation, 2 Step 1 ..."""
    return 0 if domain_score.step_reached is None else domain_score.step_reached + 1


def reached_label(domain_score: m.DomainScore) -> str:
    return domain_score.step_name if domain_score.step_reached is not None else "Not yet at Foundation"


@dataclass
class Progress:
    """Steps reached per domain at each assessment of a matrix, oldest first."""

    dates: list[dt.date]
    assessments: list[Assessment]
    domains: list[m.Domain]
    #: ``rows[i][j]``: the DomainScore of domain j at assessment i.
    rows: list[list[m.DomainScore]]


def progress(org: Organisation, audience: str, mx: m.Matrix) -> Progress:
    found = history(org, audience, mx.key)
    rows = [list(score_of(a, mx, audience).domains) for a in found]
    return Progress([a.as_of for a in found], found, list(mx.domains), rows)


# --- Saving a page of answers ---------------------------------------------------------------------


def fingerprint(status: str, evidence: str, comment: str) -> str:
    """A short digest of an answer as the page showed it, to tell what the user changed."""
    text = "\x1f".join([status or "", (evidence or "").strip(), (comment or "").strip()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Posted:
    """One statement's answer as a form posted it."""

    statement_id: str
    status: str
    evidence: str
    comment: str
    revision: int = 0  # the revision the page was loaded with (0: no answer then)
    loaded: str = ""  # fingerprint of the answer the page was loaded with
    replace: int | None = None  # the revision of someone else's answer the user chose to replace

    @property
    def values(self) -> tuple[str, str, str]:
        return (self.status or m.NOT_STARTED, self.evidence.strip(), self.comment.strip())

    @property
    def touched(self) -> bool:
        """Did the user change this answer on the page?"""
        return fingerprint(self.status, self.evidence, self.comment) != self.loaded

    @property
    def blank(self) -> bool:
        return not self.status and not self.evidence.strip() and not self.comment.strip()


@dataclass
class Conflict:
    """Someone else saved this statement after the page was loaded: their answer was kept."""

    posted: Posted
    theirs: Answer


@dataclass
class Saved:
    assessment: Assessment
    changed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def answer_values(answer: Answer | None) -> tuple[str, str, str]:
    if answer is None:
        return ("", "", "")
    return (answer.status, answer.evidence, answer.comment)


def save_answers(org: Organisation, audience: str, mx: m.Matrix, posted: list[Posted], user) -> Saved:
    """Save the answers the user changed; keep (and report) those someone else changed meanwhile.

    A statement counts as changed by the user when its posted answer differs from the one the page
    was loaded with. It is saved when its stored revision is still the one loaded, or when the user
    chose to replace the newer revision now stored; otherwise it is a :class:`Conflict` and the stored
    answer stays. The first save opens an assessment; every save dates the assessment today.
    """
    with transaction.atomic():
        assessment = open_assessment(org, audience)
        if assessment is None:
            assessment = Assessment.objects.create(organisation=org, audience=audience, matrix=mx.key,
                                                   as_of=today(), created_by=user)
        else:
            # Serialise concurrent saves of the same assessment (a no-op on SQLite, which locks the file).
            assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        stored = {a.statement_id: a for a in assessment.answers.select_related("updated_by")
                  .filter(statement_id__in=[p.statement_id for p in posted])}
        result = Saved(assessment)
        now = timezone.now()
        for p in posted:
            if not p.touched:
                continue
            answer = stored.get(p.statement_id)
            if answer is None and p.blank:
                continue
            if answer is not None and answer_values(answer) == p.values:
                continue
            current = answer.revision if answer is not None else 0
            if current != p.revision and p.replace != current:
                result.conflicts.append(Conflict(p, answer))
                continue
            status, evidence, comment = p.values
            if answer is None:
                Answer.objects.create(assessment=assessment, statement_id=p.statement_id, status=status,
                                      evidence=evidence, comment=comment, revision=1, updated_by=user,
                                      updated_at=now, recorded_by=_name(user))
            else:
                answer.status, answer.evidence, answer.comment = status, evidence, comment
                answer.revision = current + 1
                answer.updated_by, answer.updated_at, answer.recorded_by = user, now, _name(user)
                answer.save()
            result.changed.append(p.statement_id)
        if result.changed and assessment.as_of != today():
            assessment.as_of = today()
            assessment.save(update_fields=["as_of"])
    return result


# --- Development plan -----------------------------------------------------------------------------


def actions_of(pcn: Organisation) -> list[Action]:
    return list(Action.objects.filter(pcn=pcn).select_related("updated_by", "created_by")
                .order_by("status", "due", "id"))


def offers_for_statements(statement_ids) -> list[m.SupportOffer]:
    """Support offers that help with any of the statements."""
    wanted = set(statement_ids)
    return [offer for offer in ref.support_offers() if wanted & set(offer.statements)]


# --- An ICB's PCNs --------------------------------------------------------------------------------


@dataclass
class HeatmapRow:
    pcn: Organisation
    assessment: Assessment | None
    score: m.Score | None
    open_actions: int
    overdue_actions: int

    def cell(self, key: str) -> m.DomainScore | None:
        if self.score is None:
            return None
        try:
            return self.score.domain(key)
        except (KeyError, LookupError):
            return None


@dataclass
class Heatmap:
    icb: Organisation
    matrix: m.Matrix
    rows: list[HeatmapRow]
    #: PCNs assessed against another matrix (not comparable domain by domain): (pcn, matrix name).
    other: list[tuple[Organisation, str]]


def area_pcns(icb: Organisation) -> list[Organisation]:
    pcns, _ = register_services.area_members(icb, register_services.latest_data_date())
    return pcns


def heatmap(icb: Organisation, mx: m.Matrix | None = None) -> Heatmap:
    """Each PCN of the ICB with the step reached per domain in its latest assessment against ``mx``."""
    mx = mx or matrix()
    pcns = area_pcns(icb)
    latest: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(organisation__in=pcns, audience=m.PCN).order_by("as_of", "-closed", "id"):
        latest[a.organisation_id] = a  # the last wins: the open one, else the newest closed
    actions = defaultdict(list)
    for action in Action.objects.filter(pcn__in=pcns, status__in=OPEN_ACTION_STATUSES):
        actions[action.pcn_id].append(action)
    statuses: dict[int, dict[str, str]] = defaultdict(dict)  # every PCN's answers in one query, not one each
    chosen = [a.pk for a in latest.values() if a.matrix == mx.key]
    for assessment_id, statement, status in Answer.objects.filter(assessment_id__in=chosen).values_list(
            "assessment_id", "statement_id", "status"):
        statuses[assessment_id][statement] = status
    rows, other = [], []
    day = today()
    for pcn in pcns:
        a = latest.get(pcn.pk)
        if a is not None and a.matrix != mx.key:
            try:
                other.append((pcn, matrix(a.matrix).name))
            except (KeyError, LookupError, ValueError):
                other.append((pcn, a.matrix))
            a = None
        rows.append(HeatmapRow(
            pcn=pcn, assessment=a, score=m.score(mx, statuses[a.pk], m.PCN) if a is not None else None,
            open_actions=len(actions[pcn.pk]),
            overdue_actions=sum(1 for x in actions[pcn.pk] if x.overdue_on(day)),
        ))
    return Heatmap(icb, mx, rows, other)


@dataclass
class SupportRequest:
    offer_key: str
    name: str
    group: str
    #: (pcn, open actions of that PCN asking for this offer)
    pcns: list[tuple[Organisation, list[Action]]]

    @property
    def actions(self) -> int:
        return sum(len(actions) for _, actions in self.pcns)


def support_requests(pcns: list[Organisation]) -> list[SupportRequest]:
    """The support the PCNs' open actions ask for, offer by offer (catalogue order, then unknown keys)."""
    by_offer: dict[str, dict[int, list[Action]]] = defaultdict(lambda: defaultdict(list))
    names = {p.pk: p for p in pcns}
    for action in Action.objects.filter(pcn__in=pcns, status__in=OPEN_ACTION_STATUSES).order_by("due", "id"):
        for key in action.support_requested or []:
            by_offer[key][action.pcn_id].append(action)
    catalogue = offers()
    order = [k for k in catalogue if k in by_offer] + sorted(k for k in by_offer if k not in catalogue)
    out = []
    for key in order:
        offer = catalogue.get(key)
        out.append(SupportRequest(
            offer_key=key, name=offer.name if offer else f"{key} (no longer offered)",
            group=offer.group if offer else "",
            pcns=sorted(((names[pid], acts) for pid, acts in by_offer[key].items()), key=lambda x: x[0].name),
        ))
    return out
