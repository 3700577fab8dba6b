"""Model-based agglomerative hierarchical clustering: mclust's `hc` (model "VVV", `use = "SVD"`).

Why: mclust starts every EM fit, for every G and covariance model, from partitions of one such tree
(`hclass(hc(X), G)`), so reproducing mclust's fits starts here. Pure numerics: numpy, and numba, which
compiles the kernel on the first build (importing this module does not import numba).

The criterion (Banfield & Raftery 1993; Fraley 1998, SIAM J. Sci. Comput. 20:270-281) sums
n_k log det(W_k / n_k) over clusters, W_k the scatter. Undefined for clusters of at most d points, it
becomes in mclust's hcvvv, for n points, scatter W, trace t (beta = 1, alpha = tr(scatter of all
data) / (n d): hcVVV's defaults)

    term = n log(beta (t + alpha) / n)                   if n <= d
         = n log(alpha beta / n)                         if n > d and t == 0
         = n log(det(W / n) + beta (t + alpha) / n)      otherwise (det 0: as for n <= d).

From single points (term log(alpha beta)) each step merges the pair that least increases the sum;
only the costs of pairs touching the new cluster change (Fraley's algorithm). A cluster carries
sqrt(n) x mean and a Givens-QR factor R of W (R^T R = W), updated row by row.

mclust 6.0.0 (6.1.3's hcvvv is the same) departs from this: storing a merged cluster's factor, it
writes the factor's *first* row into every row it keeps, and the costs of that cluster's later merges
use this matrix, not its W. criterion="mclust" (the default) does the same and gives mclust's trees;
"exact" keeps the true factors (the published criterion; point pairs keep hcvvv's 2 log((t +
alpha) / 2), which differs from it only in 1-D).

Equal to mclust bit for bit: the arithmetic follows hcvvv operation for operation (summation orders,
mclrup's row updates with reference BLAS 3.11's drotg, the same base factor for each pair), and so
does the bookkeeping that decides ties (duplicate points tie exactly): slots 0..m-1, a merge of slots
i < j keeps i and moves the last slot into j, and among equal costs the largest j, then the largest
i, wins. Where hcvvv rescans all m(m-1)/2 costs per merge (O(n^3)), we keep each slot's best partner
below it and rescan a slot only when that pair got worse: O(n^2) memory and time (times d^2).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

TRANSFORMS = ("SVD", "scaled", "none")
"""`transform`: mclust's "SVD" (its default hcUse), "scaled" (its "STD") and "none" (its "VARS")."""
CRITERIA = ("mclust", "exact")
"""`criterion`: mclust 6.0.0's computation (see the module docstring) or the published one."""

_RTHALF = math.sqrt(0.5)
_EPS = 2.220446049250313e-16  # .Machine$double.eps, mclust's floor for alpha
_FLMAX = 1.7976931348623157e308  # hcvvv's "no determinant" marker
_SAFMIN = 2.0**-1022  # drotg's scaling bounds (BLAS/SRC/drotg.f90)
_SAFMAX = 2.0**1022


@dataclass(frozen=True)
class HCTree:
    """A hierarchical clustering of `rows` of X, in mclust's merge format.

    rows: (m,) int, the rows of X clustered (all, or a sorted random subset for large N).
    merges: (m - 1, 2) int; merge t joins the clusters labelled merges[t] = (a, b), a < b, where a
    cluster's label is the smallest position (0-based, into `rows`) of its members and the merged
    cluster keeps a: mclust's `hc` result, transposed, minus 1.
    costs: (m - 1,) the increase of the criterion at each merge (hcvvv's "change"), or None.
    """

    rows: np.ndarray
    merges: np.ndarray
    costs: np.ndarray | None = None

    def __post_init__(self) -> None:
        for array in (self.rows, self.merges, self.costs):
            if array is not None:
                array.setflags(write=False)

    def labels(self, n_clusters: int) -> np.ndarray:
        """(m,) ints in 0..n_clusters-1: the partition after m - n_clusters merges, clusters numbered
        in order of first appearance (mclust's `hclass`, minus 1)."""
        m = self.rows.shape[0]
        if not 1 <= n_clusters <= m:
            raise ValueError(f"n_clusters must be between 1 and the {m} clustered rows, got {n_clusters}")
        parent = np.arange(m)
        done = self.merges[: m - n_clusters]
        parent[done[:, 1]] = done[:, 0]  # each label disappears once, into a smaller one
        while not np.array_equal(parent[parent], parent):  # pointer jumping to the roots
            parent = parent[parent]
        # a root is its cluster's first member, so sorted roots are in order of first appearance
        return np.unique(parent, return_inverse=True)[1].reshape(m)


