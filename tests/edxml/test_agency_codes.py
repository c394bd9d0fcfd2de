"""Agency identifiers (STANDARDS.md §3): the QCVN 102 and Decision 20/2020 forms."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.edxml.agency_codes import (
    Decision20Code,
    Qcvn102Code,
    is_qcvn102,
    parse_agency_code,
)
from lienthong.edxml.errors import AgencyCodeError

# --- QCVN 102 form: reading --------------------------------------------------------------------


def test_government_office_code_is_read_lowest_level_first() -> None:
    code = Qcvn102Code.parse("000.00.00.G22")
    assert (code.level1, code.level2, code.level3, code.level4) == ("G22", "00", "00", "000")


def test_level3_code_keeps_each_group_in_its_position() -> None:
    code = Qcvn102Code.parse("000.05.10.H47")
    assert (code.level1, code.level2, code.level3, code.level4) == ("H47", "10", "05", "000")


def test_str_gives_back_the_canonical_text() -> None:
    assert str(Qcvn102Code.parse("001.02.10.H47")) == "001.02.10.H47"


def test_surrounding_whitespace_is_ignored() -> None:
    assert Qcvn102Code.parse("  000.00.00.H49\n") == Qcvn102Code("H49")


def test_codes_with_the_same_text_are_equal_and_hash_alike() -> None:
    assert {Qcvn102Code.parse("000.00.00.G22"), Qcvn102Code.parse("000.00.00.G22")} == {
        Qcvn102Code("G22")
    }


# --- QCVN 102 form: level, letter, category ----------------------------------------------------


def test_government_office_is_level1() -> None:
    assert Qcvn102Code.parse("000.00.00.G22").level == 1


def test_provincial_department_is_level2() -> None:
    assert Qcvn102Code.parse("000.00.10.H47").level == 2


def test_unit_under_a_department_is_level3() -> None:
    assert Qcvn102Code.parse("000.05.10.H47").level == 3


def test_fully_used_code_is_level4() -> None:
    assert Qcvn102Code.parse("001.05.10.H47").level == 4


def test_level1_letter_is_the_first_character_of_level1() -> None:
    code = Qcvn102Code.parse("000.00.00.H49")
    assert (code.level1, code.level1_letter) == ("H49", "H")


def test_letter_g_is_a_ministry_or_government_agency() -> None:
    assert Qcvn102Code.parse("000.00.00.G12").category == "ministry or government agency"


def test_letter_h_is_a_provincial_peoples_committee() -> None:
    assert Qcvn102Code.parse("000.00.00.H49").category == "provincial People's Committee"


def test_letter_k_is_a_provincial_peoples_council() -> None:
    assert Qcvn102Code.parse("000.00.01.K05").category == "provincial People's Council"


def test_other_letters_are_accepted_as_other() -> None:
    assert Qcvn102Code.parse("000.00.00.A01").category == "other"


# --- QCVN 102 form: hierarchy ------------------------------------------------------------------


def test_parent_of_department_is_its_province() -> None:
    assert Qcvn102Code.parse("000.00.10.H47").parent() == Qcvn102Code.parse("000.00.00.H47")


def test_parent_of_level3_unit_is_its_department() -> None:
    assert Qcvn102Code.parse("000.05.10.H47").parent() == Qcvn102Code.parse("000.00.10.H47")


def test_parent_of_level4_unit_is_its_level3_unit() -> None:
    assert Qcvn102Code.parse("001.05.10.H47").parent() == Qcvn102Code.parse("000.05.10.H47")


def test_level1_agency_has_no_parent() -> None:
    assert Qcvn102Code.parse("000.00.00.G22").parent() is None


def test_code_with_a_hole_is_accepted() -> None:
    code = Qcvn102Code.parse("001.00.10.H47")
    assert (code.level, code.depth) == (4, 3)


def test_parent_of_code_with_a_hole_skips_the_zero_level() -> None:
    assert Qcvn102Code.parse("001.00.10.H47").parent() == Qcvn102Code.parse("000.00.10.H47")


def test_depth_equals_level_without_holes() -> None:
    code = Qcvn102Code.parse("001.05.10.H47")
    assert code.depth == code.level == 4


def test_ancestors_run_from_parent_up_to_level1() -> None:
    assert [str(a) for a in Qcvn102Code.parse("001.05.10.H47").ancestors()] == [
        "000.05.10.H47",
        "000.00.10.H47",
        "000.00.00.H47",
    ]


def test_province_is_ancestor_of_unit_two_levels_below() -> None:
    province = Qcvn102Code.parse("000.00.00.H47")
    assert province.is_ancestor_of(Qcvn102Code.parse("000.05.10.H47"))


def test_code_is_not_its_own_ancestor() -> None:
    code = Qcvn102Code.parse("000.00.10.H47")
    assert not code.is_ancestor_of(code)


def test_unit_is_not_ancestor_of_its_province() -> None:
    province = Qcvn102Code.parse("000.00.00.H47")
    assert not Qcvn102Code.parse("000.00.10.H47").is_ancestor_of(province)


def test_other_province_is_not_ancestor() -> None:
    assert not Qcvn102Code.parse("000.00.00.H49").is_ancestor_of(Qcvn102Code.parse("000.00.10.H47"))


def test_code_matching_only_in_lower_levels_is_not_ancestor_across_a_hole() -> None:
    # 001.00.00.H47 shares level 4 with 001.00.10.H47 but is not on its parent chain.
    assert not Qcvn102Code.parse("001.00.00.H47").is_ancestor_of(Qcvn102Code.parse("001.00.10.H47"))


# --- QCVN 102 form: refusals -------------------------------------------------------------------


def test_empty_code_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="empty"):
        Qcvn102Code.parse("")


def test_blank_code_is_refused_as_empty() -> None:
    with pytest.raises(AgencyCodeError, match="empty"):
        Qcvn102Code.parse("   ")


def test_code_of_wrong_length_is_refused_naming_the_length() -> None:
    with pytest.raises(AgencyCodeError, match=r"'000\.00\.00\.G2' has 12 characters.*13"):
        Qcvn102Code.parse("000.00.00.G2")


def test_lowercase_letter_is_refused_suggesting_capitals() -> None:
    with pytest.raises(AgencyCodeError, match=r"lower-case.*'000\.00\.00\.G22'") as caught:
        Qcvn102Code.parse("000.00.00.g22")
    assert caught.value.code == "agency-code-invalid"


def test_digit_in_place_of_level1_letter_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match=r"level-1 part '122'.*capital letter"):
        Qcvn102Code.parse("000.00.00.122")


def test_non_ascii_letter_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="'Đ', which is not allowed"):
        Qcvn102Code.parse("000.00.00.Đ22")


def test_letter_in_a_lower_level_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match=r"level-2 part '1A' must be 2 digits"):
        Qcvn102Code.parse("000.00.1A.H47")


def test_misplaced_dots_are_refused() -> None:
    with pytest.raises(AgencyCodeError, match="not laid out as a QCVN 102 code"):
        Qcvn102Code.parse("0000.0.00.G22")


def test_invalid_level_given_to_the_constructor_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="level-4 part '01' must be 3 digits"):
        Qcvn102Code("G22", level4="01")


def test_message_quotes_a_long_bogus_value_only_in_part() -> None:
    with pytest.raises(AgencyCodeError) as caught:
        Qcvn102Code.parse("0" * 10_000)
    assert len(caught.value.message) < 200


# --- Decision 20/2020 form ---------------------------------------------------------------------


def test_decision20_code_is_read_highest_level_first() -> None:
    assert Decision20Code.parse("G12.18.01").groups == ("G12", "18", "01")


def test_decision20_level_is_the_number_of_groups() -> None:
    assert Decision20Code.parse("G12.18.01").level == 3


def test_decision20_code_may_have_more_than_four_levels() -> None:
    assert Decision20Code.parse("H47.01.02.03.04.05").level == 6


def test_decision20_str_gives_back_the_text() -> None:
    assert str(Decision20Code.parse(" G12.18.01 ")) == "G12.18.01"


def test_decision20_parent_drops_the_last_group() -> None:
    assert Decision20Code.parse("G12.18.01").parent() == Decision20Code(("G12", "18"))


def test_decision20_level1_code_has_no_parent() -> None:
    assert Decision20Code.parse("G12").parent() is None


def test_decision20_prefix_is_ancestor() -> None:
    assert Decision20Code.parse("G12").is_ancestor_of(Decision20Code.parse("G12.18.01"))


def test_decision20_code_is_not_its_own_ancestor() -> None:
    code = Decision20Code.parse("G12.18")
    assert not code.is_ancestor_of(code)


def test_decision20_code_of_35_characters_is_accepted() -> None:
    text = "G12." + "1" * 31
    assert len(text) == 35
    assert str(Decision20Code.parse(text)) == text


def test_decision20_code_of_36_characters_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match=r"36 characters.*at most 35"):
        Decision20Code.parse("G12." + "1" * 32)


def test_decision20_double_dot_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="empty group"):
        Decision20Code.parse("G12..01")


def test_decision20_leading_dot_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="empty group"):
        Decision20Code.parse(".G12.18")


def test_decision20_trailing_dot_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="empty group"):
        Decision20Code.parse("G12.18.")


def test_decision20_lowercase_is_refused_suggesting_capitals() -> None:
    with pytest.raises(AgencyCodeError, match=r"lower-case.*'G12\.18\.01'"):
        Decision20Code.parse("g12.18.01")


def test_decision20_empty_code_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="empty"):
        Decision20Code.parse("")


def test_decision20_code_starting_with_digits_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="starts with a capital letter"):
        Decision20Code.parse("000.00.00.G2X")


def test_decision20_forbidden_character_is_refused() -> None:
    with pytest.raises(AgencyCodeError, match="'-', which is not allowed"):
        Decision20Code.parse("G12-18")


# --- Choosing the form -------------------------------------------------------------------------


def test_code_in_qcvn_shape_is_read_as_qcvn102() -> None:
    assert parse_agency_code("000.00.00.G22") == Qcvn102Code("G22")


def test_code_in_decision20_shape_is_read_as_decision20() -> None:
    assert parse_agency_code("G12.18.01") == Decision20Code(("G12", "18", "01"))


def test_thirteen_character_decision20_code_is_read_as_decision20() -> None:
    assert isinstance(parse_agency_code("G12.18.01.001"), Decision20Code)


def test_mistyped_qcvn_code_reports_the_qcvn_problem() -> None:
    with pytest.raises(AgencyCodeError, match="level-1 part 'G2X'"):
        parse_agency_code("000.00.00.G2X")


def test_short_qcvn_code_reports_its_length() -> None:
    with pytest.raises(AgencyCodeError, match="has 12 characters"):
        parse_agency_code("000.00.00.G2")


def test_parse_agency_code_refuses_empty_text() -> None:
    with pytest.raises(AgencyCodeError, match="empty"):
        parse_agency_code(" ")


def test_parse_agency_code_refuses_double_dot() -> None:
    with pytest.raises(AgencyCodeError, match="empty group"):
        parse_agency_code("G12..01")


def test_is_qcvn102_accepts_a_valid_code() -> None:
    assert is_qcvn102("000.00.00.H49")


def test_is_qcvn102_rejects_a_decision20_code() -> None:
    assert not is_qcvn102("G12.18.01")


def test_is_qcvn102_rejects_lowercase() -> None:
    assert not is_qcvn102("000.00.00.h49")


def test_is_qcvn102_rejects_non_ascii_digits() -> None:
    assert not is_qcvn102("000.00.00.H4٩")


# --- Properties --------------------------------------------------------------------------------

_DIGITS = "0123456789"


def _digits(width: int) -> st.SearchStrategy[str]:
    # Zeros are drawn often so that unused levels and holes are well covered.
    return st.one_of(st.just("0" * width), st.text(_DIGITS, min_size=width, max_size=width))


def _nonzero_digits(width: int) -> st.SearchStrategy[str]:
    return st.text(_DIGITS, min_size=width, max_size=width).filter(lambda g: g.strip("0"))


_level1 = st.builds(
    lambda letter, digits: letter + digits,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.text(_DIGITS, min_size=2, max_size=2),
)

qcvn_texts = st.builds(
    lambda l1, l2, l3, l4: f"{l4}.{l3}.{l2}.{l1}", _level1, _digits(2), _digits(2), _digits(3)
)


@st.composite
def hole_free_qcvn_texts(draw: st.DrawFn) -> str:
    level = draw(st.integers(min_value=1, max_value=4))
    widths = {2: 2, 3: 2, 4: 3}
    lower = {n: draw(_nonzero_digits(w)) if n <= level else "0" * w for n, w in widths.items()}
    return f"{lower[4]}.{lower[3]}.{lower[2]}.{draw(_level1)}"


def _parent_chain(code: Qcvn102Code) -> list[Qcvn102Code]:
    chain = [code]
    while (parent := chain[-1].parent()) is not None:
        chain.append(parent)
    return chain


@given(qcvn_texts)
def test_valid_qcvn_text_survives_parse_and_str(text: str) -> None:
    assert str(Qcvn102Code.parse(text)) == text


@given(hole_free_qcvn_texts())
def test_parents_reach_level1_in_level_minus_one_steps(text: str) -> None:
    code = Qcvn102Code.parse(text)
    chain = _parent_chain(code)
    levels = [c.level for c in chain]
    assert len(chain) - 1 == code.level - 1
    assert levels[-1] == 1
    assert all(a > b for a, b in pairwise(levels))


@given(qcvn_texts)
def test_parents_reach_level1_in_depth_minus_one_steps_even_across_holes(text: str) -> None:
    code = Qcvn102Code.parse(text)
    chain = _parent_chain(code)
    levels = [c.level for c in chain]
    assert len(chain) - 1 == code.depth - 1
    assert levels[-1] == 1
    assert all(a > b for a, b in pairwise(levels))


@given(qcvn_texts)
def test_every_ancestor_is_reported_as_ancestor(text: str) -> None:
    code = Qcvn102Code.parse(text)
    assert all(ancestor.is_ancestor_of(code) for ancestor in code.ancestors())


@given(
    st.one_of(
        qcvn_texts,
        qcvn_texts.map(lambda s: f" {s}\n"),
        qcvn_texts.map(str.lower),
        st.text("0123456789.GHKgh Đ", max_size=16),
    )
)
def test_is_qcvn102_agrees_with_parse(text: str) -> None:
    try:
        Qcvn102Code.parse(text)
    except AgencyCodeError:
        parsed = False
    else:
        parsed = True
    assert is_qcvn102(text) == parsed
