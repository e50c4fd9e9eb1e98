"""Business hours of a workspace: is the team in, when is it back, and what to tell a customer
who waits for a person.

Pure functions of a workspace's fields (``timezone``, ``business_hours``,
``business_hours_enabled``, ``human_reply_expectation_minutes``) and an aware datetime. They
never touch the database, so the chat can ask on every message; anything with those four
attributes will do, a saved ``Workspace`` or not.

The schedule is a JSON list of seven days, Monday (0) to Sunday (6), as ``date.weekday()``
numbers them; each day is a list of ``[start, end]`` wall-clock times "HH:MM" in the
workspace's time zone, and an empty day is closed::

    [[["09:00", "12:00"], ["13:00", "17:00"]], [["09:00", "17:00"]], ..., [], []]

``end`` may be "24:00", the midnight that ends the day, so "00:00"-"24:00" is the whole day.
An ``end`` earlier than its ``start`` runs past midnight: Friday's "22:00"-"02:00" closes on
Saturday at 02:00, and keeps Saturday open at 01:00 even when Saturday itself is closed.

Daylight saving time: every boundary is "the first moment the wall clock shows that time"
on that date. A time the clocks skip when they spring forward (02:30 in Berlin on the last
Sunday of March) is reached at the jump; a time they show twice when they fall back counts
the first time. All arithmetic happens in UTC: Python compares two datetimes of the same
zone by wall clock alone, which is wrong for the hour that happens twice.
"""

import datetime as dt
import functools
import itertools
import json
import re
import zoneinfo
from collections.abc import Iterator
from typing import Protocol

from django.core.exceptions import ValidationError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 24 * 60
MAX_INTERVALS_PER_DAY = 10
# A weekly schedule repeats after seven days; one more covers a week whose only opening is
# just before now, and the odd hour a DST change moves.
LOOKAHEAD = dt.timedelta(days=8)
# Files in the time zone database that are not places.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
UTC = dt.UTC

_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_INTERVAL_SEPARATOR = re.compile(r"\s*[-–—]\s*|\s+to\s+", re.IGNORECASE)

Span = tuple[int, int]  # minutes from the day's midnight; an end beyond 1440 is on the next day


class Schedule(Protocol):
    """What these functions read from a workspace."""

    timezone: str
    business_hours: list
    business_hours_enabled: bool
    human_reply_expectation_minutes: int


def default_business_hours() -> list[list[list[str]]]:
    """Monday to Friday, 09:00 to 17:00."""
    return [[["09:00", "17:00"]] for _ in range(5)] + [[], []]


@functools.cache
def timezone_choices() -> tuple[str, ...]:
    """Every IANA name this server knows, sorted: the settings page's select. Cached: reading
    the names walks the whole time zone database (about 10 ms)."""
    return tuple(sorted(zoneinfo.available_timezones() - NOT_ZONES))


# ---------- validation (Django validators: positional, raise ValidationError) ----------


def validate_timezone_name(value: str) -> None:
    """An IANA time zone name this server knows, such as Europe/Berlin."""
    if isinstance(value, str) and value not in NOT_ZONES:
        try:
            zoneinfo.ZoneInfo(value)
            return
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ValidationError(
        "“%(value)s” is not a time zone; pick one such as Europe/Berlin or America/New_York.",
        code="invalid_timezone",
        params={"value": value},
    )


def validate_business_hours(value) -> None:
    """Seven days, Monday first, each a list of ["HH:MM", "HH:MM"] intervals ([] = closed)."""
    _week_spans(value)


def _week_spans(value) -> list[list[Span]]:
    if not isinstance(value, list) or len(value) != len(WEEKDAYS):
        raise ValidationError(
            'Business hours are a list of seven days, Monday first; each day is a list of ["HH:MM", "HH:MM"] '
            'intervals such as [["09:00", "17:00"]], or [] when closed.',
            code="invalid_business_hours",
        )
    return [_day_spans(intervals, day=WEEKDAYS[weekday]) for weekday, intervals in enumerate(value)]


