"""The supervisor's review pages: visit history with its export, and the access log with extracts."""

from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.audit import services as audit
from app.audit.pages import shown_and_logged
from app.auth.access import role_required
from app.caseload.services import visible_citizens
from app.contacts import indicators as contact_indicators
from app.core.timeutil import local_today
from app.extensions import db
from app.models import AuditAction, Citizen, Role
from app.supervision import access_log, charts, dashboard, history, indicators
from app.supervision.forms import AccessFilterForm, HistoryFilterForm
from app.supervision.scope import scope_of

bp = Blueprint("supervision", __name__)
VARY = {"Vary": "HX-Request"}


def _scope_and_member() -> tuple[frozenset[int], int | None]:
    """The reviewer's team, or the one jobformidler of it the page is narrowed to."""
    scope = scope_of(current_user)
    member = request.args.get("jobformidler", type=int)
    if member is not None and member not in scope:
        abort(404)
    return (frozenset({member}) if member else scope), member


def _page_or_fragment(page: str, fragment: str, target: str) -> str:
    """The whole page, or only its fragment when htmx asks to replace the element with id `target`."""
    return fragment if request.htmx and request.htmx.target == target else page


@bp.route("/leder")
@role_required(Role.SUPERVISOR)
def overview() -> ResponseReturnValue:
    """The supervisor's dashboard: programme indicators, caseloads against the cap, overdue visits, the
    citizens longest without an on-site visit; the team trend loads on its own (/leder/tendens)."""
    scope, member = _scope_and_member()
    today = local_today()
    board = dashboard.dashboard(scope, request.args.get("periode", dashboard.DEFAULT_PERIOD), today)
    context = {
        "board": board,
        "periods": dashboard.PERIODS,
        "members": history.team_members(current_user),
        "member": member,
        "cap": current_app.config["CASELOAD_CAP"],
        "today": today,
        "query": _query_without_page(),
    }
    template = _page_or_fragment(
        "supervision/dashboard.html", "supervision/_dashboard_body.html", "dashboard-body"
    )
    return shown_and_logged(
        template, context, citizen_ids=[gap.citizen_id for gap in board.gaps], object_type="dashboard"
    ), VARY


@bp.route("/leder/tendens")
@role_required(Role.SUPERVISOR)
def trend() -> ResponseReturnValue:
    """The team's indicators month by month: a chart with a table beside it (counts only, no names)."""
    scope, _member = _scope_and_member()
    months = dashboard.trend(scope, local_today())
    chart = charts.trend_chart(months, dashboard.TREND_KEYS)
    return render_template(
        "supervision/_trend.html", months=months, keys=dashboard.TREND_KEYS, chart=chart
    ), VARY


@bp.route("/leder/indikator/<key>")
@role_required(Role.SUPERVISOR)
def indicator_citizens(key: str) -> ResponseReturnValue:
    """The citizens behind an indicator: its numerator, its denominator, or those it misses."""
    if key not in indicators.KEYS and key not in contact_indicators.KEYS:
        abort(404)
    part = request.args.get("del", "missing")
    if part not in ("numerator", "denominator", "missing"):
        abort(404)
    scope, member = _scope_and_member()
    today = local_today()
    period = request.args.get("periode", dashboard.DEFAULT_PERIOD)
    period = period if period in dashboard.PERIODS else dashboard.DEFAULT_PERIOD
    start, end = dashboard.period_bounds(period, today)
    names: list[str] = []
    if key in contact_indicators.KEYS:
        weeks = current_app.config["RUN_UP_WEEKS"]
        measured = next(
            i for i in contact_indicators.indicators(scope, start, end, today, weeks) if i.key == key
        )
        ids, names = contact_indicators.drill_down(key, part, scope, start, end, today, weeks)
        citizens = list(
            db.session.scalars(
                sa.select(Citizen).where(Citizen.id.in_(ids)).order_by(Citizen.first_name, Citizen.last_name)
            )
        )
    else:
        measured = indicators.indicator(key, scope, start, end, today)
        citizens = list(
            db.session.scalars(indicators.indicator_citizens(key, part, scope, start, end, today))
        )
    context = {
        "names": names,
        "indicator": measured,
        "part": part,
        "citizens": citizens,
        "period": period,
        "periods": dashboard.PERIODS,
        "start": start,
        "end": end,
        "member": member,
    }
    return shown_and_logged(
        "supervision/indicator.html", context, citizen_ids=[c.id for c in citizens], object_type="indicator"
    )


