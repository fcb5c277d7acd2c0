"""统一社会信用代码 (GB 32100-2015): generation, validation, normalisation, error messages."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from registries import credit_code
from registries.credit_code import ALPHABET, CATEGORIES, WEIGHTS, CreditCodeError

# Real codes as published in the national enterprise credit publicity system.
PUBLISHED = {
    "914403001922038216": "华为技术有限公司",
    "9144030071526726XG": "腾讯科技(深圳)有限公司",
    "91110000710926094P": "中国石油化工股份有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
}

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(CATEGORIES)))
    category = draw(st.sampled_from(CATEGORIES[authority]))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    organisation = draw(st.text(alphabet=ALPHABET, min_size=9, max_size=9))
    return credit_code.make(authority + category + division + organisation)


@pytest.mark.parametrize(("code", "name"), PUBLISHED.items())
def test_it_accepts_real_published_codes(code: str, name: str) -> None:
    assert credit_code.validate(code) == code, name
    assert credit_code.check_character(code[:17]) == code[17]


@given(valid_codes())
def test_it_validates_every_generated_code(code: str) -> None:
    assert credit_code.validate(code) == code
    assert credit_code.is_valid(code)


def test_the_weights_are_powers_of_three_modulo_31() -> None:
    assert list(WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    # 3 generates the multiplicative group mod 31, so the 17 weights are distinct and non-zero:
    # that is what makes every single substitution and every transposition within the first
    # 17 characters change the check character.
    assert len(set(WEIGHTS)) == 17
    assert 0 not in WEIGHTS


@given(code=valid_codes(), position=st.integers(0, 17), replacement=st.sampled_from(ALPHABET))
def test_it_rejects_every_single_substitution_within_the_alphabet(code: str, position: int, replacement: str) -> None:
    assume(code[position] != replacement)
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(CreditCodeError):
        credit_code.validate(mutated)


@pytest.mark.parametrize("code", PUBLISHED)
def test_no_single_substitution_of_a_published_code_is_valid(code: str) -> None:
    mutants = [code[:i] + c + code[i + 1 :] for i in range(18) for c in ALPHABET if c != code[i]]
    assert len(mutants) == 18 * 30
    assert not any(credit_code.is_valid(m) for m in mutants)


@given(code=valid_codes(), position=st.integers(0, 17), replacement=st.characters())
@example(code="914403001922038216", position=0, replacement="９")  # full-width: the same code
@example(code="9144030071526726XG", position=16, replacement="x")  # lower case: the same code
@example(code="9144030071526726XG", position=5, replacement=" ")  # a space drops a character
def test_a_substitution_is_accepted_only_when_it_normalises_to_the_same_code(
    code: str, position: int, replacement: str
) -> None:
    """What is true of ANY character: lower case and full-width forms of the same character
    are the same code once normalised; every other substitution is rejected."""
    mutated = code[:position] + replacement + code[position + 1 :]
    assert credit_code.is_valid(mutated) == (credit_code.normalise(mutated) == code)


def _swap(code: str, i: int, j: int) -> str:
    chars = list(code)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@given(code=valid_codes(), data=st.data())
def test_it_rejects_every_transposition_but_first_with_last(code: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 16))
    j = data.draw(st.integers(i + 1, 17))
    assume((i, j) != (0, 17))
    assume(code[i] != code[j])
    assert not credit_code.is_valid(_swap(code, i, j))


@given(code=valid_codes())
def test_a_swap_of_the_first_and_the_check_character_passes_the_checksum(code: str) -> None:
    """What is true: the first weight is 1, so swapping characters 1 and 18 keeps the checksum;
    only the table of registration authorities and categories can catch it."""
    swapped = _swap(code, 0, 17)
    assert credit_code.check_character(swapped[:17]) == swapped[17]


def test_a_swap_of_the_first_and_the_check_character_can_go_unnoticed() -> None:
    code = credit_code.make("Y1140522000000024")
    assert code[17] == "9"
    assert credit_code.is_valid(code)
    assert credit_code.is_valid(_swap(code, 0, 17))


@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    once = credit_code.normalise(raw)
    assert credit_code.normalise(once) == once


@example(code="914403001922038216", spaces=[" ", "\u3000"])
@given(code=valid_codes(), spaces=st.lists(st.sampled_from([" ", "\u3000", "\t", "\n", "\xa0"]), max_size=5))
def test_it_reads_full_width_lower_case_and_spaced_codes(code: str, spaces: list[str]) -> None:
    messy = "".join(FULL_WIDTH[c] for c in code[:9]) + code[9:].lower()
    for k, space in enumerate(spaces):
        at = (k * 5) % len(messy)
        messy = messy[:at] + space + messy[at:]
    assert credit_code.normalise(messy) == code
    assert credit_code.validate(messy) == code


def test_it_normalises_what_bureaus_type() -> None:
    assert credit_code.normalise(" ９１１１０１０８ ５５１３８５０８２ｑ　") == "91110108551385082Q"
    assert credit_code.normalise("") == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("91440300192203821", "统一社会信用代码应为18位，实际为17位"),
        ("9144030071526726XGA", "统一社会信用代码应为18位，实际为19位"),
        ("", "统一社会信用代码应为18位，实际为0位"),
        ("9I4403001922038216", "统一社会信用代码含有非法字符：I"),
        ("9144030O1922038216", "统一社会信用代码含有非法字符：O"),
        ("914403001922038217", "统一社会信用代码校验位错误：应为6，实际为7"),
        ("01440300192203821X", "统一社会信用代码的登记管理部门或机构类别代码无效：01"),
        ("9A440300192203821X", "统一社会信用代码的登记管理部门或机构类别代码无效：9A"),
        ("9144A3001922038216", "统一社会信用代码第3-8位应为行政区划代码（数字）"),
    ],
)
def test_it_explains_in_chinese_why_a_code_is_invalid(raw: str, message: str) -> None:
    with pytest.raises(CreditCodeError) as excinfo:
        credit_code.validate(raw)
    assert str(excinfo.value) == message
    assert not credit_code.is_valid(raw)


def test_it_completes_seventeen_characters_with_the_check_character() -> None:
    assert credit_code.make("91110108551385082") == "91110108551385082Q"
