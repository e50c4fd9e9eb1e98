"""Business hours per workspace: open or closed by time zone, overnight intervals, closed days,
daylight saving time, the next opening, what the customer waiting for a person reads, and
Settings → Business hours (admins only)."""

import datetime as dt
import types

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import business_hours, services
from accounts.business_hours import human_wait_expectation, is_open, next_opening, parse_day
from accounts.forms import BusinessHoursForm
from accounts.models import Workspace
from tests.conftest import logged_in

UTC = dt.UTC
NINE_TO_FIVE = [[["09:00", "17:00"]]] * 5 + [[], []]
CLOSED = []


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def week(**days) -> list:
    """A schedule closed every day except those named: week(friday=[["22:00", "02:00"]])."""
    names = [name.lower() for name in business_hours.WEEKDAYS]
    return [days.get(name, []) for name in names]


def schedule(timezone="Europe/Berlin", hours=NINE_TO_FIVE, *, enabled=True, minutes=5) -> Workspace:
    """An unsaved workspace: the functions are pure, no database needed."""
    return Workspace(
        name="Acme",
        timezone=timezone,
        business_hours=hours,
        business_hours_enabled=enabled,
        human_reply_expectation_minutes=minutes,
    )


# ---------- open or closed ----------


# Monday 1 June 2026, 08:00 UTC.
@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("Europe/Berlin", True),  # 10:00
        ("Asia/Kolkata", True),  # 13:30
        ("America/New_York", False),  # 04:00
        ("Asia/Tokyo", False),  # 17:00: the end of an interval is already closed
        ("Pacific/Auckland", False),  # 20:00
        ("UTC", False),  # 08:00
    ],
)
def test_the_same_instant_is_open_in_one_zone_and_closed_in_another(timezone, expected):
    assert is_open(workspace=schedule(timezone), at=utc(2026, 6, 1, 8, 0)) is expected


