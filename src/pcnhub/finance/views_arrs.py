"""The ARRS plan editor of a PCN: its posts, the projection of their claims against the ARRS sum,
the monthly claims recorded, the year-end position and the headcount against the typical plan.

``/finance/pcn/<code>/arrs/?year=2024-25`` (default: the current financial year if the catalogue
covers it, else its latest). Who may see a PCN's plan (:func:`permissions.money_pcn`) and change it
(:func:`permissions.can_edit_plans`) is decided in :mod:`pcnhub.finance.permissions`: 404 for an
unknown code, 403 outside those rules (also for a POST by a user who may only look). Changes are
POST-redirect-GET with a success banner; a form that does not validate is shown again with the
NHS.UK error summary and nothing saved. Tables download as CSV or Excel:
``?format=csv|xlsx&table=posts|monthly|claims|headcount``.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import permissions, plans
from pcnhub.finance.forms_plans import ClaimForm, PostForm, post_description, post_label
from pcnhub.finance.models import ArrsClaim, ArrsPost, Employment
from pcnhub.finance.views_common import PlanRows, query_year
from pcnhub.pages import charts, exports
from pcnhub.pages.views import done, download_response, page, page_url

gbp = plans.gbp
STATUS_TAGS = {
    c.VERIFIED: {"text": "Verified", "css": "nhsuk-tag--green"},
    c.DERIVED: {"text": "Derived", "css": "nhsuk-tag--blue"},
    c.UNCERTAIN: {"text": "Uncertain", "css": "nhsuk-tag--orange"},
}
EMPLOYMENT_SHORT = {Employment.EMPLOYED: "Employed", Employment.SUB_CONTRACT: "Sub-contracted"}


def _number(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount)


def arrs_url(pcn, year: FinancialYear, anchor: str = "") -> str:
    return page_url("finance:arrs", [pcn.code], anchor, year=year.slug)


def _change_url(name: str, pcn, year: FinancialYear, *ids: int) -> str:
    """The URL of the change ``finance:arrs_<name>`` of the plan (of a post or claim ``ids``) for ``year``."""
    return page_url(f"finance:arrs_{name}", [pcn.code, *ids], year=year.slug)


# --- Views of the plan ---------------------------------------------------------------------------


def _maximum_view(row: plans.PostRow) -> dict:
    amount = row.maximum
    if amount is None:
        return {"text": "Not an ARRS role", "tag": None, "title": ""}
    if amount.value is None:
        text = "Not published"
    else:
        text = gbp(amount.value)
    return {"text": text, "tag": STATUS_TAGS.get(amount.status), "title": "; ".join(filter(None, [amount.note, amount.source]))}


def _post_view(pcn, year, row: plans.PostRow) -> dict:
    post = row.row
    return {
        "id": post.pk,
        "name": row.name,
        "label": post.label,
        "fte": plans.wte(post.fte),
        "start": post.start,
        "end": post.end,
        "cost": gbp(post.annual_cost),
        "employment": EMPLOYMENT_SHORT.get(post.employment, post.employment),
        "maximum": _maximum_view(row),
        "claims": gbp(row.claims) if row.in_year else "Not in post",
        "in_year": row.in_year,
        "months": plans.wte(row.projection.claimable_months) if row.projection is not None else "0",
        "edit": _change_url("post_edit", pcn, year, post.pk),
        "delete": _change_url("post_delete", pcn, year, post.pk),
    }


def _posts_table(plan: plans.ArrsPlan) -> exports.Table:
    rows = []
    for row in plan.posts:
        post, p = row.row, row.projection
        maximum = row.maximum
        rows.append([
            post.role, row.name, post.label, float(post.fte), post.start, post.end, float(post.annual_cost),
            EMPLOYMENT_SHORT.get(post.employment, post.employment),
            _number(maximum.value) if maximum else None, maximum.status if maximum else None,
            float(p.months_in_post) if p else None, float(p.claimable_months) if p else None,
            _number(p.cost_in_year) if p else None, _number(row.claims),
        ])
    rows.append(["", "Total", "", None, None, None, None, "", None, "", None, None,
                 _number(sum((r.projection.cost_in_year for r in plan.posts if r.projection), Decimal(0))),
                 _number(plan.projection.claims)])
    return exports.Table(
        f"arrs-{plan.pcn.code}-posts-{plan.year.slug}",
        ["Role key", "Role", "Post title or holder", "WTE", "Start", "End", "Annual cost (GBP)", "Employment",
         f"Maximum per WTE in {plan.year} (GBP)", "Maximum status", "Months in post in the year",
         "Claimable months", "Cost in the year (GBP)", "Projected claims in the year (GBP)"],
        rows,
    )


def _monthly_table(plan: plans.ArrsPlan) -> exports.Table:
    names = [plans.role_name(key) for key in plan.roles]
    rows = []
    for m in plan.months:
        rows.append([plans.month_label(m.month), *(_number(m.by_role[k]) for k in plan.roles), _number(m.projected),
                     _number(m.claimed), _number(m.difference), _number(m.expected)])
    ye = plan.year_end
    rows.append(["Total", *(_number(sum((m.by_role[k] for m in plan.months), Decimal(0))) for k in plan.roles),
                 _number(ye.projected), _number(ye.claimed), _number(ye.against_projection), _number(ye.expected)])
    # The total "claimed less projected" compares only the months with claims recorded.
    return exports.Table(
        f"arrs-{plan.pcn.code}-monthly-{plan.year.slug}",
        ["Month", *(f"Projected: {n} (GBP)" for n in names), "Projected claims (GBP)", "Claimed (GBP)",
         "Claimed less projected (GBP)", "Expected: claimed, else projected (GBP)"],
        rows,
    )


def _claims_table(plan: plans.ArrsPlan) -> exports.Table:
    return exports.Table(
        f"arrs-{plan.pcn.code}-claims-{plan.year.slug}",
        ["Month", "Role", "Post title or holder", "Post start", "Amount claimed (GBP)", "Projected (GBP)",
         "Recorded by", "Recorded at"],
        [[plans.month_label(cl.month), plans.role_name(cl.post.role), cl.post.label, cl.post.start, float(cl.amount),
          _number(plan.claim_projection(cl)), cl.submitted_by.get_username() if cl.submitted_by else None,
          cl.submitted_at.replace(tzinfo=None) if cl.submitted_at else None]
         for cl in plan.claims],
    )


def _headcount_table(pcn, count: plans.Headcount) -> exports.Table:
    rows = []
    for year in count.years:
        label = year.label
        for r in count.rows:
            planned = r.planned.get(label, Decimal(0))
            typical = r.typical.get(label) if count.compared(label) else None
            rows.append([label, r.role, r.name, float(planned), _number(typical),
                         _number(planned - typical) if typical is not None else None, count.weighted.get(label),
                         count.stands_in.get(label, "")])
    return exports.Table(
        f"arrs-{pcn.code}-headcount",
        ["Year", "Role key", "Role", "Planned average WTE", f"Typical plan WTE (scaled from {count.list_size:,})",
         "Planned less typical WTE", "Weighted list the typical plan is scaled by", "Weighted list note"],
        rows,
    )


def _headcount_view(count: plans.Headcount) -> dict:
    labels = [y.label for y in count.years]
    rows = []
    for r in count.rows:
        cells = []
        for label in labels:
            planned = r.planned.get(label, Decimal(0))
            typical = r.typical.get(label) if count.compared(label) else None
            cells.append({"planned": plans.wte(planned), "typical": plans.wte(typical) if typical is not None else None,
                          "below": typical is not None and planned < typical})
        rows.append({"role": r.role, "name": r.name, "cells": cells})
    totals = []
    for label in labels:
        typical = count.typical_total(label)
        totals.append({"planned": plans.wte(count.planned_total(label)),
                       "typical": plans.wte(typical) if typical is not None else None,
                       "weighted": count.weighted.get(label) if label in count.typical_years else None})
    return {"labels": labels, "rows": rows, "totals": totals}


def _charts(plan: plans.ArrsPlan, count: plans.Headcount) -> tuple[dict, dict]:
    projection = {
        "kind": "projection",
        "title": f"Projected ARRS claims of {plan.pcn.name} by month, {plan.year}",
        "labels": [f"{m.month:%b %Y}" for m in plan.months],
        # the roles in at most five colours; the two lines (the even spread and the claims) take the next two
        "series": charts.group_series([{"name": plans.role_name(k), "values": [float(m.by_role[k]) for m in plan.months]}
                                       for k in plan.roles], limit=charts.MAX_SERIES - 3, other="Other roles"),
        "even": _number((plan.sum.amount / 12).quantize(plans.PENNY)) if plan.sum.amount is not None else None,
        "claimed": [_number(m.claimed) for m in plan.months],
    }
    labels = [y.label for y in count.years]
    headcount = {
        "kind": "headcount",
        "title": f"Average WTE in post by year, {plan.pcn.name}, against the typical plan",
        "years": labels,
        "series": charts.group_series([{"name": r.name, "values": [float(r.planned.get(label, 0)) for label in labels]}
                                       for r in count.rows if r.planned], limit=charts.MAX_SERIES - 2,
                                      other="Other roles"),
        "typical": [_number(count.typical_total(label)) for label in labels],
    }
    return projection, headcount


def _arrs_page(request: HttpRequest, pcn, post_form: PostForm | None = None,
               claim_form: ClaimForm | None = None) -> HttpResponse:
    form, year = query_year(request)
    used = plans.population_used(pcn, year)
    plan = plans.arrs_plan(pcn, year, used)
    count_cache: list[plans.Headcount] = []

    def count() -> plans.Headcount:
        if not count_cache:
            count_cache.append(plans.headcount(pcn, [r.row for r in plan.posts], {year.label: used}))
        return count_cache[0]

    download = download_response(request, {
        "posts": lambda: _posts_table(plan),
        "monthly": lambda: _monthly_table(plan),
        "claims": lambda: _claims_table(plan),
        "headcount": lambda: _headcount_table(pcn, count()),
    })
    if download:
        return download
    can_edit = permissions.can_edit_plans(request.scope, pcn)
    if can_edit:
        post_form = post_form or PostForm(pcn=pcn, user=request.user, prefix="post")
        claim_form = claim_form or ClaimForm(pcn=pcn, user=request.user, year=year, prefix="claim")
    failed = [f for f in (post_form, claim_form) if f is not None and f.is_bound and f.errors]
    projection = plan.projection
    headroom = projection.headroom
    projection_chart, headcount_chart = _charts(plan, count())
    ye = plan.year_end
    context = {
        "query": form.data,
        "form": form,
        "pcn": pcn,
        "year": year,
        "plan": plan,
        "used": used,
        "sum": {
            "amount": gbp(plan.sum.amount),
            "tag": STATUS_TAGS[plan.sum.status],
            "lines": [{"name": line.payment.name, "amount": gbp(line.amount), "override": line.override.describe()
                       if line.override else "", "quantity": line.quantity} for line in plan.sum.lines],
            "weighted": used.weighted,
            "weighted_recorded": used.weighted_recorded,
            "even": gbp((plan.sum.amount / 12).quantize(plans.PENNY)) if plan.sum.amount is not None else "",
        },
        "summary": {
            "projected": gbp(projection.claims),
            "headroom": gbp(abs(headroom)) if headroom is not None else "Not known",
            "overspend": headroom is not None and headroom < 0,
            "reimbursed": gbp(projection.reimbursed),
            "separate": gbp(projection.separate_pot_claims) if projection.separate_pot_claims else "",
        },
        "warnings": list(projection.warnings),
        "notes": [*plan.notes, *projection.notes],
        "population_notes": used.notes,
        "posts": [_post_view(pcn, year, row) for row in plan.posts],
        "posts_total": {
            "cost": gbp(sum((r.projection.cost_in_year for r in plan.posts if r.projection), Decimal(0))),
            "claims": gbp(projection.claims),
        },
        "months": [{"label": plans.month_label(m.month), "projected": gbp(m.projected),
                    "claimed": gbp(m.claimed) if m.claimed is not None else "None recorded",
                    "difference": gbp(m.difference) if m.difference is not None else "",
                    "expected": gbp(m.expected), "has_claim": m.claimed is not None,
                    "by_role": [gbp(m.by_role[k]) for k in plan.roles]} for m in plan.months],
        "role_names": [plans.role_name(k) for k in plan.roles],
        "role_totals": [gbp(sum((m.by_role[k] for m in plan.months), Decimal(0))) for k in plan.roles],
        "claims": [{"id": cl.pk, "month": plans.month_label(cl.month), "post": post_label(cl.post),
                    "amount": gbp(cl.amount), "projected": gbp(plan.claim_projection(cl)),
                    "by": cl.submitted_by.get_username() if cl.submitted_by else "",
                    "delete": _change_url("claim_delete", pcn, year, cl.pk)}
                   for cl in plan.claims],
        "year_end": {
            "claimed": gbp(ye.claimed), "projected": gbp(ye.projected), "expected": gbp(ye.expected),
            "sum": gbp(ye.arrs_sum), "unclaimed": gbp(abs(ye.unclaimed)) if ye.unclaimed is not None else "Not known",
            "over": ye.over, "reimbursable": gbp(ye.reimbursable), "months": ye.months_claimed,
            "against": gbp(ye.against_projection),
            "projected_claimed_months": gbp(ye.projected_in_claimed_months),
            "expected_headroom": gbp(abs(ye.expected_headroom)) if ye.expected_headroom is not None else "Not known",
            "expected_over": ye.expected_headroom is not None and ye.expected_headroom < 0,
        },
        "headcount": _headcount_view(count()),
        "count": count(),
        "projection_chart": projection_chart,
        "headcount_chart": headcount_chart,
        "can_edit": can_edit,
        "post_form": post_form,
        "claim_form": claim_form,
        "failed": failed,
        "problems": [p for f in failed for p in f.error_list()],
        "post_action": _change_url("post_add", pcn, year),
        "claim_action": _change_url("claim", pcn, year),
        "has_claimable_posts": claim_form is not None and claim_form.fields["post"].queryset.exists(),
    }
    return render(request, "finance/plans_arrs.html", context)


@require_GET
@page
def arrs_plan(request: HttpRequest, code: str) -> HttpResponse:
    return _arrs_page(request, permissions.money_pcn(request.scope, code))


# --- Changes -------------------------------------------------------------------------------------


POSTS = PlanRows(
    period=query_year,
    back=lambda pcn, year: arrs_url(pcn, year, "posts"),
    form=lambda *data, period, **kwargs: PostForm(*data, prefix="post", **kwargs),
    page=lambda request, pcn, form: _arrs_page(request, pcn, post_form=form),
    rows=lambda pcn: ArrsPost.objects.filter(pcn=pcn),
)
CLAIMS = PlanRows(
    period=query_year,
    back=lambda pcn, year: arrs_url(pcn, year, "claims"),
    form=lambda *data, period, **kwargs: ClaimForm(*data, year=period, prefix="claim", **kwargs),
    page=lambda request, pcn, form: _arrs_page(request, pcn, claim_form=form),
    rows=lambda pcn: ArrsClaim.objects.select_related("post").filter(post__pcn=pcn),
)


@require_POST
@page
def arrs_post_add(request: HttpRequest, code: str) -> HttpResponse:
    """POST: a new post. The plan opens at its top, where the banner says what was added and the year's new
    headroom (the summary below it shows the same), rather than at the table of posts further down."""
    pcn, year = POSTS.editing(request, code)
    form = POSTS.form(request.POST, pcn=pcn, user=request.user, period=year)
    if request.method == "POST" and form.is_valid():
        added = form.save()
        return done(request, f"{added}. {headroom_sentence(pcn, year)}", arrs_url(pcn, year))
    return POSTS.page(request, pcn, form)


def headroom_sentence(pcn, year: FinancialYear) -> str:
    """The year's ARRS headroom once the plan has changed, as a sentence for the banner."""
    headroom = plans.arrs_plan(pcn, year, plans.population_used(pcn, year)).projection.headroom
    if headroom is None:
        return f"The headroom in {year} is not known: no ARRS sum can be worked out."
    if headroom < 0:
        return f"The projected claims for {year} are now {gbp(-headroom)} over the ARRS sum."
    return f"Headroom in {year}: {gbp(headroom)} left in the ARRS sum."