def _day_spans(intervals, *, day: str) -> list[Span]:
    if not isinstance(intervals, list):
        raise ValidationError(
            f'{day}: write a list of ["HH:MM", "HH:MM"] intervals, or [] when closed.', code="invalid_business_hours"
        )
    if len(intervals) > MAX_INTERVALS_PER_DAY:
        raise ValidationError(
            f"{day}: at most {MAX_INTERVALS_PER_DAY} intervals a day; you wrote {len(intervals)}.",
            code="invalid_business_hours",
        )
    spans = []
    for interval in intervals:
        if not (
            isinstance(interval, list | tuple) and len(interval) == 2 and all(isinstance(t, str) for t in interval)
        ):
            written = json.dumps(interval, ensure_ascii=False)
            raise ValidationError(
                f'{day}: {written} is not an interval; write it as ["09:00", "17:00"].', code="invalid_business_hours"
            )
        start = _minutes(interval[0], day=day, is_end=False)
        end = _minutes(interval[1], day=day, is_end=True)
        if start == end:
            raise ValidationError(
                f"{day}: {interval[0]}-{interval[1]} opens and closes at the same time; "
                "for the whole day write 00:00-24:00.",
                code="invalid_business_hours",
            )
        spans.append((start, end if end > start else end + MINUTES_PER_DAY))
    spans.sort()
    for earlier, later in itertools.pairwise(spans):
        if later[0] < earlier[1]:
            raise ValidationError(
                f"{day}: {_label(earlier)} and {_label(later)} overlap; merge them into one interval.",
                code="invalid_business_hours",
            )
    return spans


def _minutes(text: str, *, day: str, is_end: bool) -> int:
    match = _TIME.fullmatch(text.strip())
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValidationError(
            f"{day}: {text.strip() or 'an empty value'} is not a time; write HH:MM, from 00:00 to 24:00.",
            code="invalid_time",
        )
    if hours == 24 and not is_end:
        raise ValidationError(
            f"{day}: 24:00 can only end an interval; start at 00:00 instead.", code="invalid_business_hours"
        )
    return hours * 60 + minutes


def _clock(minutes: int) -> str:
    """Minutes from a midnight as "HH:MM"; exactly 1440 is "24:00", beyond it the next day's time."""
    if minutes != MINUTES_PER_DAY:
        minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _label(span: Span) -> str:
    return f"{_clock(span[0])}-{_clock(span[1])}"


# ---------- the settings form's text: "09:00-12:00, 13:00-17:00" ----------


def parse_day(text: str, *, weekday: int) -> list[list[str]]:
    """One day's intervals from text such as "09:00-12:00, 13:00-17:00" (commas or semicolons
    between intervals; "9:00" is fine), as stored, earliest first:
    ``[["09:00", "12:00"], ["13:00", "17:00"]]``.
    Empty text is a closed day. Raises ``ValidationError`` with a sentence naming the day."""
    day = WEEKDAYS[weekday]
    intervals = []
    for part in re.split(r"[,;\n]", text):
        if not part.strip():
            continue
        times = _INTERVAL_SEPARATOR.split(part.strip())
        if len(times) != 2:
            raise ValidationError(
                f"{day}: “{part.strip()}” is not an interval; write it like 09:00-17:00.", code="invalid_interval"
            )
        start, end = _minutes(times[0], day=day, is_end=False), _minutes(times[1], day=day, is_end=True)
        intervals.append([_clock(start), _clock(end)])
    _day_spans(intervals, day=day)
    return sorted(intervals)


def format_day(intervals: list[list[str]]) -> str:
    """The inverse of ``parse_day``: "09:00-12:00, 13:00-17:00"; "" for a closed day."""
    return ", ".join(f"{start}-{end}" for start, end in intervals)


# ---------- when the team is in ----------


def _zone(workspace: Schedule) -> zoneinfo.ZoneInfo:
    validate_timezone_name(workspace.timezone)
    return zoneinfo.ZoneInfo(workspace.timezone)


def _require_aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be an aware datetime, such as django.utils.timezone.now().")
    return at.astimezone(UTC)


