"""The inner loops of the iterative M-steps (`constrained`): the shared shape of VEI, VEE and VEV,
and the Jacobi rotations for the common orientation of EVE and VVE.

Compiled by numba when it is installed (plain Python otherwise: the same code, slower). Imported only
when such a model is fitted, so importing the models does not import numba.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit

    _jit = njit(nogil=True, cache=True)
except ImportError:  # pragma: no cover - numba is a dependency; the fallback keeps the models usable

    def _jit(function):
        return function


@_jit
def jacobi_orientation(W, n, orientation, equal_volume, tol, max_sweeps):
    """The orientation D (columns = axes) minimising EVE's or VVE's profile function; see
    `_common_orientation`. Keeps M_k = Dᵀ W_k D and turns its rows and columns with D."""
    k, d = W.shape[0], W.shape[1]
    D = orientation.copy()
    M = np.empty((k, d, d))
    for j in range(k):
        M[j] = D.T @ W[j] @ D
    weights = np.empty(k)
    for _ in range(max_sweeps):
        largest = 0.0
        for p in range(d - 1):
            for q in range(p + 1, d):
                for j in range(k):
                    weights[j] = n[j]
                    if equal_volume:
                        weights[j] = 1.0
                        for axis in range(d):
                            if axis != p and axis != q:
                                weights[j] *= M[j, axis, axis] ** (1.0 / d)
                phi = _pair_angle(M[:, p, p].copy(), M[:, q, q].copy(), M[:, p, q].copy(), weights, equal_volume, d)
                largest = max(largest, abs(phi))
                c, s = np.cos(0.5 * phi), np.sin(0.5 * phi)
                for row in range(d):
                    dp, dq = D[row, p], D[row, q]
                    D[row, p], D[row, q] = c * dp + s * dq, -s * dp + c * dq
                for j in range(k):
                    for row in range(d):
                        mp, mq = M[j, row, p], M[j, row, q]
                        M[j, row, p], M[j, row, q] = c * mp + s * mq, -s * mp + c * mq
                    for col in range(d):
                        mp, mq = M[j, p, col], M[j, q, col]
                        M[j, p, col], M[j, q, col] = c * mp + s * mq, -s * mp + c * mq
        if largest <= tol:
            break
    return D


@_jit
def _pair_terms(a, b, e, weights, equal_volume, d, phi):
    """The pair's part of the profile function at angle phi (twice the turn), with its first and
    second derivatives. Turned, the pair's diagonal entries multiply to s = m² - r², m = (a + b) / 2,
    r = (a - b) / 2 cos phi + e sin phi; VVE adds n_k log s_k, EVE adds P_k s_k^(1/d)."""
    f, f1, f2 = 0.0, 0.0, 0.0
    cos, sin = np.cos(phi), np.sin(phi)
    for j in range(a.shape[0]):
        m, u = 0.5 * (a[j] + b[j]), 0.5 * (a[j] - b[j])
        r = u * cos + e[j] * sin
        r1 = -u * sin + e[j] * cos
        s = max(m * m - r * r, 1e-300)
        s1 = -2.0 * r * r1
        s2 = -2.0 * (r1 * r1 - r * r)
        w = weights[j]
        if equal_volume:
            g = 1.0 / d
            f += w * s**g
            f1 += w * g * s ** (g - 1.0) * s1
            f2 += w * g * ((g - 1.0) * s ** (g - 2.0) * s1 * s1 + s ** (g - 1.0) * s2)
        else:
            f += w * np.log(s)
            f1 += w * s1 / s
            f2 += w * (s2 / s - s1 * s1 / (s * s))
    return f, f1, f2


@_jit
def _pair_angle(a, b, e, weights, equal_volume, d):
    """The angle phi in [-pi/2, pi/2) minimising the pair's profile function: the best of a 16-point
    grid, refined by safeguarded Newton steps (each must lower the function and stays within a grid
    step); 0 when no turn lowers it by more than rounding (1e-14 relative), so a sweep that has
    converged turns nothing and the loop ends."""
    best_phi, best_f = 0.0, _pair_terms(a, b, e, weights, equal_volume, d, 0.0)[0]
    unturned = best_f
    step = np.pi / 16
    for i in range(-8, 8):
        f = _pair_terms(a, b, e, weights, equal_volume, d, i * step)[0]
        if f < best_f - 1e-15 * abs(best_f):
            best_phi, best_f = i * step, f
    phi = best_phi
    for _ in range(50):
        f, f1, f2 = _pair_terms(a, b, e, weights, equal_volume, d, phi)
        move = -f1 / f2 if f2 > 0 else -np.sign(f1) * step
        move = max(-step, min(step, move))
        while abs(move) > 1e-18:
            if _pair_terms(a, b, e, weights, equal_volume, d, phi + move)[0] <= f:
                break
            move *= 0.5
        phi += move
        if abs(move) <= 1e-16:
            break
    if _pair_terms(a, b, e, weights, equal_volume, d, phi)[0] >= unturned - 1e-14 * abs(unturned):
        return 0.0
    return phi


@_jit
def shared_diagonal_shape(values, n, tol, max_iter):
    """VEI / VEV: the shared unit-determinant diagonal shape A and the volumes λ_k, from each
    component's diagonal spread `values` (K, D) (VEI: diag W_k; VEV: eigenvalues of W_k), by
    alternating A ∝ Σ_k values_k / λ_k and λ_k = Σ_j values_kj / A_j / (d n_k) (C&G 1995)."""
    k, d = values.shape
    lam = values.sum(axis=1) / (d * n)
    shape = np.ones(d)
    for _ in range(max_iter):
        pooled = np.zeros(d)
        for j in range(k):
            pooled += values[j] / lam[j]
        shape = pooled / np.exp(np.log(pooled).mean())
        if _new_volumes(lam, (values / shape).sum(axis=1), n, d, tol):
            break
    return shape, lam


@_jit
def shared_full_shape(W, n, tol, max_iter):
    """VEE: the shared unit-determinant shape matrix C and the volumes λ_k, alternating
    C ∝ Σ_k W_k / λ_k and λ_k = tr(W_k C⁻¹) / (d n_k)."""
    k, d = W.shape[0], W.shape[1]
    lam = np.empty(k)
    for j in range(k):
        lam[j] = np.trace(W[j]) / (d * n[j])
    shape = np.eye(d)
    for _ in range(max_iter):
        pooled = np.zeros((d, d))
        for j in range(k):
            pooled += W[j] / lam[j]
        shape = pooled / np.linalg.det(pooled) ** (1.0 / d)
        inverse = np.linalg.inv(shape)
        traces = np.empty(k)
        for j in range(k):
            traces[j] = (W[j] * inverse.T).sum()
        if _new_volumes(lam, traces, n, d, tol):
            break
    return shape, lam


@_jit
def _new_volumes(lam, traces, n, d, tol):
    """λ_k = traces_k / (d n_k), in place; whether no volume moved by more than `tol` (relative)."""
    change, size = 0.0, 0.0
    for j in range(lam.shape[0]):
        new = traces[j] / (d * n[j])
        change = max(change, abs(new - lam[j]))
        size = max(size, abs(new))
        lam[j] = new
    return change <= tol * size
