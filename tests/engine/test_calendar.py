"""Days, legal holidays and the 7503 roll (law.md section 2)."""

from __future__ import annotations

from datetime import date

import pytest

from cdpdesk.engine.calendar import add_months, add_years, calendar_for

DC = calendar_for(None)


@pytest.mark.parametrize(
    ("day", "name_part"),
    [
        (date(2005, 4, 15), "Emancipation Day"),  # April 16 on a Saturday, observed Friday
        (date(2006, 4, 17), "Emancipation Day"),  # Sunday, observed Monday
        (date(2021, 6, 18), "Juneteenth"),  # Saturday 19th, observed Friday
        (date(2025, 1, 20), "Inauguration Day"),
        (date(2013, 1, 21), "Inauguration Day"),  # the 20th was a Sunday
        (date(2004, 12, 31), "New Year"),  # 2005-01-01 Saturday, observed in the year before
        (date(2004, 11, 11), "Veterans Day"),
    ],
)
def test_dc_legal_holidays(day: date, name_part: str) -> None:
    name = DC.holiday_name(day)
    assert name is not None and name_part in name


@pytest.mark.parametrize("day", [date(2020, 6, 19), date(2004, 4, 16), date(2024, 3, 1)])
def test_not_holidays(day: date) -> None:
    assert not DC.is_legal_holiday(day)


def test_roll_over_weekend_and_holiday_chain() -> None:
    # Saturday 2023-01-14 -> Sunday -> Monday 2023-01-16 MLK Day -> Tuesday 2023-01-17
    assert DC.roll(date(2023, 1, 14)) == date(2023, 1, 17)
    rolled, phrase = DC.roll_explained(date(2023, 1, 14))
    assert rolled == date(2023, 1, 17) and "Martin Luther King" in phrase
    assert DC.roll(date(2024, 4, 1)) == date(2024, 4, 1)


def test_state_holiday_counts_when_named() -> None:
    # Cesar Chavez Day (California, March 31); 2025-03-31 is a Monday.
    assert not DC.is_legal_holiday(date(2025, 3, 31))
    assert calendar_for("CA").roll(date(2025, 3, 31)) == date(2025, 4, 1)


def test_newsome_five_business_days() -> None:
    assert DC.business_days_after(date(2004, 11, 4), 5) == [
        date(2004, 11, 5),
        date(2004, 11, 8),
        date(2004, 11, 9),
        date(2004, 11, 10),
        date(2004, 11, 12),
    ]


def test_adding_years_and_months() -> None:
    assert add_years(date(2020, 2, 29), 10) == date(2030, 2, 28)
    assert add_years(date(2020, 2, 29), 10, "mar1") == date(2030, 3, 1)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2023, 3, 31), 6) == date(2023, 9, 30)