def svd_transform(X: np.ndarray) -> np.ndarray:
    """mclust's "SVD" transform (Scrucca & Raftery 2015), (n, D) -> (n, r): Z = S V diag(1/sqrt(d))
    for S = U diag(d) V^T the standardised data (sd with n - 1): principal components with spread d_k.
    Column signs are LAPACK's (mclust's too, on every data set checked). Constant columns are dropped
    (mclust drops their NaN columns), and so are components with d_k <= d_1 max(n, D) eps, where mclust
    divides by rounding noise (rank-deficient data, n <= D): a deliberate difference."""
    S = _standardise(np.asarray(X, dtype=float))
    if S.shape[1] == 0:
        return S
    _, d, Vt = np.linalg.svd(S, full_matrices=False)
    keep = d > d[0] * max(S.shape) * _EPS
    return (S @ Vt[keep].T) * (1.0 / np.sqrt(d[keep]))


def _standardise(X: np.ndarray) -> np.ndarray:
    """R's scale(X): centred columns over their sd (n - 1), constant columns dropped. Columns are
    first divided by a power of two near their largest |x|: exact, and no overflow near 1e308."""
    X = X[:, X.max(axis=0) > X.min(axis=0)]
    X = X / 2.0 ** np.floor(np.log2(np.abs(X).max(axis=0)))
    centred = X - X.mean(axis=0)
    return centred / np.sqrt((centred**2).sum(axis=0) / max(1, X.shape[0] - 1))


def hc_tree(
    X: np.ndarray, *, max_rows: int = 2000, seed: int | None = 0, transform: str = "SVD", criterion: str = "mclust"
) -> HCTree:
    """mclust's VVV hierarchical clustering of X (n, D) after `transform`, computed as `criterion`
    says; 1-D data too (mclust's EM starts from quantiles there). For n > max_rows, max_rows rows drawn
    without replacement by np.random.default_rng(seed), sorted, are transformed and clustered, as
    mclust does with its `subset` (a uniform `sample` of 2000 rows; R's draws are not reproduced).
    Takes 8 m^2 bytes for m rows clustered; 0.15 s for 2000 x 2, 0.25-0.45 s for 2000 x 4 to 10."""
    X = np.asarray(X, dtype=float)
    X = X[:, None] if X.ndim == 1 else X
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"X must be a non-empty (n, D) array, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values: remove or impute them first")
    if transform not in TRANSFORMS or criterion not in CRITERIA:
        raise ValueError(f"transform must be one of {TRANSFORMS} and criterion one of {CRITERIA}")
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    rows = np.arange(X.shape[0])
    if X.shape[0] > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(X.shape[0], size=max_rows, replace=False))
    Z = {"SVD": svd_transform, "scaled": _standardise, "none": lambda Y: Y}[transform](X[rows])
    if Z.shape[1] == 0:  # every column constant: all points coincide
        Z = np.zeros((Z.shape[0], 1))
    Z = np.ascontiguousarray(Z, dtype=float)
    merges, costs = _compiled()(Z, _alpha(Z), criterion == "exact")
    return HCTree(rows=rows, merges=merges, costs=costs)


def _alpha(Z: np.ndarray) -> float:
    """hcVVV's alpha: traceW(Z / sqrt(n p)), summed in mclust's (mcltrw's) order (cumsum is
    sequential), floored at eps."""
    Y = Z / math.sqrt(Z.shape[0] * Z.shape[1])
    fac = 1.0 / math.sqrt(Z.shape[0])
    centred = Y + (-fac) * np.cumsum(fac * Y, axis=0)[-1]
    return max(float(np.cumsum(np.cumsum(centred * centred, axis=0)[-1])[-1]), _EPS)


