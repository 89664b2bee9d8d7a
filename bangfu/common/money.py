"""Money is kept as integer fen (分); 元 and 万元 exist only at the edges. Pure Python."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000
_CENT = Decimal("0.01")
#: Amounts of 10 万亿元 (10**13 元) and more are typing errors, not money (and far below 2**63 fen).
MAX_YUAN = Decimal(10**13)


def yuan_to_fen(yuan: Decimal | int | str) -> int:
    """Exact conversion; amounts finer than a fen are rounded half up (as a cashier would)."""
    value = Decimal(str(yuan)) if not isinstance(yuan, Decimal) else yuan
    return int((value * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_CENT)


def format_yuan(fen: int) -> str:
    """``123456`` → ``"1,234.56"``."""
    return f"{fen_to_yuan(fen):,.2f}"


def format_wan(fen: int, places: int = 2) -> str:
    """Fen as 万元 with ``places`` decimals, the way offices report: ``3000000_00`` → ``"300.00"``."""
    wan = (Decimal(fen) / FEN_PER_WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{wan:,.{places}f}"


def format_percent(fraction: Decimal, places: int = 0) -> str:
    """``Decimal("0.125")`` → ``"12.5%"`` with ``places=1``; trailing zeros trimmed."""
    pct = (fraction * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{pct:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
