"""Locale selection and the Danish ways of writing dates, times and numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_datetime as babel_format_datetime
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.core.timeutil import device_local, local_today, zone
from app.extensions import babel


def select_locale() -> str:
    """The user's own choice, then the session's, then Danish: the browser's language is not asked."""
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang") or request.args.get("lang")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _date(value: date | datetime, pattern: str) -> str:
    try:
        return format_date(value, pattern)
    except OverflowError:
        # Within hours of year 1 or 9999 (stored before dates were checked) a time has no local day:
        # write its UTC day, so that the page showing it still opens.
        return format_date(value.date() if isinstance(value, datetime) else value, pattern)


def date_short(value: date | datetime | None) -> str:
    """23.11.2026"""
    return "" if value is None else _date(value, "dd.MM.yyyy")


def date_long(value: date | datetime | None) -> str:
    """mandag d. 23. november 2026 (Monday 23 November 2026 in English)."""
    if value is None:
        return ""
    pattern = "EEEE 'd.' d. MMMM y" if str(get_locale()) == "da" else "EEEE d MMMM y"
    return _date(value, pattern)


def date_weekday(value: date | None) -> str:
    """man. 30.11 · uge 49: the day and week, for plans; with the year when it is not this year
    (fre. 22.01.2027 · uge 3)."""
    if value is None:
        return ""
    pattern = "EEE dd.MM" if value.year == local_today().year else "EEE dd.MM.yyyy"
    return format_date(value, pattern) + " · " + gettext("week %(num)d", num=value.isocalendar().week)


def month_year(value: date | None) -> str:
    """november 2026"""
    return "" if value is None else format_date(value, "MMMM y")


def iso_date_short(value: str | None) -> str:
    """A date kept as ISO text (in JSON columns) written the Danish way."""
    return date_short(date.fromisoformat(value)) if value else ""


def _datetime(value: datetime, pattern: str) -> str:
    try:
        return format_datetime(value, pattern)
    except OverflowError:  # see _date: odd stored times are written in UTC
        return format_datetime(value, pattern, rebase=False)


def datetime_short(value: datetime | None) -> str:
    """23.11.2026 14:05, 24-hour clock in the municipality's time zone."""
    return "" if value is None else _datetime(value, "dd.MM.yyyy HH:mm")


def time_short(value: datetime | None) -> str:
    return "" if value is None else _datetime(value, "HH:mm")


def _device_moment(value: datetime, offset_minutes: int | None) -> tuple[datetime, str]:
    """The moment in the device's own time, and its offset written out where it is not the municipality's."""
    local = device_local(value, offset_minutes)
    try:
        danish = value.astimezone(zone()).utcoffset()
    except OverflowError:  # odd stored data near year 1 or 9999: shown as it is
        return local, ""
    if local.utcoffset() == danish:
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
    return (
        gettext("%(amount)s ahead", amount=amount)
        if seconds > 0
        else gettext("%(amount)s behind", amount=amount)
    )


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
        return gettext("never visited")
    days = (today - value).days
    if days == 0:
        return gettext("today")
    return ngettext("%(num)d day ago", "%(num)d days ago", days)


# Each locale's catalogue, as Flask-Babel loaded it (it keeps them for the process too).
_catalogues: dict[tuple[str, str | None, str | None, str | None], Translations | NullTranslations] = {}


def _translations() -> Translations | NullTranslations:
    """The catalogue of the locale in force (the request's, or force_locale's), found from the locale
    alone: Flask-Babel's own look-up, made again for every string in a template, cost about a third of
    the home page's render (issue 14)."""
    locale = get_locale()
    if locale is None:  # outside a request
        return get_translations()
    key = (locale.language, locale.territory, locale.script, locale.variant)
    found = _catalogues.get(key)
    if found is None:
        found = _catalogues[key] = get_translations()
    return found


def gettext(string: str, **variables: object) -> str:
    """Flask-Babel's gettext through the catalogue found from the locale alone (see `_translations`):
    for the words the filters and labels write on every row of a page."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """Flask-Babel's ngettext, likewise."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def _render_translations() -> dict:
    """The catalogue bound once per render: a template's _() and ngettext() (and those of the templates
    it includes) resolve to these before the environment's, which look the catalogue up each time.
    `_` is bound too: Jinja's own `_` is an alias that looks `gettext` up and calls it, and its gettext
    calls the catalogue through the context again, three context calls a string (issue 14: a sixth of
    the home page's render); these do what Jinja's newstyle gettext does in one."""
    translations = _translations()
    gettext = _template_gettext(translations.ugettext)
    return {"_": gettext, "gettext": gettext, "ngettext": _template_ngettext(translations.ungettext)}


def _template_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    @pass_context
    def gettext(context: Context, string: str, **variables: object) -> str:
        text = translate(string)
        # As Jinja's newstyle gettext: escaped where the template is, and always a format string.
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return gettext


def _template_ngettext(translate: Callable[[str, str, int], str]) -> Callable[..., str]:
    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: object) -> str:
        variables.setdefault("num", num)
        text = translate(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return ngettext


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # The templates' _(), ngettext() and their p-forms, as Flask-Babel installs them, through the faster
    # look-up above.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.context_processor(_render_translations)
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
