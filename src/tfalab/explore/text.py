"""One-line messages for the page."""

from __future__ import annotations


def describe(exc: BaseException) -> str:
    """A message for the page: the tfalab error's own message (at most 12 lines: some carry
    examples), or the exception's type and first line for anything else (never a traceback).

    >>> describe(ValueError("bad\\nmore"))
    'ValueError: bad'
    """
    from tfalab.errors import TfalabError

    lines = str(exc).strip().splitlines()
    if isinstance(exc, TfalabError):
        return "\n".join(lines[:12]) or type(exc).__name__
    text = lines[0] if lines else ""
    if isinstance(exc, TfalabError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
