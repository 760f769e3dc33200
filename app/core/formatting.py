"""Locale selection and the Danish ways of writing dates, times and numbers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.core.timeutil import device_local, local_today, zone
from app.extensions import babel


def select_locale() -> str:
    """The user's own choice, then the session's, then Danish: the browser's language is not asked."""
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang") or request.args.get("lang")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def date_short(value: date | datetime | None) -> str:
    """23.11.2026"""
    return "" if value is None else format_date(value, "dd.MM.yyyy")


def date_long(value: date | datetime | None) -> str:
    """mandag d. 23. november 2026 (Monday 23 November 2026 in English)."""
    if value is None:
        return ""
    pattern = "EEEE 'd.' d. MMMM y" if str(get_locale()) == "da" else "EEEE d MMMM y"
    return format_date(value, pattern)


def date_weekday(value: date | None) -> str:
    """man. 30.11 · uge 49: the day and week, for plans; with the year when it is not this year
    (fre. 22.01.2027 · uge 3)."""
    if value is None:
        return ""
    pattern = "EEE dd.MM" if value.year == local_today().year else "EEE dd.MM.yyyy"
    return format_date(value, pattern) + " · " + _("week %(num)d", num=value.isocalendar().week)


def month_year(value: date | None) -> str:
    """november 2026"""
    return "" if value is None else format_date(value, "MMMM y")


def iso_date_short(value: str | None) -> str:
    """A date kept as ISO text (in JSON columns) written the Danish way."""
    return date_short(date.fromisoformat(value)) if value else ""


def datetime_short(value: datetime | None) -> str:
    """23.11.2026 14:05, 24-hour clock in the municipality's time zone."""
    return "" if value is None else format_datetime(value, "dd.MM.yyyy HH:mm")


def time_short(value: datetime | None) -> str:
    return "" if value is None else format_datetime(value, "HH:mm")


def _device_moment(value: datetime, offset_minutes: int | None) -> tuple[datetime, str]:
    """The moment in the device's own time, and its offset written out where it is not the municipality's."""
    local = device_local(value, offset_minutes)
    if local.utcoffset() == value.astimezone(zone()).utcoffset():
        return local, ""
    return local, " (UTC" + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:] + ")"


def device_datetime(value: datetime | None, offset_minutes: int | None = None) -> str:
    """01.12.2026 22:37 as the device's clock showed it, with its UTC offset if that was not Danish time."""
    if value is None:
        return ""
    local, suffix = _device_moment(value, offset_minutes)
    return babel_format_datetime(local, "dd.MM.yyyy HH:mm", locale=str(get_locale())) + suffix


def device_time(value: datetime | None, offset_minutes: int | None = None) -> str:
    """22:37 as the device's clock showed it (with its UTC offset if that was not Danish time)."""
    if value is None:
        return ""
    local, suffix = _device_moment(value, offset_minutes)
    return local.strftime("%H:%M") + suffix


def skew(seconds: int | None) -> str:
    """How far a device's clock was off, in words: "12 minutter foran", "3 timer bagud"."""
    if seconds is None:
        return ""
    minutes = abs(seconds) // 60
    amount = (
        ngettext("%(num)d minute", "%(num)d minutes", minutes)
        if minutes < 120
        else ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
        if minutes < 48 * 60
        else ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))
    )
    return _("%(amount)s ahead", amount=amount) if seconds > 0 else _("%(amount)s behind", amount=amount)


def week_number(value: date) -> int:
    return value.isocalendar().week


def hours(value: Decimal | float | None) -> str:
    """Hours with a Danish decimal comma and no trailing zeros: 7,5."""
    return "" if value is None else format_decimal(value, "#,##0.##")


def plan_label(code: str | None) -> str:
    """The scheduled visit's plan code ("7d", "1m", "3m") in words."""
    if not code:
        return ""
    if code.endswith("d") and "m" not in code:
        days = int(code[:-1])
        if days % 7 == 0:
            return ngettext("%(num)d week", "%(num)d weeks", days // 7)
        return ngettext("%(num)d day", "%(num)d days", days)
    if code.endswith("m"):
        return ngettext("%(num)d month", "%(num)d months", int(code[:-1]))
    return code


def days_since(value: date | None, today: date) -> str:
    if value is None:
        return _("never visited")
    days = (today - value).days
    if days == 0:
        return _("today")
    return ngettext("%(num)d day ago", "%(num)d days ago", days)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    for fn in (
        date_short,
        date_long,
        month_year,
        date_weekday,
        iso_date_short,
        datetime_short,
        time_short,
        device_datetime,
        device_time,
        skew,
        week_number,
        hours,
        plan_label,
    ):
        app.add_template_filter(fn)
    app.add_template_global(days_since)