def _page_number() -> int:
    return request.args.get("side", default=1, type=int) or 1


def _history_form() -> HistoryFilterForm:
    form = HistoryFilterForm(history.team_members(current_user), formdata=request.args)
    form.validate()
    return form


@bp.route("/leder/besoeg")
@role_required(Role.SUPERVISOR)
def visit_history() -> ResponseReturnValue:
    """The team's visits: filters, pages, each visit's summary and sealed PDF."""
    form = _history_form()
    chosen = form.filter()
    page = history.history_page(current_user, chosen, _page_number())
    context = {"form": form, "page": page, "query": _query_without_page()}
    template = _page_or_fragment("supervision/history.html", "supervision/_history_rows.html", "history-rows")
    body = shown_and_logged(
        template,
        context,
        citizen_ids=sorted({v.placement.citizen_id for v in page.rows}),
        object_type="visit_history",
        action=AuditAction.SEARCH if chosen.search_term else AuditAction.READ,
        search_term=chosen.search_term,
    )
    return body, VARY


def _query_without_page() -> str:
    return urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "side" and v])


@bp.route("/leder/besoeg.csv")
@role_required(Role.SUPERVISOR)
def visit_history_csv() -> ResponseReturnValue:
    """The filtered history as CSV; the export is in the access log of every citizen in it."""
    form = _history_form()
    chosen = form.filter()
    visits = history.history_rows(current_user, chosen)
    content = history.history_csv(visits)
    audit.record(
        AuditAction.EXPORT,
        "export",
        citizen_ids=sorted({v.placement.citizen_id for v in visits}) or [None],
        object_type="visit_history",
        search_term=chosen.search_term,
    )
    db.session.commit()
    filename = f"besoeg-{local_today().isoformat()}.csv"
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- The access log -----------------------------------------------------------------------------------


@bp.route("/adgangslog")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def access() -> ResponseReturnValue:
    """Who used which citizen's data, when and how: searchable by the administrator and the supervisor."""
    form = AccessFilterForm(access_log.reviewable_users(current_user), formdata=request.args)
    form.validate()
    page = access_log.access_page(current_user, form.filter(), _page_number())
    shown = sorted({citizen.id for _, citizen in page.rows if citizen is not None})
    context = {
        "form": form,
        "page": page,
        "query": _query_without_page(),
        "subjects": access_log.subjects(page.rows),
    }
    template = _page_or_fragment(
        "supervision/access_log.html", "supervision/_access_rows.html", "access-rows"
    )
    return shown_and_logged(
        template,
        context,
        citizen_ids=shown,
        object_type="access_log",
        action=AuditAction.SEARCH if form.citizen.data else AuditAction.READ,
        purpose="access_log",
        search_term=form.citizen.data or None,
    ), VARY


def _extract_citizen(citizen_id: int) -> Citizen:
    if current_user.role == Role.ADMIN:
        citizen = db.session.get(Citizen, citizen_id)
    else:
        citizen = db.session.scalar(visible_citizens(current_user).where(Citizen.id == citizen_id))
    if citizen is None:
        abort(404)
    return citizen


@bp.route("/adgangslog/borger/<int:citizen_id>/udtraek.<any(csv, pdf):kind>")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def extract(citizen_id: int, kind: str) -> ResponseReturnValue:
    """A citizen's extract: when and why their data was used, without employee names."""
    citizen = _extract_citizen(citizen_id)
    rows = access_log.extract_rows(citizen)
    audit.record(AuditAction.EXPORT, "extract", citizen_ids=[citizen.id], object_id=citizen.id)
    db.session.commit()
    filename = f"udtraek-adgangslog-{citizen.case_ref}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return Response(access_log.extract_csv(rows), mimetype="text/csv", headers=headers)
    pdf = access_log.extract_pdf(citizen, rows, local_today(), current_app.config["MUNICIPALITY_NAME"])
    return Response(pdf, mimetype="application/pdf", headers=headers)