@pytest.mark.parametrize(
    ("local_time", "expected"), [("08:59", False), ("09:00", True), ("16:59", True), ("17:00", False)]
)
def test_an_interval_includes_its_start_and_excludes_its_end(local_time, expected):
    hours, minutes = map(int, local_time.split(":"))
    at = dt.datetime(2026, 6, 3, hours, minutes, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Wednesday, CEST
    assert is_open(workspace=schedule("Europe/Berlin"), at=at) is expected


def test_with_business_hours_off_the_team_always_counts_as_in():
    sunday_night = utc(2026, 6, 7, 23, 0)
    workspace = schedule(hours=week(), enabled=False)
    assert is_open(workspace=workspace, at=sunday_night)
    assert next_opening(workspace=workspace, at=sunday_night) == sunday_night
    assert human_wait_expectation(workspace=workspace, at=sunday_night) == "A person usually replies within 5 minutes."


def test_closed_days_stay_closed_all_day():
    workspace = schedule("UTC")
    for hour in range(24):
        assert not is_open(workspace=workspace, at=utc(2026, 6, 6, hour, 30))  # Saturday
        assert not is_open(workspace=workspace, at=utc(2026, 6, 7, hour, 30))  # Sunday


def test_the_lunch_break_between_two_intervals_is_closed():
    workspace = schedule("UTC", week(tuesday=[["09:00", "12:00"], ["13:00", "17:00"]]))
    assert is_open(workspace=workspace, at=utc(2026, 6, 2, 11, 59))
    assert not is_open(workspace=workspace, at=utc(2026, 6, 2, 12, 30))
    assert next_opening(workspace=workspace, at=utc(2026, 6, 2, 12, 30)) == utc(2026, 6, 2, 13, 0)


def test_an_overnight_interval_keeps_the_next_day_open_until_it_ends():
    # Friday 22:00 to Saturday 02:00; Saturday itself is closed.
    workspace = schedule("America/New_York", week(friday=[["22:00", "02:00"]]))
    new_york = business_hours.zoneinfo.ZoneInfo("America/New_York")
    assert not is_open(workspace=workspace, at=dt.datetime(2026, 6, 5, 21, 59, tzinfo=new_york))
    assert is_open(workspace=workspace, at=dt.datetime(2026, 6, 5, 23, 0, tzinfo=new_york))
    assert is_open(workspace=workspace, at=dt.datetime(2026, 6, 6, 1, 59, tzinfo=new_york))
    assert not is_open(workspace=workspace, at=dt.datetime(2026, 6, 6, 2, 0, tzinfo=new_york))
    # Thursday's night is not Friday's: Friday 01:00 is closed.
    assert not is_open(workspace=workspace, at=dt.datetime(2026, 6, 5, 1, 0, tzinfo=new_york))


def test_a_whole_day_runs_from_midnight_to_midnight():
    workspace = schedule("Asia/Tokyo", week(wednesday=[["00:00", "24:00"]]))
    tokyo = business_hours.zoneinfo.ZoneInfo("Asia/Tokyo")
    assert not is_open(workspace=workspace, at=dt.datetime(2026, 6, 2, 23, 59, tzinfo=tokyo))
    assert is_open(workspace=workspace, at=dt.datetime(2026, 6, 3, 0, 0, tzinfo=tokyo))
    assert is_open(workspace=workspace, at=dt.datetime(2026, 6, 3, 23, 59, tzinfo=tokyo))
    assert not is_open(workspace=workspace, at=dt.datetime(2026, 6, 4, 0, 0, tzinfo=tokyo))


def test_seven_whole_days_are_always_open():
    workspace = schedule("Europe/Berlin", [[["00:00", "24:00"]]] * 7)
    moment = utc(2026, 3, 29, 0, 0)
    while moment < utc(2026, 3, 30, 0, 0):  # across the spring-forward jump
        assert is_open(workspace=workspace, at=moment)
        moment += dt.timedelta(minutes=15)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware datetime"):
        is_open(workspace=schedule(), at=dt.datetime(2026, 6, 1, 9, 0))  # naive: the point of the test


# ---------- daylight saving time ----------


@pytest.mark.parametrize(
    ("timezone", "monday_before", "monday_after"),
    [
        # Berlin springs forward on 29 March 2026 (CET+1 → CEST+2) and falls back on 25 October.
        ("Europe/Berlin", utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0)),
        ("Europe/Berlin", utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0)),
        # New York springs forward on 8 March 2026 (EST-5 → EDT-4) and falls back on 1 November.
        ("America/New_York", utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0)),
        ("America/New_York", utc(2026, 10, 26, 13, 0), utc(2026, 11, 2, 14, 0)),
    ],
)
def test_nine_o_clock_moves_in_utc_when_the_clocks_change(timezone, monday_before, monday_after):
    workspace = schedule(timezone)
    for opening in (monday_before, monday_after):
        assert not is_open(workspace=workspace, at=opening - dt.timedelta(minutes=1))
        assert is_open(workspace=workspace, at=opening)
        assert opening.astimezone(business_hours.zoneinfo.ZoneInfo(timezone)).strftime("%a %H:%M") == "Mon 09:00"
    # From the Saturday before each Monday, the next opening is that Monday at 09:00 local.
    saturday = monday_after - dt.timedelta(days=2)
    assert next_opening(workspace=workspace, at=saturday) == monday_after


def test_a_night_shift_across_spring_forward_is_one_hour_shorter():
    # Berlin, Saturday 28 March 2026 22:00 CET to Sunday 06:00 CEST: 7 real hours, not 8.
    workspace = schedule("Europe/Berlin", week(saturday=[["22:00", "06:00"]]))
    assert not is_open(workspace=workspace, at=utc(2026, 3, 28, 20, 59))
    assert is_open(workspace=workspace, at=utc(2026, 3, 28, 21, 0))  # 22:00 CET
    assert is_open(workspace=workspace, at=utc(2026, 3, 29, 1, 0))  # 03:00 CEST, straight after the jump
    assert is_open(workspace=workspace, at=utc(2026, 3, 29, 3, 59))
    assert not is_open(workspace=workspace, at=utc(2026, 3, 29, 4, 0))  # 06:00 CEST


