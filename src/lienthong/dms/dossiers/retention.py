"""Retention (thời hạn bảo quản) and hand-over (nộp lưu) of dossiers: the rules as plain
functions of dates, no database.

* Retention is "permanent" or a number of years; the archive package names it with the
  ``maintenance`` code of Circular 05/2025/TT-BNV (STANDARDS.md §5: 01–07, 01 = permanent). The
  codes 02–06 are the Circular's fixed periods (70, 50, 30, 20, 10 years); any other period is
  07 ("other").
* A closed dossier is handed over to the agency's archive within one year of the end of the
  work (Archives Law, art. 11; Decree 30/2020, Appendix V: hồ sơ nộp lưu). The dms counts the
  year from the day the dossier is closed and warns :data:`WARNING_DAYS` days before.
* A dossier whose retention has run out (counted from its closing) may be disposed of, with a
  leader's approval; a permanent one never.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.utils.translation import gettext as _

PERMANENT: Final = "01"
YEARS_BY_CODE: Final = {"02": 70, "03": 50, "04": 30, "05": 20, "06": 10}
OTHER: Final = "07"
HANDOVER_YEARS: Final = 1
WARNING_DAYS: Final = 30


def maintenance_code(years: int | None) -> str:
    """The Circular's code for a retention of ``years`` (None: permanent)."""
    if years is None:
        return PERMANENT
    if years <= 0:
        raise ValueError(_("a retention period is at least one year"))
    for code, period in YEARS_BY_CODE.items():
        if period == years:
            return code
    return OTHER


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def handover_due(closed_on: dt.date) -> dt.date:
    return add_years(closed_on, HANDOVER_YEARS)


def handover_warning_from(due: dt.date) -> dt.date:
    """The first day the dms warns about a hand-over due on ``due``."""
    return due - dt.timedelta(days=WARNING_DAYS)


def disposal_due(closed_on: dt.date, years: int | None) -> dt.date | None:
    """The first day the dossier may be disposed of; None for a permanent one."""
    return None if years is None else add_years(closed_on, years)
