//! Input validation shared by the public functions (crate-private).

use nalgebra::DMatrix;

use crate::BaselineError;

/// Relative tolerance of the symmetry check: `max |a_ij - a_ji| <= SYMMETRY_RTOL * max |a_ij|`
/// (the f64 tolerance of [`symmetry::Precision`]).
///
/// Loose enough for kernels assembled with floating-point products (which are symmetric only up to
/// rounding, ~1e-16 relative), tight enough to catch a transposed or wrongly filled matrix.
pub const SYMMETRY_RTOL: f64 = <f64 as symmetry::Precision>::SYMMETRY_RTOL;

pub(crate) fn check_nonempty(what: &'static str, a: &DMatrix<f64>) -> Result<(), BaselineError> {
    if a.nrows() == 0 || a.ncols() == 0 {
        return Err(BaselineError::Empty {
            what,
            rows: a.nrows(),
            cols: a.ncols(),
        });
    }
    Ok(())
}

pub(crate) fn check_square(what: &'static str, a: &DMatrix<f64>) -> Result<(), BaselineError> {
    check_nonempty(what, a)?;
    if a.nrows() != a.ncols() {
        return Err(BaselineError::NotSquare {
            what,
            rows: a.nrows(),
            cols: a.ncols(),
        });
    }
    Ok(())
}

/// Error for the first non-finite entry (column-major order), if any.
pub(crate) fn check_finite(what: &'static str, a: &DMatrix<f64>) -> Result<(), BaselineError> {
    match a.as_slice().iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(idx) => Err(non_finite_at(what, a, idx)),
    }
}

/// Like [`check_finite`] but NaN is allowed (it marks a missing entry); infinities are not.
pub(crate) fn check_no_inf(what: &'static str, a: &DMatrix<f64>) -> Result<(), BaselineError> {
    match a.as_slice().iter().position(|v| v.is_infinite()) {
        None => Ok(()),
        Some(idx) => Err(non_finite_at(what, a, idx)),
    }
}

fn non_finite_at(what: &'static str, a: &DMatrix<f64>, idx: usize) -> BaselineError {
    let rows = a.nrows().max(1);
    BaselineError::NonFinite {
        what,
        row: idx % rows,
        col: idx / rows,
        value: a.as_slice()[idx],
    }
}

pub(crate) fn check_scalar(what: &'static str, value: f64) -> Result<(), BaselineError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(BaselineError::NonFiniteScalar { what, value })
    }
}

/// `k` must be in `1..=n`.
pub(crate) fn check_k(what: &'static str, k: usize, n: usize) -> Result<(), BaselineError> {
    if k == 0 || k > n {
        return Err(BaselineError::InvalidK { what, k, n });
    }
    Ok(())
}

pub(crate) fn check_shape(
    what: &'static str,
    a: &DMatrix<f64>,
    expected_rows: usize,
    expected_cols: usize,
) -> Result<(), BaselineError> {
    if a.nrows() != expected_rows || a.ncols() != expected_cols {
        return Err(BaselineError::ShapeMismatch {
            what,
            expected_rows,
            expected_cols,
            rows: a.nrows(),
            cols: a.ncols(),
        });
    }
    Ok(())
}

/// Square, non-empty, finite and symmetric within [`SYMMETRY_RTOL`] (relative to `max |a_ij|`).
/// One contiguous pass plus one cache-blocked pass over the lower triangle
/// ([`symmetry::check`]); the error names the worst entry below the diagonal.
pub(crate) fn check_symmetric(what: &'static str, a: &DMatrix<f64>) -> Result<(), BaselineError> {
    check_square(what, a)?;
    check_finite(what, a)?;
    let scale = a.as_slice().iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    // Column-major: `at(q, p)` with the pair's larger index as row runs down a column.
    symmetry::check(a.nrows(), scale, |p, q| a[(q, p)]).map_err(|worst| BaselineError::Asymmetric {
        what,
        row: worst.q,
        col: worst.p,
        abs_diff: worst.abs_diff,
        scale,
        tol: SYMMETRY_RTOL,
    })
}

/// In place `A <- (A + A^T) / 2` for a square matrix, cache-blocked.
pub(crate) fn symmetrize_in_place(a: &mut DMatrix<f64>) {
    debug_assert_eq!(a.nrows(), a.ncols());
    symmetry::for_tiled_pairs(a.nrows(), |j, i| {
        let v = 0.5 * (a[(i, j)] + a[(j, i)]);
        a[(i, j)] = v;
        a[(j, i)] = v;
    });
}

/// In place: copy the lower triangle onto the upper one (after a LAPACK/BLAS routine that only
/// wrote the lower triangle), cache-blocked.
pub(crate) fn mirror_lower(a: &mut DMatrix<f64>) {
    debug_assert_eq!(a.nrows(), a.ncols());
    symmetry::for_tiled_pairs(a.nrows(), |j, i| a[(j, i)] = a[(i, j)]);
}