def test_a_time_the_clocks_skip_is_reached_at_the_jump():
    # Berlin has no 02:30 on 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    workspace = schedule("Europe/Berlin", week(sunday=[["02:30", "04:00"]]))
    assert not is_open(workspace=workspace, at=utc(2026, 3, 29, 0, 59))
    assert is_open(workspace=workspace, at=utc(2026, 3, 29, 1, 0))
    assert not is_open(workspace=workspace, at=utc(2026, 3, 29, 2, 0))  # 04:00 CEST
    opening = next_opening(workspace=workspace, at=utc(2026, 3, 28, 12, 0))
    assert opening == utc(2026, 3, 29, 1, 0)
    assert opening.strftime("%H:%M %Z") == "03:00 CEST"


def test_a_time_the_clocks_show_twice_counts_the_first_time():
    # New York shows 01:00-02:00 twice on 1 November 2026: EDT (05:00-06:00 UTC), then EST.
    workspace = schedule("America/New_York", week(saturday=[["20:00", "01:30"]]))
    new_york = business_hours.zoneinfo.ZoneInfo("America/New_York")
    assert is_open(workspace=workspace, at=utc(2026, 11, 1, 5, 29))  # 01:29 EDT
    assert not is_open(workspace=workspace, at=utc(2026, 11, 1, 5, 30))  # 01:30 EDT: closed
    assert not is_open(workspace=workspace, at=utc(2026, 11, 1, 6, 15))  # 01:15 EST, the second time round
    # The same moment given in the workspace's own zone: compared as an instant, not by wall clock.
    second_time_round = dt.datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=new_york)
    assert not is_open(workspace=workspace, at=second_time_round)


def test_an_opening_in_the_repeated_hour_opens_the_first_time():
    workspace = schedule("Europe/Berlin", week(sunday=[["02:15", "05:00"]]))
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:15 CEST is 00:15 UTC.
    assert not is_open(workspace=workspace, at=utc(2026, 10, 25, 0, 14))
    assert is_open(workspace=workspace, at=utc(2026, 10, 25, 0, 15))
    assert is_open(workspace=workspace, at=utc(2026, 10, 25, 1, 30))  # 02:30 CET, the second time round
    assert not is_open(workspace=workspace, at=utc(2026, 10, 25, 4, 0))  # 05:00 CET


# ---------- next opening ----------


def test_the_next_opening_while_open_is_now():
    at = utc(2026, 6, 1, 10, 0)
    assert next_opening(workspace=schedule("UTC"), at=at) == at


def test_the_next_opening_after_friday_evening_is_monday_morning_in_the_workspace_zone():
    opening = next_opening(workspace=schedule("Europe/Berlin"), at=utc(2026, 6, 5, 16, 0))  # Friday 18:00
    assert opening == utc(2026, 6, 8, 7, 0)
    assert opening.tzinfo.key == "Europe/Berlin"
    assert opening.strftime("%A %H:%M") == "Monday 09:00"


def test_an_opening_a_week_away_is_found_and_none_without_any():
    only_mondays = schedule("UTC", week(monday=[["09:00", "10:00"]]))
    assert next_opening(workspace=only_mondays, at=utc(2026, 6, 1, 10, 0)) == utc(2026, 6, 8, 9, 0)
    assert next_opening(workspace=schedule("UTC", week()), at=utc(2026, 6, 1, 10, 0)) is None


def test_the_next_opening_can_come_from_last_night_s_interval_only_when_still_running():
    workspace = schedule("UTC", week(sunday=[["22:00", "02:00"]], monday=[["09:00", "17:00"]]))
    assert next_opening(workspace=workspace, at=utc(2026, 6, 8, 1, 0)) == utc(2026, 6, 8, 1, 0)
    assert next_opening(workspace=workspace, at=utc(2026, 6, 8, 3, 0)) == utc(2026, 6, 8, 9, 0)


