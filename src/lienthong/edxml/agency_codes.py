"""Agency identifiers: the QCVN 102 form carried by ``OrganId`` and the Decision 20/2020 form.

This module owns reading, checking and walking the hierarchy of agency codes (STANDARDS.md §3).
It is pure: text in, frozen values or :class:`~lienthong.edxml.errors.AgencyCodeError` out.

Rules shared by both forms, decided here once:

* surrounding whitespace is stripped; an empty code is refused;
* lower-case letters are refused with the upper-case spelling suggested — a code is an identifier
  that other systems compare byte for byte, so it is never silently rewritten;
* only ASCII ``0-9``, ``A-Z`` and ``.`` may appear.

The two forms cannot be confused: a QCVN 102 code starts with its lowest level, which is digits,
and a Decision 20/2020 code starts with its level-1 code, which starts with a letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final, Self

from lienthong.edxml.errors import AgencyCodeError

# Level-1 letters whose meaning is settled (STANDARDS.md §3). Other letters exist (Party, National
# Assembly, courts …) but their assignment is unsure, so they are accepted and reported as "other".
LEVEL1_CATEGORIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "G": "ministry or government agency",
        "H": "provincial People's Committee",
        "K": "provincial People's Council",
    }
)
OTHER_CATEGORY: Final = "other"

QCVN102_LENGTH: Final = 13
DECISION20_MAX_LENGTH: Final = 35

_LEVEL1_RE: Final = re.compile(r"[A-Z][0-9]{2}")
_QCVN102_RE: Final = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}")
_DECISION20_GROUP_RE: Final = re.compile(r"[0-9A-Z]+")
_FORBIDDEN_CHAR_RE: Final = re.compile(r"[^0-9A-Z.]")
_LOWERCASE_RE: Final = re.compile(r"[a-z]")

# Group widths of the QCVN 102 form, highest level first (level 1 is checked by _LEVEL1_RE).
_QCVN102_LOWER_WIDTHS: Final = {2: 2, 3: 2, 4: 3}

_SHOWN_CHARS: Final = 40


def _shown(text: str) -> str:
    """The code as quoted in a message, cut short so a huge bogus value cannot flood a log."""
    if len(text) > _SHOWN_CHARS:
        return f"'{text[:_SHOWN_CHARS]}…'"
    return f"'{text}'"


def _normalized(text: str) -> str:
    """Strip surrounding whitespace and refuse what neither form can contain."""
    code = text.strip()
    if not code:
        raise AgencyCodeError("the agency code is empty")
    if _LOWERCASE_RE.search(code):
        raise AgencyCodeError(
            f"agency code {_shown(code)} contains lower-case letters; agency codes are written "
            f"in capitals: {_shown(code.upper())}"
        )
    bad = _FORBIDDEN_CHAR_RE.search(code)
    if bad:
        raise AgencyCodeError(
            f"agency code {_shown(code)} contains {bad.group()!r}, which is not allowed; "
            "only digits, capital letters A-Z and dots may appear"
        )
    return code


def _is_zeros(group: str) -> bool:
    return group.strip("0") == ""


@dataclass(frozen=True)
class Qcvn102Code:
    """An agency code in the QCVN 102 form ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` (lowest level first).

    ``level1`` is ``MX1X2`` (a capital letter and two digits, e.g. ``G22``), ``level2`` is
    ``Y1Y2``, ``level3`` is ``Z1Z2`` and ``level4`` is ``V1V2V3``; unused levels are zeros.

    Holes are accepted: a non-zero level below a zero level, such as ``001.00.10.H47`` (level 4
    is ``001`` while level 3 is ``00``). The groups are positional — each names a level, not a
    depth — and STANDARDS.md §3 quotes exactly this code as a real one, so refusing holes would
    refuse traffic. Consequences:

    * :attr:`level` is the *position* of the lowest non-zero group (4 for ``001.00.10.H47``);
      :attr:`depth` counts the non-zero groups (3 for it): one more than the steps up to level 1;
    * :meth:`parent` zeroes the lowest non-zero group, so it skips holes:
      ``001.00.10.H47`` → ``000.00.10.H47`` → ``000.00.00.H47``.

    Any capital letter is accepted as level-1 letter; :attr:`category` names the known ones.
    """

    level1: str
    level2: str = "00"
    level3: str = "00"
    level4: str = "000"

    def __post_init__(self) -> None:
        if not _LEVEL1_RE.fullmatch(self.level1):
            raise AgencyCodeError(
                f"agency code {_shown(str(self))}: the level-1 part {_shown(self.level1)} must "
                "be a capital letter followed by two digits, such as G22 or H49"
            )
        for level, width in _QCVN102_LOWER_WIDTHS.items():
            group = self._group(level)
            if len(group) != width or not group.isascii() or not group.isdigit():
                raise AgencyCodeError(
                    f"agency code {_shown(str(self))}: the level-{level} part {_shown(group)} "
                    f"must be {width} digits (zeros when the level is unused)"
                )

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read ``text`` such as ``000.00.00.G22``; raise :class:`AgencyCodeError` if invalid."""
        code = _normalized(text)
        if len(code) != QCVN102_LENGTH:
            raise AgencyCodeError(
                f"agency code {_shown(code)} has {len(code)} characters; a QCVN 102 code has "
                f"{QCVN102_LENGTH}, in the form 000.00.00.G22"
            )
        groups = code.split(".")
        if len(groups) != 4 or [len(g) for g in groups] != [3, 2, 2, 3]:
            raise AgencyCodeError(
                f"agency code {_shown(code)} is not laid out as a QCVN 102 code: expected "
                "three digits, two digits, two digits and a level-1 code, separated by dots, "
                "as in 000.00.00.G22"
            )
        level4, level3, level2, level1 = groups
        return cls(level1=level1, level2=level2, level3=level3, level4=level4)

    def _group(self, level: int) -> str:
        return (self.level1, self.level2, self.level3, self.level4)[level - 1]

    def _nonzero_levels(self) -> list[int]:
        return [1] + [level for level in (2, 3, 4) if not _is_zeros(self._group(level))]

    @property
    def level(self) -> int:
        """Position (1-4) of the lowest non-zero group; 1 for a level-1 agency."""
        return self._nonzero_levels()[-1]

    @property
    def depth(self) -> int:
        """How many non-zero groups the code has; equals :attr:`level` unless there is a hole."""
        return len(self._nonzero_levels())

    @property
    def level1_letter(self) -> str:
        return self.level1[0]

    @property
    def category(self) -> str:
        """What kind of level-1 agency the letter denotes, or ``"other"``."""
        return LEVEL1_CATEGORIES.get(self.level1_letter, OTHER_CATEGORY)

    def parent(self) -> Qcvn102Code | None:
        """The same code with its lowest non-zero group set to zeros; ``None`` at level 1."""
        level = self.level
        if level == 1:
            return None
        return replace(self, **{f"level{level}": "0" * _QCVN102_LOWER_WIDTHS[level]})

    def ancestors(self) -> Iterator[Qcvn102Code]:
        """The parent, its parent and so on up to level 1."""
        current = self.parent()
        while current is not None:
            yield current
            current = current.parent()

    def is_ancestor_of(self, other: Qcvn102Code) -> bool:
        """Whether walking ``other``'s parents reaches this code; no code is its own ancestor."""
        return any(ancestor == self for ancestor in other.ancestors())

    def __str__(self) -> str:
        return f"{self.level4}.{self.level3}.{self.level2}.{self.level1}"


@dataclass(frozen=True)
class Decision20Code:
    """An agency code in the Decision 20/2020 form, groups highest level first (``G12.18.01``).

    At most 35 characters of ``0-9``, ``A-Z`` and ``.``; no empty group, no leading or trailing
    dot. The number of levels is not fixed: ``G12`` and ``G12.18.01.A.7`` are both valid.

    Decided here: the first group, being a level-1 code, must start with a capital letter. That
    keeps a mistyped QCVN 102 code (which starts with digits) from passing as a Decision 20 code.
    """

    groups: tuple[str, ...]

    def __post_init__(self) -> None:
        text = ".".join(self.groups)
        if not self.groups:
            raise AgencyCodeError("the agency code is empty")
        if len(text) > DECISION20_MAX_LENGTH:
            raise AgencyCodeError(
                f"agency code {_shown(text)} has {len(text)} characters; a Decision 20/2020 "
                f"code has at most {DECISION20_MAX_LENGTH}"
            )
        for position, group in enumerate(self.groups, start=1):
            if not group:
                raise AgencyCodeError(
                    f"agency code {_shown(text)} has an empty group (a leading, trailing or "
                    "double dot); groups are separated by single dots, as in G12.18.01"
                )
            if not _DECISION20_GROUP_RE.fullmatch(group):
                raise AgencyCodeError(
                    f"agency code {_shown(text)}: group {position} {_shown(group)} may contain "
                    "only digits and capital letters A-Z"
                )
        if not ("A" <= self.groups[0][0] <= "Z"):
            raise AgencyCodeError(
                f"agency code {_shown(text)} does not start with a level-1 code such as G12: "
                "a Decision 20/2020 code starts with a capital letter (a code starting with "
                "digits would be a QCVN 102 code, in the form 000.00.00.G22)"
            )

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read ``text`` such as ``G12.18.01``; raise :class:`AgencyCodeError` if invalid."""
        return cls(tuple(_normalized(text).split(".")))

    @property
    def level(self) -> int:
        """How many levels the code has; 1 for a level-1 agency."""
        return len(self.groups)

    @property
    def level1(self) -> str:
        return self.groups[0]

    def parent(self) -> Decision20Code | None:
        """The code without its last (lowest) group; ``None`` at level 1."""
        if self.level == 1:
            return None
        return Decision20Code(self.groups[:-1])

    def is_ancestor_of(self, other: Decision20Code) -> bool:
        """Whether this code is a proper prefix of ``other``, group by group."""
        return self.level < other.level and other.groups[: self.level] == self.groups

    def __str__(self) -> str:
        return ".".join(self.groups)


def parse_agency_code(text: str) -> Qcvn102Code | Decision20Code:
    """Read an agency code in either form, telling them apart by shape.

    A code starting with a digit can only be a QCVN 102 code and one starting with a letter only a
    Decision 20/2020 code, so the error raised is the one of the form the sender meant.
    """
    code = _normalized(text)
    if code[0].isdigit():
        return Qcvn102Code.parse(code)
    return Decision20Code.parse(code)


def is_qcvn102(text: str) -> bool:
    """Whether :meth:`Qcvn102Code.parse` would accept ``text`` (without building a value)."""
    return _QCVN102_RE.fullmatch(text.strip()) is not None
