//! Mean squared errors between a target similarity matrix and its approximation (paper, "Common":
//! `mean((S - Y Y^T)^2)` of an embedding, `mean((S - S_hat)^2)` of a prediction).
//!
//! The low-rank variants never form the `m x n` product: they walk `S` in blocks of columns
//! (contiguous in nalgebra's column-major storage), form one `m x b` block of `A B^T` at a time and
//! run the blocks in parallel with rayon. Partial sums are combined in a fixed order, so results do
//! not depend on the number of threads.

use nalgebra::DMatrix;
use rayon::prelude::*;

use crate::checks::{check_finite, check_shape};
use crate::BaselineError;

/// Target number of entries of one `m x b` product block (about 2 MiB of `f64`).
const BLOCK_ENTRIES: usize = 1 << 18;

/// Number of columns per block for an `m`-row target.
pub(crate) fn block_cols(m: usize) -> usize {
    (BLOCK_ENTRIES / m.max(1)).max(1)
}

/// `mean((S - Y Y^T)^2)` over all `m * m` entries: the paper's MSE of an embedding.
///
/// `y`: `m x d`, `s`: `m x m`. Blocked and parallel (see the module docs); memory `O(m * b)`.
///
/// # Errors
/// [`BaselineError::Empty`] for `m == 0`, [`BaselineError::ShapeMismatch`] if `s` is not `m x m`,
/// [`BaselineError::NonFinite`] if an input holds NaN/inf.
pub fn mse_gram(y: &DMatrix<f64>, s: &DMatrix<f64>) -> Result<f64, BaselineError> {
    check_shape(
        "S must be m x m for an embedding Y of m rows",
        s,
        y.nrows(),
        y.nrows(),
    )?;
    mse_cross_inner(y, y, s, "Y", "Y")
}

/// `mean((S - A B^T)^2)` over all `m * n` entries, e.g. test-vs-train (`Y_test Y_train^T` against
/// `K_test_train`) or a SimEc output `Y W_l` (`A = Y`, `B = W_l^T`).
///
/// `a`: `m x d`, `b`: `n x d`, `s`: `m x n`. Blocked and parallel; memory `O(m * b)`.
///
/// # Errors
/// [`BaselineError::Empty`] for `m == 0` or `n == 0`, [`BaselineError::ShapeMismatch`] if the inner
/// dimensions or `s`'s shape disagree, [`BaselineError::NonFinite`] if an input holds NaN/inf.
pub fn mse_cross(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    s: &DMatrix<f64>,
) -> Result<f64, BaselineError> {
    check_shape(
        "B must be n x d with d = A's number of columns",
        b,
        b.nrows(),
        a.ncols(),
    )?;
    check_shape(
        "S must be m x n for A (m x d), B (n x d)",
        s,
        a.nrows(),
        b.nrows(),
    )?;
    mse_cross_inner(a, b, s, "A", "B")
}

fn mse_cross_inner(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    s: &DMatrix<f64>,
    a_name: &'static str,
    b_name: &'static str,
) -> Result<f64, BaselineError> {
    let (m, n) = s.shape();
    if m == 0 || n == 0 {
        return Err(BaselineError::Empty {
            what: "S",
            rows: m,
            cols: n,
        });
    }
    let bc = block_cols(m);
    let n_blocks = n.div_ceil(bc);
    let s_data = s.as_slice();
    let partial: Vec<f64> = (0..n_blocks)
        .into_par_iter()
        .map(|blk| {
            let j0 = blk * bc;
            let w = bc.min(n - j0);
            // m x w block of A B^T = A * B[j0..j0+w, :]^T.
            let bt = b.rows(j0, w).transpose();
            let p = a * bt;
            let s_blk = &s_data[j0 * m..(j0 + w) * m];
            s_blk
                .iter()
                .zip(p.as_slice())
                .map(|(sv, pv)| {
                    let e = sv - pv;
                    e * e
                })
                .sum::<f64>()
        })
        .collect();
    let total: f64 = partial.iter().sum();
    let mse = total / (m as f64 * n as f64);
    if !mse.is_finite() {
        check_finite(a_name, a)?;
        check_finite(b_name, b)?;
        check_finite("S", s)?;
    }
    Ok(mse)
}

/// `mean((S - S_hat)^2)` over all entries of two equally shaped matrices.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::ShapeMismatch`], [`BaselineError::NonFinite`].
pub fn mse(s_hat: &DMatrix<f64>, s: &DMatrix<f64>) -> Result<f64, BaselineError> {
    check_shape("S_hat must have S's shape", s_hat, s.nrows(), s.ncols())?;
    let (m, n) = s.shape();
    if m == 0 || n == 0 {
        return Err(BaselineError::Empty {
            what: "S",
            rows: m,
            cols: n,
        });
    }
    let chunk = BLOCK_ENTRIES;
    let partial: Vec<f64> = s_hat
        .as_slice()
        .par_chunks(chunk)
        .zip(s.as_slice().par_chunks(chunk))
        .map(|(h, t)| {
            h.iter()
                .zip(t)
                .map(|(hv, tv)| {
                    let e = tv - hv;
                    e * e
                })
                .sum::<f64>()
        })
        .collect();
    let mse = partial.iter().sum::<f64>() / (m as f64 * n as f64);
    if !mse.is_finite() {
        check_finite("S_hat", s_hat)?;
        check_finite("S", s)?;
    }
    Ok(mse)
}

#[cfg(test)]
mod tests {
    use super::block_cols;

    /// The integration tests' sizes (m = 700 for `mse_gram`, 600 x 1001 for `mse_cross`) must span
    /// several blocks with a ragged last one.
    #[test]
    fn integration_test_sizes_span_ragged_blocks() {
        assert_eq!(block_cols(700), 374);
        assert_ne!(700 % block_cols(700), 0);
        assert_eq!(block_cols(600), 436);
        assert!(1001 / block_cols(600) >= 2 && 1001 % block_cols(600) != 0);
        assert_eq!(block_cols(0), 1 << 18);
        assert_eq!(block_cols(1 << 20), 1);
    }
}