# ---------- what the customer reads ----------


@pytest.mark.parametrize(
    ("minutes", "sentence"),
    [
        (5, "A person usually replies within 5 minutes."),
        (1, "A person usually replies within 1 minute."),
        (60, "A person usually replies within 1 hour."),
        (90, "A person usually replies within 90 minutes."),
        (120, "A person usually replies within 2 hours."),
    ],
)
def test_inside_hours_the_customer_reads_the_usual_reply_time(minutes, sentence):
    workspace = schedule("UTC", minutes=minutes)
    assert human_wait_expectation(workspace=workspace, at=utc(2026, 6, 1, 10, 0)) == sentence


@pytest.mark.parametrize(
    ("at", "sentence"),
    [
        (utc(2026, 6, 6, 12, 0), "Our team is back Monday at 09:00 (Europe/Berlin); we'll reply then."),
        (utc(2026, 6, 8, 5, 0), "Our team is back today at 09:00 (Europe/Berlin); we'll reply then."),
        (utc(2026, 6, 8, 20, 0), "Our team is back tomorrow at 09:00 (Europe/Berlin); we'll reply then."),
        # 23:30 UTC on Sunday is already Monday 01:30 in Berlin: "today", by the workspace's calendar.
        (utc(2026, 6, 7, 23, 30), "Our team is back today at 09:00 (Europe/Berlin); we'll reply then."),
    ],
)
def test_outside_hours_the_customer_reads_when_the_team_is_back(at, sentence):
    assert human_wait_expectation(workspace=schedule("Europe/Berlin"), at=at) == sentence


def test_the_day_and_time_are_the_workspace_s_across_a_clock_change():
    saturday = utc(2026, 10, 31, 16, 0)
    assert (
        human_wait_expectation(workspace=schedule("America/New_York"), at=saturday)
        == "Our team is back Monday at 09:00 (America/New_York); we'll reply then."
    )


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("de", "Unser Team ist am Montag um 09:00 (Europe/Berlin) wieder da; dann antworten wir Ihnen."),
        ("fr", "Notre équipe est de retour lundi à 09:00 (Europe/Berlin) ; nous vous répondrons à ce moment-là."),
        ("es", "Nuestro equipo vuelve el lunes a las 09:00 (Europe/Berlin); te responderemos entonces."),
        ("pt-BR", "Nossa equipe volta na segunda-feira às 09:00 (Europe/Berlin); responderemos nesse momento."),
        ("nl", "Ons team is maandag om 09:00 (Europe/Berlin) terug; we antwoorden dan."),
        ("tlh", "Our team is back Monday at 09:00 (Europe/Berlin); we'll reply then."),
    ],
)
def test_the_sentence_speaks_the_widget_s_language(language, sentence):
    at = utc(2026, 6, 6, 12, 0)
    assert human_wait_expectation(workspace=schedule("Europe/Berlin"), at=at, language=language) == sentence


def test_inside_hours_in_german():
    at = utc(2026, 6, 1, 10, 0)
    assert (
        human_wait_expectation(workspace=schedule("UTC", minutes=120), at=at, language="de")
        == "Eine Person antwortet in der Regel innerhalb von 2 Stunden."
    )


def test_spanish_says_a_la_una():
    workspace = schedule("UTC", week(tuesday=[["01:00", "05:00"]]))
    assert "vuelve mañana a la 01:00 (UTC)" in human_wait_expectation(
        workspace=workspace, at=utc(2026, 6, 1, 12, 0), language="es"
    )


def test_a_team_that_never_opens_promises_no_time():
    workspace = schedule("UTC", week())
    assert (
        human_wait_expectation(workspace=workspace, at=utc(2026, 6, 1, 10, 0))
        == "Our team is away right now; we'll reply as soon as we can."
    )


