"""Every requirement of the CSIP 2.0.4 METS profile is either checked by code or listed in
docs/archive.md as not checked, with why — and nothing else is claimed."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from lienthong.archive.csip_rules import CHECKED

PROFILE = Path(__file__).parent / "data" / "E-ARK-CSIP-v2-0-4.xml"  # a copy of the shared one
DOCS = Path(__file__).parents[2] / "docs" / "archive.md"


def _profile_ids() -> set[str]:
    tree = etree.parse(str(PROFILE))
    return {
        r.get("ID", "")
        for r in tree.iter("{http://www.loc.gov/METS_Profile/v2}requirement")
        if r.get("ID")
    }


def _documented_as_not_checked() -> set[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### CSIP requirements not checked", 1)[1].split("\n## ", 1)[0]
    rows = [
        line.split("|")[1]
        for line in section.splitlines()
        if line.startswith("| CSIP") or line.startswith("| REF")
    ]
    return {i for row in rows for i in re.findall(r"(?:CSIP\d+|REF_METS_\d+)", row)}


def test_the_checked_requirements_are_real_ones_each_listed_once() -> None:
    assert len(CHECKED) == len(set(CHECKED))
    assert set(CHECKED) <= _profile_ids()


def test_every_requirement_is_checked_or_documented_as_not_checked() -> None:
    not_checked = _documented_as_not_checked()
    assert not (not_checked & set(CHECKED))
    assert not_checked | set(CHECKED) == _profile_ids()
