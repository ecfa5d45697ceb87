//! Mean squared errors between a target similarity matrix and its approximation (paper, "Common":
//! `mean((S - Y Y^T)^2)` of an embedding, `mean((S - S_hat)^2)` of a prediction).
//!
//! The low-rank variants never form the `m x n` product: they walk `S` in blocks of columns
//! (contiguous in nalgebra's column-major storage), form one `m x b` block of `A B^T` at a time and
//! run the blocks in parallel with rayon. Partial sums are combined in a fixed order, so results do
//! not depend on the number of threads.

use nalgebra::DMatrix;
use rayon::prelude::*;

use crate::checks::{check_finite, check_no_inf, check_nonempty, check_shape};
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
    check_cross_shapes(a, b, s)?;
    mse_cross_inner(a, b, s, "A", "B")
}

/// `mean((S - A B^T)^2)` over the present (non-NaN) entries of `S`, and their number: the MSE of
/// an embedding (`B = A`) or of a pair of embeddings against a similarity matrix with missing
/// entries (paper section 3, Figure 4's missing-targets experiment).
///
/// `a`: `m x d`, `b`: `n x d`, `s`: `m x n` with NaN marking a missing entry. Blocked and parallel
/// like [`mse_cross`]; memory `O(m * b)`.
///
/// # Errors
/// [`BaselineError::Empty`] for `m == 0` or `n == 0`, [`BaselineError::ShapeMismatch`] if the inner
/// dimensions or `s`'s shape disagree, [`BaselineError::NonFinite`] if `a` or `b` holds NaN/inf or
/// `s` an infinity, [`BaselineError::AllMissing`] if every entry of `s` is NaN.
pub fn mse_cross_masked(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    s: &DMatrix<f64>,
) -> Result<(f64, usize), BaselineError> {
    check_cross_shapes(a, b, s)?;
    check_finite("A", a)?;
    check_finite("B", b)?;
    check_no_inf("S", s)?;
    masked_mean(&blocked_products(a, b, s, masked_sum)?)
}

/// `b` is `n x d` with `a`'s `d`, and `s` is `m x n`.
fn check_cross_shapes(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    s: &DMatrix<f64>,
) -> Result<(), BaselineError> {
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
    )
}

/// Runs `per_block(S block, A B^T block)` over the column blocks of `s` (`m x n`) in parallel and
/// returns the results in block order; the `m x w` product blocks are column-major like `s`.
fn blocked_products<T: Send>(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    s: &DMatrix<f64>,
    per_block: impl Fn(&[f64], &[f64]) -> T + Sync,
) -> Result<Vec<T>, BaselineError> {
    check_nonempty("S", s)?;
    let (m, n) = s.shape();
    let bc = block_cols(m);
    let n_blocks = n.div_ceil(bc);
    let s_data = s.as_slice();
    Ok((0..n_blocks)
        .into_par_iter()
        .map(|blk| {
            let j0 = blk * bc;
            let w = bc.min(n - j0);
            // m x w block of A B^T = A * B[j0..j0+w, :]^T.
            let bt = b.rows(j0, w).transpose();
            let p = a * bt;
            per_block(&s_data[j0 * m..(j0 + w) * m], p.as_slice())
        })
        .collect())
}

fn mse_cross_inner(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    s: &DMatrix<f64>,
    a_name: &'static str,
    b_name: &'static str,
) -> Result<f64, BaselineError> {
    let partial = blocked_products(a, b, s, |s_blk, p| {
        s_blk
            .iter()
            .zip(p)
            .map(|(sv, pv)| {
                let e = sv - pv;
                e * e
            })
            .sum::<f64>()
    })?;
    let (m, n) = s.shape();
    let total: f64 = partial.iter().sum();
    let mse = total / (m as f64 * n as f64);
    if !mse.is_finite() {
        check_finite(a_name, a)?;
        check_finite(b_name, b)?;
        check_finite("S", s)?;
    }
    Ok(mse)
}