# ---------- the stored shape ----------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"0": []}, "Business hours are a list of seven days, Monday first"),
        ([[]] * 6, "Business hours are a list of seven days, Monday first"),
        ([[]] * 6 + ["09:00-17:00"], 'Sunday: write a list of ["HH:MM", "HH:MM"] intervals, or [] when closed.'),
        ([[["09:00"]]] + [[]] * 6, 'Monday: ["09:00"] is not an interval; write it as ["09:00", "17:00"].'),
        ([[], [["09:00", "25:00"]]] + [[]] * 5, "Tuesday: 25:00 is not a time; write HH:MM, from 00:00 to 24:00."),
        ([[], [], [["9h", "17:00"]]] + [[]] * 4, "Wednesday: 9h is not a time"),
        ([[["24:00", "02:00"]]] + [[]] * 6, "Monday: 24:00 can only end an interval"),
        ([[["09:00", "09:00"]]] + [[]] * 6, "Monday: 09:00-09:00 opens and closes at the same time"),
        (
            [[["09:00", "12:00"], ["11:00", "13:00"]]] + [[]] * 6,
            "Monday: 09:00-12:00 and 11:00-13:00 overlap; merge them into one interval.",
        ),
        ([[["22:00", "02:00"], ["23:00", "23:30"]]] + [[]] * 6, "Monday: 22:00-02:00 and 23:00-23:30 overlap"),
        ([[["00:00", "00:30"]] * 11] + [[]] * 6, "Monday: at most 10 intervals a day; you wrote 11."),
    ],
)
def test_a_malformed_schedule_is_refused_with_a_sentence(value, message):
    with pytest.raises(ValidationError) as error:
        business_hours.validate_business_hours(value)
    assert message in error.value.messages[0]


def test_the_default_schedule_and_overnight_and_whole_days_are_valid():
    business_hours.validate_business_hours(business_hours.default_business_hours())
    business_hours.validate_business_hours(week(friday=[["22:00", "02:00"]], sunday=[["00:00", "24:00"]]))


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "utc", "Europe", "../etc/passwd", "", "localtime", None])
def test_an_unknown_time_zone_is_refused(name):
    with pytest.raises(ValidationError, match="is not a time zone"):
        business_hours.validate_timezone_name(name)


def test_the_time_zone_choices_are_sorted_and_real():
    choices = business_hours.timezone_choices()
    assert list(choices) == sorted(choices)
    assert {"Europe/Berlin", "America/New_York", "UTC"} <= set(choices)
    assert "localtime" not in choices


# ---------- the form's text ----------


@pytest.mark.parametrize(
    ("text", "intervals"),
    [
        ("09:00-12:00, 13:00-17:00", [["09:00", "12:00"], ["13:00", "17:00"]]),
        ("9:00 – 17:30", [["09:00", "17:30"]]),
        ("13:00-17:00; 08:00 to 12:00", [["08:00", "12:00"], ["13:00", "17:00"]]),
        ("22:00-02:00", [["22:00", "02:00"]]),
        ("00:00-24:00", [["00:00", "24:00"]]),
        ("  ", []),
    ],
)
def test_a_day_s_text_becomes_intervals(text, intervals):
    assert parse_day(text, weekday=1) == intervals


def test_text_and_intervals_round_trip():
    intervals = [["09:00", "12:00"], ["13:00", "17:00"]]
    assert parse_day(business_hours.format_day(intervals), weekday=0) == intervals


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00-25:00", "Tuesday: 25:00 is not a time; write HH:MM, from 00:00 to 24:00."),
        ("09:60-17:00", "Tuesday: 09:60 is not a time"),
        ("9-5", "Tuesday: 9 is not a time"),
        ("09:00", "Tuesday: “09:00” is not an interval; write it like 09:00-17:00."),
        ("09:00-12:00-17:00", "Tuesday: “09:00-12:00-17:00” is not an interval"),
        ("09:00-12:00, 11:00-13:00", "Tuesday: 09:00-12:00 and 11:00-13:00 overlap"),
        ("12:00-12:00", "Tuesday: 12:00-12:00 opens and closes at the same time"),
        ("٠٩:٠٠-17:00", "Tuesday: ٠٩:٠٠ is not a time"),
    ],
)
def test_a_day_s_text_with_mistakes_is_refused_with_a_sentence(text, message):
    with pytest.raises(ValidationError) as error:
        parse_day(text, weekday=1)
    assert error.value.messages == [message] or message in error.value.messages[0]


