"""CVR numbers: 8 digits with a modulus-11 check (weights 2,7,6,5,4,3,2,1)."""

import pytest

from app.models import is_valid_cvr


@pytest.mark.parametrize("cvr", ["13748136", "10103940", "29403473"])
def test_valid_cvr(cvr):
    """Are real, correctly checksummed CVR numbers accepted?"""
    assert is_valid_cvr(cvr)


@pytest.mark.parametrize(
    ("cvr", "why"),
    [
        ("13748137", "wrong check digit"),
        ("13748135", "wrong check digit"),
        ("1374813", "seven digits"),
        ("137481360", "nine digits"),
        ("1374813A", "a letter"),
        ("ABCDEFGH", "letters"),
        ("", "empty"),
        ("1374 813", "a space"),
        ("01374813", "leading zero"),
        ("١٣٧٤٨١٣٦", "non-ASCII digits"),
    ],
)
def test_invalid_cvr(cvr, why):
    """Is a malformed CVR number refused?"""
    assert not is_valid_cvr(cvr), why