/// `s_hat` has `s`'s shape, and `s` is not empty.
fn check_prediction_shape(s_hat: &DMatrix<f64>, s: &DMatrix<f64>) -> Result<(), BaselineError> {
    check_shape("S_hat must have S's shape", s_hat, s.nrows(), s.ncols())?;
    check_nonempty("S", s)
}

/// `mean((S - S_hat)^2)` over all entries of two equally shaped matrices.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::ShapeMismatch`], [`BaselineError::NonFinite`].
pub fn mse(s_hat: &DMatrix<f64>, s: &DMatrix<f64>) -> Result<f64, BaselineError> {
    check_prediction_shape(s_hat, s)?;
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
    let (m, n) = s.shape();
    let mse = partial.iter().sum::<f64>() / (m as f64 * n as f64);
    if !mse.is_finite() {
        check_finite("S_hat", s_hat)?;
        check_finite("S", s)?;
    }
    Ok(mse)
}

/// `mean((S - S_hat)^2)` over the present (non-NaN) entries of `S`, and their number: the MSE of a
/// prediction against targets with missing entries.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::ShapeMismatch`], [`BaselineError::NonFinite`] if
/// `s_hat` holds NaN/inf or `s` an infinity, [`BaselineError::AllMissing`] if every entry of `s` is
/// NaN.
pub fn mse_masked(s_hat: &DMatrix<f64>, s: &DMatrix<f64>) -> Result<(f64, usize), BaselineError> {
    check_prediction_shape(s_hat, s)?;
    check_finite("S_hat", s_hat)?;
    check_no_inf("S", s)?;
    let chunk = BLOCK_ENTRIES;
    let partial: Vec<(f64, usize)> = s_hat
        .as_slice()
        .par_chunks(chunk)
        .zip(s.as_slice().par_chunks(chunk))
        .map(|(h, t)| masked_sum(t, h))
        .collect();
    masked_mean(&partial)
}

/// Sum of `(t - p)^2` over the entries with `t` present, and their number.
fn masked_sum(t: &[f64], p: &[f64]) -> (f64, usize) {
    t.iter()
        .zip(p)
        .filter(|(tv, _)| !tv.is_nan())
        .fold((0.0, 0usize), |(sum, n), (tv, pv)| {
            let e = tv - pv;
            (sum + e * e, n + 1)
        })
}

/// The mean over the blocks' `(sum, count)`, combined in block order.
fn masked_mean(partial: &[(f64, usize)]) -> Result<(f64, usize), BaselineError> {
    let (total, count) = partial
        .iter()
        .fold((0.0, 0), |(t, c), &(sum, n)| (t + sum, c + n));
    if count == 0 {
        return Err(BaselineError::AllMissing { what: "S" });
    }
    Ok((total / count as f64, count))
}

#[cfg(test)]
mod tests {
    use super::{block_cols, mse, mse_cross, mse_cross_masked, mse_masked};
    use crate::BaselineError;
    use nalgebra::DMatrix;

    /// The masked MSE by a plain loop over every entry of `A B^T`.
    fn naive_masked(a: &DMatrix<f64>, b: &DMatrix<f64>, s: &DMatrix<f64>) -> (f64, usize) {
        let (mut sum, mut n) = (0.0, 0);
        for i in 0..s.nrows() {
            for j in 0..s.ncols() {
                if s[(i, j)].is_nan() {
                    continue;
                }
                let p: f64 = (0..a.ncols()).map(|k| a[(i, k)] * b[(j, k)]).sum();
                sum += (s[(i, j)] - p).powi(2);
                n += 1;
            }
        }
        (sum / n as f64, n)
    }