# ---------------------------------------------------------------------------------------------------
# The kernel, compiled by `_compiled` (which replaces these functions by numba's). Per slot: A =
# [sqrt(size) x mean, trace, term], N = [size, rows of the kept factor], R the factor made with it.
# Arrays go one by one: numba's calls with tuples of arrays cost ~100 ns in reference counts.


def _drotg(a: float, b: float) -> tuple[float, float, float]:
    """(r, c, s) of the Givens rotation taking (a, b) to (r, 0), as reference BLAS 3.11's drotg."""
    anorm, bnorm = abs(a), abs(b)
    if bnorm == 0.0:
        return a, 1.0, 0.0
    if anorm == 0.0:
        return b, 0.0, 1.0
    scl = min(_SAFMAX, max(_SAFMIN, max(anorm, bnorm)))
    sigma = 1.0 if (a if anorm > bnorm else b) > 0.0 else -1.0
    x, y = a / scl, b / scl
    r = sigma * (scl * math.sqrt(x * x + y * y))
    return r, a / r, b / r


def _add_row(U: np.ndarray, k: int, w: np.ndarray, start: int) -> int:
    """Rotate row w (zero before column `start`) into the k-row upper-trapezoidal factor U as mclust's
    mclrup does; return the new row count. Overwrites w."""
    p = U.shape[1]
    for i in range(start, min(k, p)):
        r, c, s = _drotg(U[i, i], w[i])
        U[i, i] = r
        for col in range(i + 1, p):
            x, y = U[i, col], w[col]
            U[i, col] = c * x + s * y
            w[col] = c * y - s * x
    if k >= p:
        return k
    for col in range(k, p):
        U[k, col] = w[col]
    return k + 1


def _logdet(base: np.ndarray, kb: int, w: np.ndarray, q: float) -> float:
    """log det(q W), W = R^T R for R the factor `base` (kb >= p - 1 rows) with row w rotated in as
    `_add_row` would (w overwritten, base kept); -FLMAX for a zero pivot (hcvvv's det2mc)."""
    p = base.shape[1]
    s = math.sqrt(q)
    detlog = 0.0
    for i in range(p):
        g = w[i]  # the pivot of row w if it becomes row kb
        if i < kb:
            g, c, sn = _drotg(base[i, i], w[i])
            for col in range(i + 1, p):
                w[col] = c * w[col] - sn * base[i, col]
        if g * s == 0.0:
            return -_FLMAX
        detlog = detlog + math.log(abs(g * s))
    return 2.0 * detlog


def _term(n: int, p: int, t: float, detlog: float, alpha: float) -> float:
    """The term of n points, trace t, log det(W / n): hcvvv's vvvtij (beta = 1 left out: x * 1 == x)."""
    spread = (t + alpha) / n
    if n > p and t == 0.0:
        return n * math.log(alpha / n)
    if n <= p or detlog == -_FLMAX:
        return n * math.log(spread)
    if detlog <= 0.0:
        return n * math.log(math.exp(detlog) + spread)
    return n * (math.log(1.0 + math.exp(-detlog) * spread) + detlog)


