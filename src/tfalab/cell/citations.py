"""Citations of tfalab's cell models, registered with ``pybamm.citations`` (PyBaMM's
convention): a model registers the sources of its equations when it is built, and
``pybamm.print_citations()`` lists them with PyBaMM's own.

>>> import pybamm
>>> register_citations()           # what SymmetricCell() and FullCell() do
>>> sorted(BIBTEX)
['Kasemchainan2019', 'Masias2019', 'Xu2017', 'Zhang2025']
"""

from __future__ import annotations

import pybamm

#: BibTeX of the sources the cell models' equations and parameters rest on
BIBTEX = {
    "Zhang2025": """@article{Zhang2025,
  title = {Topology Fortified Anodes Powered High-Energy All-Solid-State Lithium Batteries},
  author = {Zhang, Xinxin and Yu, Hailong and Ben, Liubin and Cen, Guanjun and Sun, Yang and
            Wang, Liping and Hao, Junfeng and Zhu, Jing and Sun, Qiangfu and Qiao, Ronghan and
            Yao, Xiayin and Zhang, Heng and Huang, Xuejie},
  journal = {Advanced Materials},
  year = {2025},
  doi = {10.1002/adma.202506298}
}""",
    "Xu2017": """@article{Xu2017,
  title = {Enhanced strength and temperature dependence of mechanical properties of {Li} at
           small scales and its implications for {Li} metal anodes},
  author = {Xu, Chen and Ahmad, Zeeshan and Aryanfar, Asghar and Viswanathan, Venkatasubramanian
            and Greer, Julia R.},
  journal = {Proceedings of the National Academy of Sciences},
  volume = {114}, number = {1}, pages = {57--61},
  year = {2017},
  doi = {10.1073/pnas.1615733114}
}""",
    "Masias2019": """@article{Masias2019,
  title = {Elastic, plastic, and creep mechanical properties of lithium metal},
  author = {Masias, Alvaro and Felten, Nando and Garcia-Mendez, Regina and Wolfenstine, Jeff and
            Sakamoto, Jeff},
  journal = {Journal of Materials Science},
  volume = {54}, pages = {2585--2600},
  year = {2019},
  doi = {10.1007/s10853-018-2971-3}
}""",
    "Kasemchainan2019": """@article{Kasemchainan2019,
  title = {Critical stripping current leads to dendrite formation on plating in lithium anode
           solid electrolyte cells},
  author = {Kasemchainan, Jitti and Zekoll, Stefanie and Spencer Jolly, Dominic and Ning, Ziyang
            and Hartley, Gareth O. and Marrow, James and Bruce, Peter G.},
  journal = {Nature Materials},
  volume = {18}, pages = {1105--1111},
  year = {2019},
  doi = {10.1038/s41563-019-0438-9}
}""",
}

#: PyBaMM's own entries that the models use: the NMC811 OCP and stoichiometry window (full
#: cells with NCM), the Bruggeman relation (pellet conductivity against density)
PYBAMM_KEYS = ("Chen2020", "Bruggeman1935")


def register_citations() -> None:
    """Register every source of the cell models with ``pybamm.citations``."""
    for bibtex in BIBTEX.values():
        pybamm.citations.register(bibtex)
    for key in PYBAMM_KEYS:
        pybamm.citations.register(key)
