"""An interrupt is never lost: while a stop is requested (a signal handler of the CLI or of an
explorer job sets it), an error that compiled code made of the KeyboardInterrupt is read as
the interrupt, and the part computed so far is handed on."""

from __future__ import annotations

import pandas as pd
import pytest

from tfalab.errors import Interrupted
from tfalab.stop import clear_stop, request_stop, stop_requested


@pytest.fixture(autouse=True)
def _clear():
    clear_stop()
    yield
    clear_stop()


def test_a_requested_stop_ends_the_step_loop_with_the_partial_run():
    from tfalab.cell import simulate_symmetric
    from tfalab.cell.stepping import progress_to

    def stop_after_three(t: float, seen: list = []) -> None:  # noqa: B006
        seen.append(t)
        if len(seen) == 3:
            request_stop()

    with progress_to(stop_after_three), pytest.raises(Interrupted) as info:
        simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 40 h")
    data = info.value.partial.celltest.data
    assert data["Test Time / s"].iloc[-1] == pytest.approx(3 * 3600)
    assert info.value.partial.termination == "interrupted"


def test_an_error_while_a_stop_is_requested_is_the_interrupt(monkeypatch):
    import tfalab.cell.stepping as stepping

    def broken(*args, **kwargs):
        request_stop()
        raise AttributeError("'NoneType' object has no attribute 'flatten'")  # as CasADi did

    monkeypatch.setattr(stepping, "_integrate", broken)
    from tfalab.cell import simulate_symmetric

    with pytest.raises(Interrupted):
        simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 4 h")


def test_an_error_without_a_stop_is_an_error(monkeypatch):
    import tfalab.cell.stepping as stepping

    def broken(*args, **kwargs):
        raise AttributeError("a real bug")

    monkeypatch.setattr(stepping, "_integrate", broken)
    from tfalab.cell import simulate_symmetric

    with pytest.raises(AttributeError, match="a real bug"):
        simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 4 h")
    assert not stop_requested()


def test_a_ccd_map_hands_on_its_finished_points(monkeypatch):
    from tfalab.cell import experiments as ex

    calls = []
    real = ex.ccd

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            request_stop()
            raise RuntimeError("casadi: interrupted")
        return real(*args, **kwargs)

    monkeypatch.setattr(ex, "ccd", second_fails)
    with pytest.raises(Interrupted) as info:
        ex.ccd_map(["li"], ["10 MPa", "20 MPa", "30 MPa"])
    table = info.value.partial
    assert isinstance(table, pd.DataFrame) and len(table) == 1
    assert table.attrs["interrupted"]
