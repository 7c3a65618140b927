"""Amounts in Norwegian format through one function."""

from __future__ import annotations

import pytest

from portal.money import format_nok


@pytest.mark.parametrize(
    ("ore", "shown"),
    [
        (186250, "1\u00a0862,50\u00a0kr"),
        (149000, "1\u00a0490\u00a0kr"),
        (14875, "148,75\u00a0kr"),
        (0, "0\u00a0kr"),
        (123456789, "1\u00a0234\u00a0567,89\u00a0kr"),
    ],
)
def test_amounts_are_written_the_norwegian_way(ore: int, shown: str) -> None:
    assert format_nok(ore) == shown


def test_the_template_filter_is_the_same_function(app) -> None:
    assert app.jinja_env.filters["nok"] is format_nok


def test_measured_values_use_a_decimal_comma_and_no_trailing_zeros() -> None:
    from decimal import Decimal

    from portal.money import format_number

    assert format_number(Decimal("20.0")) == "20"
    assert format_number(Decimal("38.50")) == "38,5"
    assert format_number(Decimal("1234.125")) == "1\u00a0234,125"
