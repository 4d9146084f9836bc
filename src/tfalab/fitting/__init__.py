"""Fit the symmetric-cell model to a researcher's own data (``tfalab fit``, docs/fit.md).

>>> from tfalab.fitting import fit, Observation, load_parameter_file  # doctest: +ELLIPSIS
"""

from tfalab.fitting.engine import FitResult, ParameterEstimate, fit, observation_from_dict
from tfalab.fitting.observations import Observation, protocol_from_celltest
from tfalab.fitting.parameter_file import (
    load_parameter_file,
    parameter_values,
    write_parameter_file,
)

__all__ = ["FitResult", "Observation", "ParameterEstimate", "fit", "load_parameter_file",
           "observation_from_dict", "parameter_values", "protocol_from_celltest",
           "write_parameter_file"]