    fn pseudo_random(rows: usize, cols: usize, seed: u64) -> DMatrix<f64> {
        DMatrix::from_fn(rows, cols, |r, c| {
            let h =
                (r as u64 * 7919 + c as u64 * 104_729 + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (h >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
    }

    /// 600 x 1001 spans three column blocks with a ragged last one; every 7th entry is missing.
    #[test]
    fn masked_mse_matches_a_naive_loop_across_ragged_blocks() {
        let (m, n, d) = (600, 1001, 4);
        let a = pseudo_random(m, d, 1);
        let b = pseudo_random(n, d, 2);
        let mut s = pseudo_random(m, n, 3);
        for (i, v) in s.iter_mut().enumerate() {
            if i % 7 == 3 {
                *v = f64::NAN;
            }
        }
        let (mse, count) = mse_cross_masked(&a, &b, &s).unwrap();
        let (want, want_count) = naive_masked(&a, &b, &s);
        assert_eq!(count, want_count);
        assert_eq!(count, m * n - (m * n + 3) / 7);
        assert!((mse - want).abs() <= 1e-12 * want, "{mse} vs {want}");
    }

    #[test]
    fn masked_mse_without_missing_entries_is_the_plain_mse() {
        let a = pseudo_random(50, 3, 4);
        let s = pseudo_random(50, 50, 5);
        let (mse, count) = mse_cross_masked(&a, &a, &s).unwrap();
        assert_eq!(count, 2500);
        assert_eq!(mse, mse_cross(&a, &a, &s).unwrap());
        // An MSE of 1e-8 stays 1e-8: the count divides, nothing rounds.
        let y = DMatrix::from_element(10, 1, 1.0);
        let s = DMatrix::from_element(10, 10, 1.0 + 1e-4);
        let (tiny, _) = mse_cross_masked(&y, &y, &s).unwrap();
        assert!((tiny - 1e-8).abs() < 1e-15, "{tiny}");
    }

    #[test]
    fn elementwise_masked_mse_matches_a_naive_loop() {
        let s_hat = pseudo_random(700, 400, 10);
        let mut s = pseudo_random(700, 400, 11);
        s[(3, 5)] = f64::NAN;
        s[(699, 399)] = f64::NAN;
        let (got, count) = mse_masked(&s_hat, &s).unwrap();
        let mut sum = 0.0;
        for (t, p) in s.iter().zip(s_hat.iter()).filter(|(t, _)| !t.is_nan()) {
            sum += (t - p).powi(2);
        }
        assert_eq!(count, 700 * 400 - 2);
        let want = sum / count as f64;
        assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
        let full = pseudo_random(30, 20, 12);
        assert_eq!(
            mse_masked(&s_hat.rows(0, 30).columns(0, 20).into_owned(), &full)
                .unwrap()
                .0,
            mse(&s_hat.rows(0, 30).columns(0, 20).into_owned(), &full).unwrap()
        );
        assert!(matches!(
            mse_masked(&full, &DMatrix::from_element(30, 20, f64::NAN)),
            Err(BaselineError::AllMissing { what: "S" })
        ));
    }

    #[test]
    fn masked_mse_rejects_bad_input() {
        let a = pseudo_random(4, 2, 6);
        let all_nan = DMatrix::from_element(4, 4, f64::NAN);
        assert!(matches!(
            mse_cross_masked(&a, &a, &all_nan),
            Err(BaselineError::AllMissing { what: "S" })
        ));
        let mut s = pseudo_random(4, 4, 7);
        s[(1, 2)] = f64::INFINITY;
        assert!(matches!(
            mse_cross_masked(&a, &a, &s),
            Err(BaselineError::NonFinite {
                what: "S",
                row: 1,
                col: 2,
                ..
            })
        ));
        let mut a_nan = a.clone();
        a_nan[(0, 1)] = f64::NAN;
        assert!(matches!(
            mse_cross_masked(&a_nan, &a, &pseudo_random(4, 4, 8)),
            Err(BaselineError::NonFinite { what: "A", .. })
        ));
        assert!(matches!(
            mse_cross_masked(&a, &a, &pseudo_random(4, 5, 9)),
            Err(BaselineError::ShapeMismatch { .. })
        ));
    }

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
