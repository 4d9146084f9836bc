"""Physical constants (CODATA, via SciPy) in SI."""

from scipy import constants as _c

FARADAY: float = _c.physical_constants["Faraday constant"][0]  #: C/mol
GAS_CONSTANT: float = _c.R  #: J/(mol K)
AVOGADRO: float = _c.N_A  #: 1/mol
ZERO_CELSIUS: float = _c.zero_Celsius  #: K
SECONDS_PER_HOUR: float = 3600.0