@require_http_methods(["GET", "POST"])
@page
def arrs_post_edit(request: HttpRequest, code: str, post_id: int) -> HttpResponse:
    return POSTS.edit(request, code, post_id, "finance/plans_arrs_post.html", lambda pcn, year, post: {
        "year": year, "post": post, "name": plans.role_name(post.role),
        "action": _change_url("post_edit", pcn, year, post.pk)})


@require_http_methods(["GET", "POST"])
@page
def arrs_post_delete(request: HttpRequest, code: str, post_id: int) -> HttpResponse:
    """GET asks to confirm (the post's recorded claims go with it); POST deletes."""
    if request.method == "POST":
        return POSTS.delete(request, code, post_id, _deleted_post)
    pcn, year = POSTS.editing(request, code)
    post = POSTS.row(pcn, post_id)
    claims = post.claims.count()
    return render(request, "finance/plans_confirm_delete.html", {
        "pcn": pcn, "what": post_description(post), "back": arrs_url(pcn, year, "posts"),
        "title": "Delete this post?", "caption": f"ARRS plan, {pcn.name}",
        "consequence": (f"The {claims} claim{'s' if claims != 1 else ''} recorded for this post will be deleted too."
                        if claims else "No claims are recorded for this post."),
        "action": _change_url("post_delete", pcn, year, post.pk),
        "button": "Delete post",
    })


def _deleted_post(post: ArrsPost) -> str:
    claims = post.claims.count()
    extra = f", with its {claims} recorded claim{'s' if claims != 1 else ''}" if claims else ""
    return f"{post_description(post)} deleted{extra}"


@require_POST
@page
def arrs_claim(request: HttpRequest, code: str) -> HttpResponse:
    """Record the claim of one post for one month (a second one for the same month replaces it)."""
    return CLAIMS.add(request, code)


@require_POST
@page
def arrs_claim_delete(request: HttpRequest, code: str, claim_id: int) -> HttpResponse:
    return CLAIMS.delete(request, code, claim_id, lambda claim: (
        f"Claim of {gbp(claim.amount)} for {post_label(claim.post)} in {plans.month_label(claim.month)} deleted"))