def _pair(a, b, base, kb, A, R, N, U, v, w, alpha, exact, factor):
    """(cost, trace, term, rows) of merging slots a, b: into a's factor `base` (kb rows), b's kept rows
    then v = sqrt(na nb / n) (mean_a - mean_b) are rotated (in U) if `factor` or the term needs det."""
    p = v.shape[0]
    na, nb = N[a, 0], N[b, 0]
    n = na + nb
    t = 0.0
    if na == 1 and nb == 1:  # hcvvv's own expression for two points
        for c in range(p):
            v[c] = (A[a, c] - A[b, c]) * _RTHALF
            t = t + v[c] * v[c]
        merged = 2.0 * math.log((t + alpha) / 2.0)
        k = _add_row(U, 0, v.copy(), 0) if factor else 0
        return merged - (A[a, p + 1] + A[b, p + 1]), t, merged, k
    q = 1.0 / n
    sa, sb = math.sqrt(na * q), math.sqrt(nb * q)
    for c in range(p):
        v[c] = sb * A[a, c] + (-sa) * A[b, c]
        t = t + v[c] * v[c]
    t = (A[a, p] + A[b, p]) + t
    k = 0
    detlog = -_FLMAX
    if factor or (n > p and t != 0.0):  # (loops, not slices: numba's slice copies cost more)
        for r in range(p):
            for c in range(p):
                U[r, c] = base[r, c]
        k = kb
        for r in range(N[b, 1]):
            for c in range(r, p):
                w[c] = R[b, r if exact else 0, c]
            k = _add_row(U, k, w, r)
        for c in range(p):
            w[c] = v[c]
        k = _add_row(U, k, w, 0)
        if n > p and t != 0.0:
            for c in range(p):
                w[c] = 0.0  # rotating in zeros leaves the pivots as they are
            detlog = _logdet(U, p, w, q)
    merged = _term(n, p, t, detlog, alpha)
    return merged - (A[a, p + 1] + A[b, p + 1]), t, merged, k


def _rescan(D: np.ndarray, j: int, cmin: np.ndarray, carg: np.ndarray) -> None:
    """Slot j's best partner below it: the smallest cost, the largest i among equals."""
    best, arg = np.inf, 0
    for i in range(j):
        if D[j, i] <= best:
            best, arg = D[j, i], i
    cmin[j], carg[j] = best, arg


