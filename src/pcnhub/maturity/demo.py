"""Maturity assessments for the demo (``pcnhub demo``), in Mid and South Essex (QH8), the demo
commissioner's ICB. All of it is invented to show the pages, not any PCN's real assessment:

* the demo PCN (U27924): two dated assessments against the national matrix, a year apart, the later
  one further on; and a development plan of a few actions, one overdue and asking for support;
* a few more PCNs of QH8: one assessment each, at different steps, so the ICB heatmap has rows;
* QH8's own assessment of the system statements.

Running it again changes nothing: an organisation that already has an assessment is left alone.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.models import Action, ActionStatus, Answer, Assessment
from pcnhub.register.models import Organisation, OrgKind

DEMO_ICB = "QH8"
DEMO_PCN = "U27924"
#: How many further PCNs of QH8 get an assessment.
MORE_PCNS = 4
EARLIER = dt.date(2025, 3, 27)
#: Who the demo's answers say changed them (no user did).
DEMO_RECORDER = "the demo data"
LATER = dt.date(2026, 3, 26)


def _answers(mx: m.Matrix, audience: str, steps: dict[str, int], in_progress: int = 1) -> dict[str, str]:
    """Statuses reaching ``steps[domain]`` steps (0: none), with the next step's first statements in progress."""
    answers = {}
    for domain in mx.domains:
        reached = steps.get(domain.key, 0)
        for step in domain.steps:
            statements = step.statements(audience)
            if step.index < reached:
                answers.update({s.id: m.ACHIEVED for s in statements})
            elif step.index == reached:
                answers.update({s.id: m.IN_PROGRESS for s in statements[:in_progress]})
                answers.update({s.id: m.NOT_STARTED for s in statements[in_progress:]})
    return answers


def _assessment(org, audience: str, mx: m.Matrix, as_of: dt.date, statuses: dict[str, str], closed: bool,
                evidence: dict[str, str] | None = None) -> Assessment:
    a = Assessment.objects.create(organisation=org, audience=audience, matrix=mx.key, as_of=as_of, closed=closed,
                                  closed_at=timezone.now() if closed else None)
    at = timezone.make_aware(dt.datetime.combine(as_of, dt.time(10, 0)))
    Answer.objects.bulk_create([
        Answer(assessment=a, statement_id=sid, status=status, evidence=(evidence or {}).get(sid, ""),
               revision=1, updated_at=at, recorded_by=DEMO_RECORDER)
        for sid, status in statuses.items()
    ])
    return a


def load_maturity_demo(out: TextIO = sys.stdout) -> None:
    """Add the demo's assessments and plan (once)."""
    icb = Organisation.objects.filter(code=DEMO_ICB, kind=OrgKind.ICB).first()
    if icb is None:
        out.write(f"maturity demo skipped: no ICB {DEMO_ICB} in the register\n")
        return
    mx = services.matrix()
    made = []
    with transaction.atomic():
        pcn = Organisation.objects.filter(code=DEMO_PCN, kind=OrgKind.PCN).first()
        if pcn is not None and not Assessment.objects.filter(organisation=pcn).exists():
            evidence = {"lpp-0-pcn-1": "Network vision agreed at the PCN board, minutes of 12 March 2025",
                        "mr-0-pcn-1": "Network Agreement signed by all member practices"}
            _assessment(pcn, m.PCN, mx, EARLIER, _answers(mx, m.PCN, {"lpp": 1, "mr": 1}), closed=True,
                        evidence=evidence)
            _assessment(pcn, m.PCN, mx, LATER, _answers(mx, m.PCN, {"lpp": 2, "phm": 1, "ic": 1, "mr": 2, "wpc": 1}),
                        closed=False, evidence=evidence)
            _plan(pcn, mx)
            made.append(pcn.code)
        others = [p for p in services.area_pcns(icb) if p.code != DEMO_PCN][:MORE_PCNS]
        for i, other in enumerate(others):
            if Assessment.objects.filter(organisation=other).exists():
                continue
            steps = {d.key: (i + j) % 3 for j, d in enumerate(mx.domains)}
            _assessment(other, m.PCN, mx, LATER - dt.timedelta(days=30 * (i + 1)), _answers(mx, m.PCN, steps),
                        closed=False)
            if i == 0:
                Action.objects.create(pcn=other, matrix=mx.key, title="Set up population health dashboards",
                                      statement_ids=["phm-1-pcn-1"], owner="PCN manager",
                                      due=services.today() + dt.timedelta(days=120), status=ActionStatus.PLANNED,
                                      support_requested=["business-intelligence"])
            made.append(other.code)
        if not Assessment.objects.filter(organisation=icb, audience=m.SYSTEM).exists():
            _assessment(icb, m.SYSTEM, mx, LATER, _answers(mx, m.SYSTEM, {"lpp": 2, "phm": 1, "ic": 1, "mr": 1,
                                                                          "wpc": 1}), closed=False)
            made.append(f"{icb.code} (system)")
    if made:
        out.write(f"maturity demo: assessments for {', '.join(made)}\n")
    else:
        out.write("maturity demo already loaded\n")


def _plan(pcn, mx: m.Matrix) -> None:
    """Four actions; due dates count from today, so exactly one open action is overdue."""
    today = services.today()
    actions = [
        ("Agree the network's shared development priorities with all member practices", ["lpp-2-pcn-1"],
         "Clinical Director", today - dt.timedelta(days=30), ActionStatus.IN_PROGRESS, ["governance-and-process"]),
        ("Set up a population health dashboard with the ICB's analysts", ["phm-1-pcn-1", "phm-1-pcn-2"],
         "PCN manager", today + dt.timedelta(days=90), ActionStatus.PLANNED, ["business-intelligence"]),
        ("Recruit a social prescribing link worker", ["ic-1-pcn-1"], "Operations lead",
         today - dt.timedelta(days=60), ActionStatus.DONE, ["recruitment-support"]),
        ("Hold a patient participation event with the community voluntary services", ["wpc-1-pcn-1"],
         "Patient engagement lead", today + dt.timedelta(days=180), ActionStatus.PLANNED, []),
    ]
    for title, statements, owner, due, status, support in actions:
        Action.objects.create(pcn=pcn, matrix=mx.key, title=title, statement_ids=statements, owner=owner, due=due,
                              status=status, support_requested=support)