# ---------- the settings page ----------

VALID = {
    "business_hours_enabled": "on",
    "timezone": "Europe/Berlin",
    "after_hours_message": "  We're out; the assistant can still help.  ",
    "human_reply_expectation_minutes": "15",
    "open_0": "on",
    "hours_0": "09:00-12:00, 13:00-17:00",
    "open_1": "on",
    "hours_1": "9:00-17:00",
    "open_2": "on",
    "hours_2": "09:00-17:00",
    "open_3": "on",
    "hours_3": "09:00-17:00",
    "open_4": "on",
    "hours_4": "22:00-02:00",
    "hours_5": "10:00-14:00",  # written but not ticked: closed
    "hours_6": "",
}


def post_hours(client, workspace, data, **headers):
    return client.post(reverse("business_hours_settings", args=[workspace.slug]), data, **headers)


def test_a_new_workspace_has_sensible_defaults(workspace):
    assert workspace.timezone == "UTC"
    assert workspace.business_hours == NINE_TO_FIVE
    assert workspace.business_hours_enabled is False
    assert workspace.human_reply_expectation_minutes == 5
    assert "a person will reply" in workspace.after_hours_message
    assert "AI assistant can still help" in workspace.after_hours_message


def test_admin_saves_the_business_hours(owner_client, workspace):
    response = post_hours(owner_client, workspace, VALID)
    assert response.status_code == 302
    assert response["Location"].endswith("/settings/#business-hours")
    workspace.refresh_from_db()
    assert workspace.business_hours_enabled is True
    assert workspace.timezone == "Europe/Berlin"
    assert workspace.business_hours == [
        [["09:00", "12:00"], ["13:00", "17:00"]],
        [["09:00", "17:00"]],
        [["09:00", "17:00"]],
        [["09:00", "17:00"]],
        [["22:00", "02:00"]],
        [],
        [],
    ]
    assert workspace.after_hours_message == "We're out; the assistant can still help."
    assert workspace.human_reply_expectation_minutes == 15


def test_saving_over_htmx_answers_the_section_with_a_notice(owner_client, workspace):
    response = post_hours(owner_client, workspace, VALID, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Business hours saved." in page
    assert 'id="business-hours"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours_1": "09:00-25:00"}, "Tuesday: 25:00 is not a time; write HH:MM, from 00:00 to 24:00."),
        ({"hours_2": "9-5"}, "Wednesday: 9 is not a time"),
        ({"hours_0": "09:00-12:00, 11:00-13:00"}, "Monday: 09:00-12:00 and 11:00-13:00 overlap"),
        ({"hours_3": ""}, "Thursday is ticked open but has no hours; write them like 09:00-17:00, or untick it."),
        ({"timezone": "Mars/Olympus_Mons"}, "Select a valid choice."),
        ({"human_reply_expectation_minutes": "0"}, "greater than or equal to 1"),
        ({"human_reply_expectation_minutes": "1441"}, "less than or equal to 1440"),
        ({"after_hours_message": ""}, "This field is required."),
        (
            {f"open_{weekday}": "" for weekday in range(7)},
            "Business hours are on, but every day is closed",
        ),
    ],
)
def test_mistakes_are_refused_with_a_clear_error_and_nothing_is_saved(owner_client, workspace, changes, message):
    response = post_hours(owner_client, workspace, {**VALID, **changes})
    assert response.status_code == 422
    assert message in response.content.decode()
    workspace.refresh_from_db()
    assert (workspace.timezone, workspace.business_hours, workspace.business_hours_enabled) == (
        "UTC",
        NINE_TO_FIVE,
        False,
    )