def _instant(day: dt.date, minutes: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first moment, in UTC, at which the wall clock in ``zone`` shows ``minutes`` past the
    midnight that starts ``day`` (1440 and beyond: the next day)."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    first = wall.replace(tzinfo=zone)  # fold=0: the earlier of the two when the clocks fall back
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)
    # The clocks skipped ``wall``: it is reached when they jump. With fold=0 a skipped time gets
    # the offset from before the jump (a moment after it), with fold=1 the offset from after it
    # (a moment before it); halve the seconds between until the offset changes.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(first.timestamp())
    offset_after_jump = dt.datetime.fromtimestamp(after, zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if dt.datetime.fromtimestamp(middle, zone).utcoffset() == offset_after_jump:
            after = middle
        else:
            before = middle
    return dt.datetime.fromtimestamp(after, UTC)


def _periods(
    week: list[list[Span]], zone: zoneinfo.ZoneInfo, first_day: dt.date, last_day: dt.date
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """(opens, closes) in UTC for the intervals that start on ``first_day`` … ``last_day``."""
    day = first_day
    while day <= last_day:
        for start, end in week[day.weekday()]:
            opens, closes = _instant(day, start, zone), _instant(day, end, zone)
            if opens < closes:  # 02:00-02:30 on a spring-forward night never happens
                yield opens, closes
        day += dt.timedelta(days=1)


def is_open(*, workspace: Schedule, at: dt.datetime) -> bool:
    """Whether the team is in at ``at`` (aware). Always True when business hours are off.

    Raises ``ValidationError`` if the stored zone or schedule is invalid (only possible when
    written around ``full_clean``) and ``ValueError`` for a naive ``at``."""
    moment = _require_aware(at)
    if not workspace.business_hours_enabled:
        return True
    zone = _zone(workspace)
    week = _week_spans(workspace.business_hours)
    today = moment.astimezone(zone).date()
    # An interval ends by 24:00 the day after it starts, so only yesterday's and today's can
    # cover ``at``.
    return any(opens <= moment < closes for opens, closes in _periods(week, zone, today - dt.timedelta(days=1), today))


def next_opening(*, workspace: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``at`` when the team is in, in the workspace's zone:
    ``at`` itself while open; None when it stays closed for the next eight days."""
    moment = _require_aware(at)
    zone = _zone(workspace)
    if is_open(workspace=workspace, at=at):
        return moment.astimezone(zone)
    week = _week_spans(workspace.business_hours)
    today = moment.astimezone(zone).date()
    upcoming = [
        opens
        for opens, _closes in _periods(week, zone, today - dt.timedelta(days=1), today + LOOKAHEAD)
        if moment < opens <= moment + LOOKAHEAD
    ]
    return min(upcoming).astimezone(zone) if upcoming else None


# ---------- what people read ----------

# The customer's words, in the widget's languages (accounts.models.WidgetLanguage), in the
# widget's own register (static/widget/chatassist.js): "Sie" in German, "tú" in Spanish.
_PHRASES = {
    "en": {
        "within": "A person usually replies within {duration}.",
        "back": "Our team is back {day} {at} {time} ({zone}); we'll reply then.",
        "away": "Our team is away right now; we'll reply as soon as we can.",
        "at": "at",
        "today": "today",
        "tomorrow": "tomorrow",
        "weekdays": WEEKDAYS,
        "minute": ("minute", "minutes"),
        "hour": ("hour", "hours"),
    },
    "fr": {
        "within": "Une personne vous répond généralement sous {duration}.",
        "back": "Notre équipe est de retour {day} {at} {time} ({zone}) ; nous vous répondrons à ce moment-là.",
        "away": "Notre équipe est absente pour le moment ; nous vous répondrons dès que possible.",
        "at": "à",
        "today": "aujourd’hui",
        "tomorrow": "demain",
        "weekdays": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        "minute": ("minute", "minutes"),
        "hour": ("heure", "heures"),
    },
    "de": {
        "within": "Eine Person antwortet in der Regel innerhalb von {duration}.",
        "back": "Unser Team ist {day} {at} {time} ({zone}) wieder da; dann antworten wir Ihnen.",
        "away": "Unser Team ist gerade nicht da; wir antworten Ihnen so bald wie möglich.",
        "at": "um",
        "today": "heute",
        "tomorrow": "morgen",
        "weekdays": (
            "am Montag",
            "am Dienstag",
            "am Mittwoch",
            "am Donnerstag",
            "am Freitag",
            "am Samstag",
            "am Sonntag",
        ),
        "minute": ("Minute", "Minuten"),
        "hour": ("Stunde", "Stunden"),
    },
    "es": {
        "within": "Una persona suele responder en menos de {duration}.",
        "back": "Nuestro equipo vuelve {day} {at} {time} ({zone}); te responderemos entonces.",
        "away": "Nuestro equipo no está disponible ahora; te responderemos lo antes posible.",
        "at": "a las",
        "at_one": "a la",
        "today": "hoy",
        "tomorrow": "mañana",
        "weekdays": ("el lunes", "el martes", "el miércoles", "el jueves", "el viernes", "el sábado", "el domingo"),
        "minute": ("minuto", "minutos"),
        "hour": ("hora", "horas"),
    },
    "pt": {
        "within": "Uma pessoa costuma responder em até {duration}.",
        "back": "Nossa equipe volta {day} {at} {time} ({zone}); responderemos nesse momento.",
        "away": "Nossa equipe não está disponível agora; responderemos assim que possível.",
        "at": "às",
        "at_one": "à",
        "today": "hoje",
        "tomorrow": "amanhã",
        "weekdays": (
            "na segunda-feira",
            "na terça-feira",
            "na quarta-feira",
            "na quinta-feira",
            "na sexta-feira",
            "no sábado",
            "no domingo",
        ),
        "minute": ("minuto", "minutos"),
        "hour": ("hora", "horas"),
    },
    "nl": {
        "within": "Meestal reageert een medewerker binnen {duration}.",
        "back": "Ons team is {day} {at} {time} ({zone}) terug; we antwoorden dan.",
        "away": "Ons team is nu niet bereikbaar; we antwoorden zo snel mogelijk.",
        "at": "om",
        "today": "vandaag",
        "tomorrow": "morgen",
        "weekdays": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        "minute": ("minuut", "minuten"),
        "hour": ("uur", "uur"),
    },
}
LANGUAGES = tuple(_PHRASES)


def _duration(minutes: int, phrases: dict) -> str:
    number, unit = (minutes // 60, "hour") if minutes >= 60 and minutes % 60 == 0 else (minutes, "minute")
    return f"{number} {phrases[unit][0 if number == 1 else 1]}"


def _day(opening: dt.datetime, today: dt.date, phrases: dict) -> str:
    if opening.date() == today:
        return phrases["today"]
    if opening.date() == today + dt.timedelta(days=1):
        return phrases["tomorrow"]
    return phrases["weekdays"][opening.weekday()]


def human_wait_expectation(*, workspace: Schedule, at: dt.datetime, language: str = "en") -> str:
    """The sentence a customer sees while waiting for a person, in ``language`` (a widget
    language; others fall back to English). Inside business hours: "A person usually replies
    within 5 minutes."; outside: "Our team is back Monday at 09:00 (Europe/Berlin); we'll
    reply then.", the day and time in the workspace's zone ("today" and "tomorrow" by that
    zone's calendar)."""
    phrases = _PHRASES.get((language or "en").split("-")[0].lower(), _PHRASES["en"])
    if is_open(workspace=workspace, at=at):
        return phrases["within"].format(duration=_duration(workspace.human_reply_expectation_minutes, phrases))
    opening = next_opening(workspace=workspace, at=at)
    if opening is None:
        return phrases["away"]
    return phrases["back"].format(
        day=_day(opening, at.astimezone(opening.tzinfo).date(), phrases),
        at=phrases["at_one"] if "at_one" in phrases and opening.hour == 1 else phrases["at"],
        time=opening.strftime("%H:%M"),
        zone=workspace.timezone,
    )


def opening_status(*, workspace: Schedule, at: dt.datetime) -> str:
    """For the console: "Open now", "Closed now — opens Monday 09:00", and the cases between."""
    if not workspace.business_hours_enabled:
        return "Open now: business hours are off, so the team always counts as in."
    if is_open(workspace=workspace, at=at):
        return "Open now"
    opening = next_opening(workspace=workspace, at=at)
    if opening is None:
        return "Closed now — no opening in the next 8 days."
    return f"Closed now — opens {WEEKDAYS[opening.weekday()]} {opening:%H:%M}"
