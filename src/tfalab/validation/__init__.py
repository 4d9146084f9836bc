"""Claims catalogue and ``reproduce`` (see :mod:`tfalab.validation.runner`)."""

from tfalab.validation.catalogue import Check, Claim, Tolerance, load_catalogue
from tfalab.validation.registry import Answer, Context, answers
from tfalab.validation.runner import reproduce, run_claim, select_claims

__all__ = ["Answer", "Check", "Claim", "Context", "Tolerance", "answers", "load_catalogue",
           "reproduce", "run_claim", "select_claims"]