def _build(Z: np.ndarray, alpha: float, exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """(merges (n - 1, 2) in mclust's label format (0-based), their costs) for Z (n, p)."""
    n, p = Z.shape
    merges = np.zeros((max(n - 1, 0), 2), dtype=np.int64)
    costs = np.zeros(max(n - 1, 0))
    if n < 2:
        return merges, costs
    A = np.zeros((n, p + 2))
    A[:, :p] = Z
    A[:, p + 1] = math.log(alpha)  # a point's term
    N = np.ones((n, 2), dtype=np.int64)
    N[:, 1] = 0
    R = np.zeros((n, p, p))
    U, Ub, v, w = np.zeros((p, p)), np.zeros((p, p)), np.zeros(p), np.zeros(p)
    lab = np.arange(n)  # a cluster's label: its smallest row
    D = np.empty((n, n))  # D[j, i], i < j: cost of merging slots i and j
    cmin, carg = np.full(n, np.inf), np.zeros(n, dtype=np.int64)
    for j in range(1, n):  # all pairs of points, as _pair computes them
        for i in range(j):
            t = 0.0
            for c in range(p):
                x = (A[i, c] - A[j, c]) * _RTHALF
                t = t + x * x
            d = 2.0 * math.log((t + alpha) / 2.0) - (A[i, p + 1] + A[j, p + 1])
            D[j, i] = d if d == d else np.inf
        _rescan(D, j, cmin, carg)
    latest = -1  # slot of the latest merged cluster; R[latest] is hcvvv's r, all rows true
    for step in range(n - 1):
        m = n - step  # clusters, in slots 0..m-1
        best, i, j = np.inf, 0, 1
        for k in range(1, m):
            if cmin[k] <= best:
                best, i, j = cmin[k], carg[k], k
        merges[step, 0], merges[step, 1] = min(lab[i], lab[j]), max(lab[i], lab[j])
        costs[step] = best
        # the merged factor as hcvvv makes it: from the latest cluster's true factor when the pair
        # involves it (as its cost was), else afresh from kept factors (j's the base unless a point)
        if step == 0 or latest in (i, j):
            a = i if step == 0 else latest
            _, t, merged, k = _pair(a, i + j - a, R[a], N[a, 1], A, R, N, U, v, w, alpha, exact, True)
        else:
            a, b = (j, i) if N[j, 0] > 1 else (i, j)
            for r in range(N[a, 1]):  # a's factor as kept: mclust 6.0.0 keeps row 0 in every row
                Ub[r, r:] = R[a, r if exact else 0, r:]
            _, t, merged, k = _pair(a, b, Ub, N[a, 1], A, R, N, U, v, w, alpha, exact, True)
            merged = best + (A[i, p + 1] + A[j, p + 1])
        q = 1.0 / (N[i, 0] + N[j, 0])
        si, sj = math.sqrt(N[i, 0] * q), math.sqrt(N[j, 0] * q)
        for c in range(p):
            A[i, c] = si * A[i, c] + sj * A[j, c]
        A[i, p], A[i, p + 1] = t, merged
        N[i, 0], N[i, 1] = N[i, 0] + N[j, 0], k
        R[i] = U
        lab[i] = min(lab[i], lab[j])
        m -= 1
        if j != m:  # the last slot moves into j
            A[j], N[j], R[j], lab[j] = A[m], N[m], R[m], lab[m]
            D[j, :j] = D[m, :j]
            for k in range(j + 1, m):
                D[k, j] = D[m, k]
        latest = i
        F, kF, na = R[i], N[i, 1], N[i, 0]
        for k in range(m):  # the new cluster's costs; a point joining it, the hot case, inlined
            if k == i:
                continue
            if N[k, 0] > 1:
                d = _pair(i, k, F, kF, A, R, N, U, v, w, alpha, exact, False)[0]
            else:
                q = 1.0 / (na + 1)
                sa, sb = math.sqrt(na * q), math.sqrt(q)
                t = 0.0
                for c in range(p):
                    w[c] = sb * A[i, c] + (-sa) * A[k, c]
                    t = t + w[c] * w[c]
                t = A[i, p] + t
                detlog = _logdet(F, kF, w, q) if na + 1 > p and t != 0.0 else -_FLMAX
                d = _term(na + 1, p, t, detlog, alpha) - (A[i, p + 1] + A[k, p + 1])
            D[max(i, k), min(i, k)] = d if d == d else np.inf
        _rescan(D, i, cmin, carg)
        if j < m:
            _rescan(D, j, cmin, carg)
        for k in range(i + 1, m):  # slots whose costs with partner i (and with j, moved) changed
            moved = j < m and k > j
            if k == j:
                continue
            if carg[k] == i or (moved and carg[k] == j):
                if D[k, carg[k]] > cmin[k]:
                    _rescan(D, k, cmin, carg)
                    continue
                cmin[k] = D[k, carg[k]]
            # the changed costs compete (ties to the larger partner), inlined: a call costs 2x here
            if D[k, i] < cmin[k] or (D[k, i] == cmin[k] and i > carg[k]):
                cmin[k], carg[k] = D[k, i], i
            if moved and (D[k, j] < cmin[k] or (D[k, j] == cmin[k] and j > carg[k])):
                cmin[k], carg[k] = D[k, j], j
    return merges, costs


_SIGNATURES = {  # declared, callees first: each compiles once (no literal-argument variants)
    "_drotg": "UniTuple(f8, 3)(f8, f8)",
    "_add_row": "i8(f8[:, ::1], i8, f8[::1], i8)",
    "_logdet": "f8(f8[:, ::1], i8, f8[::1], f8)",
    "_term": "f8(i8, i8, f8, f8, f8)",
    "_pair": "Tuple((f8, f8, f8, i8))(i8, i8, f8[:, ::1], i8, f8[:, ::1], f8[:, :, ::1], i8[:, ::1],"
    " f8[:, ::1], f8[::1], f8[::1], f8, b1, b1)",
    "_rescan": "void(f8[:, ::1], i8, f8[::1], i8[::1])",
    "_build": "Tuple((i8[:, ::1], f8[::1]))(f8[:, ::1], f8, b1)",
}
_INLINE = ("_drotg", "_logdet", "_term")
_lock = threading.Lock()


def _compiled():
    """The compiled `_build`: on the first call numba is imported and compiles it (5-10 s; cached on
    disk, later processes load it in about 0.3 s)."""
    with _lock:
        space = globals()
        if not hasattr(space["_build"], "py_func"):
            import numba

            for name, signature in _SIGNATURES.items():
                inline = "always" if name in _INLINE else "never"
                jit = numba.njit(signature, nogil=True, cache=True, error_model="numpy", inline=inline)
                space[name] = jit(getattr(space[name], "py_func", space[name]))
    return space["_build"]
