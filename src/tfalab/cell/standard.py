"""What every PyBaMM battery model offers, for tfalab's cells: the capacity and throughput
counters, power and C-rate, the voltage split into the components that
``pybamm.plot_voltage_components`` stacks, and Experiment voltage limits that act on |V| in a
symmetric cell (:func:`use_magnitude_limits`).

>>> import pybamm
>>> m = pybamm.BaseModel()
>>> i, v = pybamm.Scalar(2.0), pybamm.Scalar(0.5)
>>> add_counters(m, i, v, pybamm.Scalar(1.0))
>>> sorted(m.variables)[:3]
['C-rate', 'Discharge capacity [A.h]', 'Power [W]']
"""

from __future__ import annotations

from typing import Any

import pybamm

#: model options that PyBaMM's plotting helpers read (one particle phase, both electrodes)
PYBAMM_OPTIONS = {"particle phases": "1", "working electrode": "both"}

#: the component names ``pybamm.plot_voltage_components`` reads (besides the open-circuit
#: voltage); a component that a model does not have is zero
VOLTAGE_COMPONENTS = (
    "Battery particle concentration overpotential [V]",
    "X-averaged battery reaction overpotential [V]",
    "X-averaged battery concentration overpotential [V]",
    "X-averaged battery electrolyte ohmic losses [V]",
    "X-averaged battery solid phase ohmic losses [V]",
    "Contact overpotential [V]",
)


def add_counters(model: pybamm.BaseModel, current: Any, voltage: Any, capacity: Any) -> None:
    """Add PyBaMM's ``Discharge capacity [A.h]`` (∫I dt) and ``Throughput capacity [A.h]``
    (∫|I| dt) as states, and ``Power [W]``, ``Terminal power [W]`` and ``C-rate`` (I over the
    nominal ``capacity`` in A.h)."""
    q = pybamm.Variable("Discharge capacity [A.h]")
    q_t = pybamm.Variable("Throughput capacity [A.h]")
    model.rhs.update({q: current / 3600.0, q_t: pybamm.AbsoluteValue(current) / 3600.0})
    model.initial_conditions.update({q: pybamm.Scalar(0.0), q_t: pybamm.Scalar(0.0)})
    power = current * voltage
    model.variables.update({
        "Discharge capacity [A.h]": q, "Throughput capacity [A.h]": q_t,
        "Power [W]": power, "Terminal power [W]": power, "C-rate": current / capacity,
    })


def add_voltage_components(model: pybamm.BaseModel, ocv: Any,
                           components: dict[str, Any]) -> None:
    """Add the open-circuit voltage and its overpotentials under PyBaMM's names, so that
    ``pybamm.plot_voltage_components`` works; the components must add up to
    ``Voltage [V]`` − ``ocv``."""
    unknown = set(components) - set(VOLTAGE_COMPONENTS)
    if unknown:
        raise ValueError(f"not a PyBaMM voltage component: {sorted(unknown)}")
    zero = pybamm.Scalar(0.0)
    model.variables["Battery open-circuit voltage [V]"] = ocv
    model.variables.update({name: components.get(name, zero) for name in VOLTAGE_COMPONENTS})


#: the variable whose presence makes an Experiment's voltage limit act on |V| (symmetric cells)
MAGNITUDE = "Voltage magnitude [V]"


def _magnitude_limit(original: Any) -> Any:
    def get_event_expression(self: Any, variables: dict[str, Any], step: Any) -> Any:
        if MAGNITUDE in variables and self.operator is None \
                and getattr(step, "direction", None) in ("charge", "discharge"):
            return abs(float(self.value)) - variables[MAGNITUDE]
        return original(self, variables, step)

    get_event_expression.__doc__ = original.__doc__
    get_event_expression._tfalab = True  # type: ignore[attr-defined]
    return get_event_expression


def use_magnitude_limits() -> None:
    """Make an Experiment's voltage limit ("Discharge at 1 mA until 0.05 V") end the step when
    |V| reaches it, in models that define ``Voltage magnitude [V]`` (tfalab's symmetric cell).

    PyBaMM reads such a limit as "stop when V falls below 0.05 V", since a battery's voltage
    falls on discharge (and rises on charge). A Li|Li cell's voltage is an overpotential that
    starts near zero and grows in magnitude under current of either sign, so a cycler's limit
    on it bounds |V|. PyBaMM decides the direction of a voltage limit in
    ``pybamm.step.VoltageTermination`` from the step's direction alone, with no hook for the
    model, so tfalab wraps that method: models without ``Voltage magnitude [V]``, and limits
    written with an explicit operator ("until < 0.05 V", "until > 0.05 V", which keep PyBaMM's
    meaning on the signed voltage), are untouched.
    """
    cls = pybamm.step.VoltageTermination
    if not getattr(cls.get_event_expression, "_tfalab", False):
        cls.get_event_expression = _magnitude_limit(cls.get_event_expression)
