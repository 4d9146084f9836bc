"""Load-bearing (backbone) percolation of a voxel skeleton between the two loaded faces.

Geometric percolation (:func:`~tfalab.microstructure.metrics.percolates`) asks whether one
cluster of skeleton touches both faces. Only part of such a cluster can carry the stack
pressure: dangling ends (fibres or loops attached to the spanning cluster at one point) carry
nothing. Two graph criteria on the skeleton's medial-axis network, with the two faces as the
loaded platens (super-nodes ``S`` and ``T``):

* **Backbone** (Herrmann, Hong & Stanley, J. Phys. A 17, L261 (1984), "Backbone and elastic
  backbone of percolation clusters obtained by the new method of 'burning'"): the sites that
  lie on at least one self-avoiding path from ``S`` to ``T``, i.e. that carry current (or
  load) when the faces are driven; dangling ends are not in it. Computed as the biconnected
  component (Tarjan; ``networkx.biconnected_components``) that contains an auxiliary edge
  ``S``–``T``: a vertex lies on a simple ``S``–``T`` path exactly when it is in that block.
  It exists whenever the skeleton percolates, so its onset *is* the connectivity threshold;
  what it adds is the load-bearing mass (the backbone fraction).
* **Redundant load paths**: the number of vertex-disjoint ``S``–``T`` paths (Menger's
  theorem: the local node connectivity, a unit-capacity max-flow;
  ``networkx.algorithms.connectivity.local_node_connectivity``), capped at ``max_paths``. One
  path is a single chain of fibres and contacts: one broken contact or one hinge-like
  junction and the face is unsupported. At least two vertex-disjoint paths — no single
  contact whose failure unloads the face — is the load-bearing criterion used for C6
  (:mod:`tfalab.paper.microstructure_claims`). In graph rigidity, a generically rigid
  bar-joint framework in d dimensions on more than d vertices is d-connected (e.g. Jackson &
  Jordán, J. Combin. Theory B 94, 1 (2005)); two disjoint paths is a weaker, necessary
  condition, so the load-bearing threshold is still an upper bound on the free Li at which the
  skeleton stops carrying the stack pressure in a rigidity sense. In an infinite system every
  k-path threshold tends to the connectivity threshold (above it the spanning cluster holds
  ~L^(d-1) disjoint paths); in a finite box (the C6 sweep: 6.4 µm, a few fibre lengths) it
  lies above it.

A mean-field rigidity estimate that needs no voxels: :func:`maxwell_threshold` (Maxwell's
count for rigid fibres, by contact type, with the contacts per fibre of the Boolean fibre
model, :func:`mean_contacts`).

The medial-axis network is the 26-connected skeletonisation of the skeleton phase
(``skimage.morphology.skeletonize``, Lee's 3D thinning; it keeps the topology: components,
tunnels and cavities); its voxels are the vertices, 26-neighbours are joined. A thinned line
ends up to about one fibre radius away from the face its fibre touches, so a medial voxel is
tied to a face when its distance to that face is at most its distance to the nearest
non-skeleton voxel (the fibre it represents reaches the face), or when it is the medial voxel
nearest to a skeleton voxel on the face within the same 26-connected cluster (oblique fibres).
The medial network then spans exactly when the skeleton percolates.

>>> import numpy as np
>>> m = np.zeros((12, 7, 7), bool); m[:, 3, 3] = True     # one straight fibre, both faces
>>> r = load_bearing(m)
>>> r.spans, r.backbone_fraction, r.disjoint_paths
(True, 1.0, 1)
>>> m[:, 3, 1] = True                                      # a second, parallel fibre
>>> load_bearing(m).disjoint_paths
2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: criterion of "load-bearing" percolation: at least this many vertex-disjoint face-to-face
#: paths through the skeleton's medial-axis network
LOAD_PATHS = 2

_S, _T = -1, -2


@dataclass(frozen=True)
class LoadBearing:
    """Backbone analysis of a skeleton mask along axis 0 (the thickness)."""

    spans: bool  #: the medial network connects the two faces (geometric percolation)
    backbone_fraction: float  #: fraction of medial-network voxels in the backbone
    dangling_fraction: float  #: fraction in the spanning cluster but not the backbone
    disjoint_paths: int  #: vertex-disjoint face-to-face paths (capped at ``max_paths``)
    medial_voxels: int  #: vertices of the medial network
    backbone: np.ndarray  #: Boolean mask of backbone voxels (medial network)

    @property
    def load_bearing(self) -> bool:
        """At least ``LOAD_PATHS`` vertex-disjoint face-to-face paths."""
        return self.disjoint_paths >= LOAD_PATHS


def medial_network(mask: np.ndarray) -> np.ndarray:
    """The 26-connected medial-axis skeleton of ``mask`` (Lee's 3D thinning,
    ``skimage.morphology.skeletonize``).

    Lee's thinning as implemented in scikit-image deletes some objects of even thickness
    entirely (a 4 × 4 voxel rod gives an empty skeleton: scikit-image issue #3757, open); in
    the fibre networks this removes a few isolated clusters and nothing else (the Euler number
    falls by exactly the number of lost components; loops are kept). A component left without
    medial voxels is therefore thinned again after thickening it by one voxel on one side
    (which breaks the even thickness), and failing that is represented by its voxels farthest
    from the background.
    """
    from skimage.morphology import skeletonize

    mask = np.asarray(mask, bool)
    if not mask.any():
        return mask.copy()
    medial = np.asarray(skeletonize(mask), bool)
    lab, n = ndimage.label(mask, structure=np.ones((3, 3, 3), bool))
    kept = np.zeros(n + 1, bool)
    kept[np.unique(lab[medial])] = True
    for i, box in enumerate(ndimage.find_objects(lab), start=1):
        if kept[i] or box is None:
            continue
        pad = tuple(slice(max(b.start - 1, 0), b.stop + 1) for b in box)
        comp = lab[pad] == i
        sub = np.zeros_like(comp)
        for axes in ((2,), (1, 2)):
            thick = comp.copy()
            for ax in axes:
                thick |= np.roll(comp, 1, axis=ax)
            sub = np.asarray(skeletonize(thick), bool)
            if sub.any():
                break
        if not sub.any():
            dist = ndimage.distance_transform_edt(comp)
            sub = comp & (dist == dist.max())
        # medial voxels on the added layer move to the nearest voxel of the component
        _, near = ndimage.distance_transform_edt(~comp, return_indices=True)
        pts = np.argwhere(sub)
        moved = near[(slice(None), *pts.T)].T
        view = medial[pad]
        view[tuple(moved.T)] = True
    return medial


def _graph(medial: np.ndarray, mask: np.ndarray):
    import networkx as nx

    idx = np.full(medial.shape, -1, np.int64)
    coords = np.argwhere(medial)
    idx[tuple(coords.T)] = np.arange(len(coords))
    g = nx.Graph()
    g.add_nodes_from(range(len(coords)))
    nz = medial.shape[0]
    # the 13 "forward" offsets of the 26-neighbourhood: each pair once
    offsets = [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)
               if (a, b, c) > (0, 0, 0)]
    for off in offsets:
        src = [slice(max(0, -o), n - max(0, o)) for o, n in zip(off, medial.shape, strict=True)]
        dst = [slice(max(0, o), n - max(0, -o)) for o, n in zip(off, medial.shape, strict=True)]
        a, b = idx[tuple(src)], idx[tuple(dst)]
        keep = (a >= 0) & (b >= 0)
        g.add_edges_from(zip(a[keep].tolist(), b[keep].tolist(), strict=True))
    # ties to the faces: the fibre a medial voxel stands for reaches the face ...
    dist = ndimage.distance_transform_edt(mask)[tuple(coords.T)]
    z = coords[:, 0]
    g.add_node(_S)
    g.add_node(_T)
    g.add_edges_from((_S, int(i)) for i in np.flatnonzero(z <= dist))
    g.add_edges_from((_T, int(i)) for i in np.flatnonzero(nz - 1 - z <= dist))
    # ... or is the nearest medial voxel of the same cluster to a skeleton voxel on the face
    # (an oblique fibre's thinned end can stop short of the face by more than its radius)
    lab, _ = ndimage.label(mask, structure=np.ones((3, 3, 3), bool))
    _, near = ndimage.distance_transform_edt(~medial, return_indices=True)
    for term, plane in ((_S, 0), (_T, nz - 1)):
        ys, xs = np.nonzero(mask[plane])
        nearest = near[:, plane, ys, xs]
        same = lab[tuple(nearest)] == lab[plane, ys, xs]
        ids = np.unique(idx[tuple(nearest[:, same])])
        g.add_edges_from((term, int(i)) for i in ids if i >= 0)
    return g, coords


def load_bearing(mask: np.ndarray, max_paths: int = 3) -> LoadBearing:
    """Backbone and vertex-disjoint face-to-face paths (along axis 0) of the skeleton
    ``mask`` (see the module docstring for the criteria and their sources)."""
    import networkx as nx
    from networkx.algorithms.connectivity import local_node_connectivity

    mask = np.asarray(mask, bool)
    medial = medial_network(mask)
    empty = LoadBearing(False, 0.0, 0.0, 0, int(medial.sum()), np.zeros_like(mask))
    if not medial.any() or mask.shape[0] < 1:
        return empty
    g, coords = _graph(medial, mask)
    if not g.degree(_S) or not g.degree(_T) or not nx.has_path(g, _S, _T):
        return empty
    spanning = nx.node_connected_component(g, _S) - {_S, _T}
    g.add_edge(_S, _T)
    block = next(b for b in nx.biconnected_components(g) if _S in b and _T in b)
    g.remove_edge(_S, _T)
    members = np.array(sorted(block - {_S, _T}), np.int64)
    k = int(local_node_connectivity(g, _S, _T, cutoff=max_paths))
    backbone = np.zeros_like(mask)
    backbone[tuple(coords[members].T)] = True
    n = len(coords)
    return LoadBearing(True, members.size / n, (len(spanning) - members.size) / n,
                       min(k, max_paths), n, backbone)


#: Maxwell counts ⟨z⟩ (mean contacts per fibre) at which a network of rigid fibres is
#: isostatic, by the kind of contact: 6 degrees of freedom per fibre (a frictional contact also
#: resists the spin about the fibre axis) against the constraints per contact (a weld: 6; a
#: frictional or pinned contact: 3, force but no moment; a frictionless one: 1, the normal
#: force), ⟨z⟩ = 2 × 6 / constraints.
MAXWELL_CONTACTS = {"welded": 2.0, "frictional": 4.0, "frictionless": 12.0}


def mean_contacts(volume_fraction: float, aspect_ratio: float,
                  diameters: tuple[float, float] = (100e-9, 400e-9), n: int = 200) -> float:
    """Mean number of fibres that overlap a fibre, ⟨z⟩ = n ⟨V_ex⟩, in the generator's Boolean
    model of isotropic fibres (capsules: a cylinder of length ``aspect_ratio`` × diameter with
    hemispherical ends, diameters uniform in ``diameters``) at skeleton ``volume_fraction`` φ:
    the number density follows from φ = 1 − exp(−n ⟨V⟩), the isotropically averaged excluded
    volume of two convex bodies from Kihara's formula V_ex = V1 + V2 + (S1 M2 + S2 M1)/(4π)
    (V volume, S surface, M integrated mean curvature; capsule: V = πr²L + 4πr³/3,
    S = 2πrL + 4πr², M = πL + 4πr).

    >>> round(mean_contacts(0.0865, 10.0), 2)     # at C6's connectivity threshold, 79.4 wt%
    2.02
    """
    d = np.linspace(diameters[0], diameters[1], n)
    r, length = d / 2, aspect_ratio * d
    vol = np.pi * r**2 * length + 4 / 3 * np.pi * r**3
    surf = 2 * np.pi * r * length + 4 * np.pi * r**2
    curv = np.pi * length + 4 * np.pi * r
    vex = vol[:, None] + vol[None] + (surf[:, None] * curv[None]
                                      + surf[None] * curv[:, None]) / (4 * np.pi)
    return float(-np.log1p(-volume_fraction) * vex.mean() / vol.mean())


def maxwell_threshold(contact: str = "frictional", aspect_ratio: float = 10.0,
                      porosity: float = 0.066) -> float:
    """Free-Li mass fraction above which a network of rigid fibres with ``contact`` contacts
    (``MAXWELL_CONTACTS``) falls below Maxwell's isostatic count: a mean-field rigidity
    estimate (:func:`mean_contacts` = ⟨z⟩ of the contact type). Rigidity needs at least the
    connectivity, so with welded contacts (⟨z⟩ = 2, about the connectivity onset of the C6
    sweep box) it is no stricter than the connectivity threshold. Not the reported C6 value:
    the paper does not say whether the fibres are fused or only touch.

    >>> round(maxwell_threshold("welded"), 3), round(maxwell_threshold("frictional"), 3)
    (0.796, 0.649)
    """
    from scipy.optimize import brentq

    from tfalab.anode import CompositeAnode
    from tfalab.errors import ParameterError

    if contact not in MAXWELL_CONTACTS:
        raise ParameterError(f"contact must be one of {sorted(MAXWELL_CONTACTS)}, "
                             f"got {contact!r}")
    z = MAXWELL_CONTACTS[contact]
    k = mean_contacts(0.5, aspect_ratio) / -np.log(0.5)  # ⟨z⟩ per unit of −ln(1 − φ)
    phi = -np.expm1(-z / k)

    def gap(w: float) -> float:
        return CompositeAnode(free_li=w, porosity=porosity).skeleton_volume_fraction - phi

    if gap(0.01) < 0:  # the rigid network needs more skeleton than any composition has
        return 0.0
    return float(brentq(gap, 0.01, 0.99))
