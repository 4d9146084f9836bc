"""One-line messages for the page."""

from __future__ import annotations


def describe(exc: BaseException) -> str:
    """One line for the page: the tfalab error's own message, or the exception's type and
    message for anything else (never a traceback).

    >>> describe(ValueError("bad\\nmore"))
    'ValueError: bad'
    """
    from tfalab.errors import TfalabError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, TfalabError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
