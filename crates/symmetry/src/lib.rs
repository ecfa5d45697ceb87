//! The symmetry check that `simec` (f32 `S_ll` targets) and `baselines` (f64 kernels) run on
//! their square inputs, with one relative tolerance per precision ([`Precision::SYMMETRY_RTOL`]).
//!
//! The pairs `(p, q)`, `p < q`, are visited tile by tile ([`for_tiled_pairs`]): the reads of
//! `(p, q)` run along `q` and those of the transposed entry stay within a 64 x 64 tile, so they
//! stay in cache for large `n`. Each crate maps the result to its own error type.

use std::ops::{Mul, Sub};

/// A float precision with its symmetry tolerance.
pub trait Precision: Copy + PartialOrd + Sub<Output = Self> + Mul<Output = Self> {
    /// Relative tolerance: a matrix passes when `max |a_pq - a_qp| <= SYMMETRY_RTOL * scale`
    /// (`scale` = `max |a_ij|`). Loose enough for matrices assembled with floating-point
    /// products (symmetric only up to rounding), tight enough to catch a transposed or wrongly
    /// filled matrix.
    const SYMMETRY_RTOL: Self;
    /// Zero.
    const ZERO: Self;
    /// `|self|`.
    fn abs(self) -> Self;
}

impl Precision for f64 {
    const SYMMETRY_RTOL: f64 = 1e-10;
    const ZERO: f64 = 0.0;
    fn abs(self) -> f64 {
        f64::abs(self)
    }
}

impl Precision for f32 {
    const SYMMETRY_RTOL: f32 = 1e-4;
    const ZERO: f32 = 0.0;
    fn abs(self) -> f32 {
        f32::abs(self)
    }
}

/// Tile edge of the cache-blocked visit.
const TILE: usize = 64;

/// Calls `f(p, q)` for every `p < q < n`, tile by tile: `p` in the outer, `q` in the inner loop
/// of each tile (a fixed order, so a reduction over the pairs is deterministic).
pub fn for_tiled_pairs(n: usize, mut f: impl FnMut(usize, usize)) {
    for p0 in (0..n).step_by(TILE) {
        for q0 in (p0..n).step_by(TILE) {
            for p in p0..(p0 + TILE).min(n) {
                for q in q0.max(p + 1)..(q0 + TILE).min(n) {
                    f(p, q);
                }
            }
        }
    }
}

/// The worst pair of a matrix that is not symmetric within its tolerance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Asymmetry<T> {
    /// The pair's smaller index.
    pub p: usize,
    /// The pair's larger index.
    pub q: usize,
    /// `|a_pq - a_qp|`, the largest over the pairs (the first such pair in visiting order).
    pub abs_diff: T,
    /// `SYMMETRY_RTOL * scale`, the bound it exceeds.
    pub tolerance: T,
}

/// Checks an `n x n` matrix read through `at(row, col)` for symmetry within
/// `T::SYMMETRY_RTOL * scale`. A pair with a NaN never counts as asymmetric (NaN marks a missing
/// entry where the caller allows them; callers that do not reject NaN first).
///
/// # Errors
/// The worst pair, when it exceeds the tolerance.
pub fn check<T: Precision>(
    n: usize,
    scale: T,
    at: impl Fn(usize, usize) -> T,
) -> Result<(), Asymmetry<T>> {
    let tolerance = T::SYMMETRY_RTOL * scale;
    let mut worst = (T::ZERO, 0, 0);
    for_tiled_pairs(n, |p, q| {
        let diff = (at(p, q) - at(q, p)).abs();
        if diff > worst.0 {
            worst = (diff, p, q);
        }
    });
    if worst.0 > tolerance {
        return Err(Asymmetry {
            p: worst.1,
            q: worst.2,
            abs_diff: worst.0,
            tolerance,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair `p < q` is visited exactly once, also across tile borders.
    #[test]
    fn every_pair_is_visited_once() {
        for n in [0, 1, 2, 63, 64, 65, 130] {
            let mut seen = vec![0u8; n * n];
            for_tiled_pairs(n, |p, q| {
                assert!(p < q && q < n);
                seen[p * n + q] += 1;
            });
            for p in 0..n {
                for q in 0..n {
                    assert_eq!(seen[p * n + q], u8::from(p < q), "n = {n}, ({p}, {q})");
                }
            }
        }
    }

    /// The worst pair is reported with its difference; within the tolerance the check passes.
    #[test]
    fn worst_pair_beyond_the_tolerance_is_reported() {
        let n = 70;
        let mut a = vec![1.0f64; n * n];
        a[3 * n + 66] += 1e-3; // (3, 66) row-major
        a[5 * n + 1] += 2e-3; // (5, 1): the worst, as pair (1, 5)
        let err = check(n, 1.0, |r, c| a[r * n + c]).unwrap_err();
        assert_eq!((err.p, err.q), (1, 5));
        assert!((err.abs_diff - 2e-3).abs() < 1e-12);
        assert_eq!(err.tolerance, 1e-10);
        assert!(
            check(n, 1e8, |r, c| a[r * n + c]).is_ok(),
            "2e-3 <= 1e-10 * 1e8"
        );
    }

    /// f32 has its own, looser tolerance; NaN pairs are not asymmetric.
    #[test]
    fn f32_tolerance_is_looser_and_nan_pairs_pass() {
        let a = [1.0f32, 1.00001, 1.0, 1.0];
        assert!(check(2, 1.0f32, |r, c| a[r * 2 + c]).is_ok());
        assert!(check(2, 1.0f64, |r, c| f64::from(a[r * 2 + c])).is_err());
        let b = [1.0f32, f32::NAN, 3.0, 1.0];
        assert!(check(2, 3.0f32, |r, c| b[r * 2 + c]).is_ok());
    }
}
