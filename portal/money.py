"""Amounts of money as Norwegian readers write them: 1 862,50 kr."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

# Whole kroner without decimals (1 490 kr), otherwise always two (1 862,50 kr).
_WHOLE = "#,##0"
_WITH_ORE = "#,##0.00"


def format_nok(ore: int) -> str:
    """The one formatter for every amount shown: Norwegian digits whatever the page language."""
    kroner = Decimal(ore) / 100
    pattern = _WHOLE if ore % 100 == 0 else _WITH_ORE
    return format_decimal(kroner, format=pattern, locale="nb") + "\u00a0kr"


def format_number(value: Decimal | float | int) -> str:
    """A measured value as Norwegian readers write it: 1 234,5 (no trailing zeros)."""
    return format_decimal(value, format="#,##0.###", locale="nb")