def test_every_day_closed_is_fine_while_business_hours_are_off(owner_client, workspace):
    data = {**VALID, "business_hours_enabled": "", **{f"open_{weekday}": "" for weekday in range(7)}}
    assert post_hours(owner_client, workspace, data).status_code == 302
    workspace.refresh_from_db()
    assert workspace.business_hours == [[]] * 7


def test_the_form_shows_the_saved_hours_as_text():
    workspace = schedule("Europe/Berlin", week(monday=[["09:00", "12:00"], ["13:00", "17:00"]]))
    form = BusinessHoursForm.for_workspace(workspace)
    assert form.initial["hours_0"] == "09:00-12:00, 13:00-17:00"
    assert form.initial["open_0"] is True
    assert form.initial["open_1"] is False
    assert [day["name"] for day in form.days()] == list(business_hours.WEEKDAYS)


def test_the_service_refuses_a_bad_schedule(workspace):
    with pytest.raises(ValidationError):
        services.workspace_update_business_hours(
            workspace=workspace,
            business_hours_enabled=True,
            timezone="Europe/Berlin",
            business_hours=[[["09:00", "25:00"]]] + [[]] * 6,
            after_hours_message="Back soon.",
            human_reply_expectation_minutes=5,
        )
    workspace.refresh_from_db()
    assert workspace.business_hours == NINE_TO_FIVE


def freeze_settings_page(monkeypatch, moment: dt.datetime) -> None:
    """The page's "Open now" is computed as of the request: pin that moment for the view only."""
    monkeypatch.setattr("accounts.views.workspace_settings.timezone", types.SimpleNamespace(now=lambda: moment))


def test_the_page_shows_the_section_and_that_the_team_is_in(owner_client, workspace, monkeypatch):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="Europe/Berlin", business_hours_enabled=True)
    freeze_settings_page(monkeypatch, utc(2026, 6, 1, 8, 0))  # Monday 10:00 in Berlin
    page = owner_client.get(reverse("settings", args=[workspace.slug])).content.decode()
    assert "<h2>Business hours</h2>" in page
    assert '<option value="Europe/Berlin" selected>' in page
    assert 'value="09:00-17:00"' in page
    assert ">Open now</span>" in page


def test_the_page_says_when_a_closed_team_opens(owner_client, workspace, monkeypatch):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="Europe/Berlin", business_hours_enabled=True)
    freeze_settings_page(monkeypatch, utc(2026, 6, 6, 12, 0))  # Saturday
    page = owner_client.get(reverse("settings", args=[workspace.slug])).content.decode()
    assert "Closed now — opens Monday 09:00" in page


def test_a_stored_zone_the_server_does_not_know_does_not_break_the_page(owner_client, workspace):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="Mars/Olympus_Mons", business_hours_enabled=True)
    response = owner_client.get(reverse("settings", args=[workspace.slug]))
    assert response.status_code == 200
    assert "Cannot tell whether the team is in: “Mars/Olympus_Mons” is not a time zone" in response.content.decode()


@pytest.mark.parametrize("role_user", ["agent", "viewer"])
def test_agents_and_viewers_cannot_change_business_hours(request, workspace, role_user):
    client = logged_in(request.getfixturevalue(role_user))
    assert post_hours(client, workspace, VALID).status_code == 403
    assert client.get(reverse("settings", args=[workspace.slug])).status_code == 403
    workspace.refresh_from_db()
    assert workspace.timezone == "UTC"


def test_an_outsider_cannot_reach_another_workspace_s_business_hours(outsider, workspace):
    client = logged_in(outsider)
    assert post_hours(client, workspace, VALID).status_code == 404
    assert client.get(reverse("settings", args=[workspace.slug])).status_code == 404
    workspace.refresh_from_db()
    assert workspace.timezone == "UTC"


def test_logged_out_visitors_are_sent_to_log_in(client, workspace):
    response = post_hours(client, workspace, VALID)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
