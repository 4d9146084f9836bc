"""Parameter dicts of full cells: anode + electrolyte (as for symmetric cells) + cathode.

>>> p = full_parameters("tfa", "fes2", "2.17 mg/cm2", pressure="40 MPa")
>>> cap, li = p["Cathode capacity [C.m-2]"], p["Anode free-Li capacity [C.m-2]"]
>>> p["Stack pressure [Pa]"], round(cap / li, 2)
(40000000.0, 0.17)
"""

from __future__ import annotations

from typing import Any

from tfalab.anode import CompositeAnode
from tfalab.cell.cathodes import cathode_constant, cathode_kind, cathode_parameters
from tfalab.cell.parameters import apply_overrides, symmetric_parameters
from tfalab.design import CathodeComposite, make_cathode
from tfalab.errors import CapacityError, ParameterError


def make_full_cathode(cathode: str | CathodeComposite, loading: str | float | None = None,
                      ) -> CathodeComposite:
    """A paper composite by name (``"fes2"``, ``"ncm"``) and loading, or a given composite."""
    if isinstance(cathode, CathodeComposite):
        return cathode
    kind = str(cathode).strip().lower()
    if kind not in ("fes2", "ncm"):
        raise ParameterError(f"unknown cathode {cathode!r}; known: fes2, ncm")
    if loading is None:
        from tfalab.parameters import fitted

        loading = "2.17 mg/cm2" if kind == "fes2" else fitted("ncm.loading").value
    porosity = cathode_constant(f"{kind}.composite_porosity")
    return make_cathode(kind, loading, porosity=porosity)


def nominal_areal_capacity(cathode: CathodeComposite) -> float:
    """C/m² of the cathode on which C-rates are counted: FeS2 at its theoretical specific
    capacity, NCM at ``ncm.c_rate_capacity`` (``data/cathodes.toml``).

    >>> round(nominal_areal_capacity(make_full_cathode("fes2", "2.17 mg/cm2")) / 36000, 2)
    1.94
    """
    from tfalab.materials import get_phase

    basis = (get_phase("FeS2").specific_capacity if cathode_kind(cathode) == "fes2"
             else cathode_constant("ncm.c_rate_capacity"))
    assert basis is not None  # phases.toml gives FeS2 its electrons and formula
    return cathode.loading * basis


def full_parameters(anode: str | CompositeAnode = "tfa", cathode: str | CathodeComposite = "fes2",
                    loading: str | float | None = None, pressure: str | float = "40 MPa",
                    temperature: str | float = "80 degC", area: str | float | None = None,
                    overrides: dict[str, Any] | None = None,
                    build: Any = None) -> dict[str, Any]:
    """Every parameter of a full cell, SI, PyBaMM names (materials, the cell ``build``, the
    anode and the cathode).

    Raises :class:`~tfalab.errors.CapacityError` for a Li-free cathode that the anode's free Li
    cannot fill (N/P < 1 with no Li reservoir).
    """
    base = symmetric_parameters(anode, pressure, temperature, area, build=build)
    cat = make_full_cathode(cathode, loading)
    out = {**base, **cathode_parameters(cat),
           # the basis of C-rates: the cathode's nominal capacity (as FullProtocol's)
           "Nominal cell capacity [A.h]": nominal_areal_capacity(cat)
           * base["Electrode area [m2]"] / 3600.0}
    li, need = out["Anode free-Li capacity [C.m-2]"], out["Cathode capacity [C.m-2]"]
    if not cat.lithiated and need > li:
        raise CapacityError(
            f"N/P < 1: the anode holds {li / 36000:.2f} mAh/cm2 of free Li but the Li-free "
            f"{cat.active.name} cathode takes {need / 36000:.2f} mAh/cm2")
    return apply_overrides(out, overrides)
