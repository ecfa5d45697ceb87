//! Double centering of a kernel matrix (paper, "Common": `center_K`).

use nalgebra::{DMatrix, DVector};

use crate::checks::{check_finite, check_square, symmetrize_in_place};
use crate::BaselineError;

/// Row means, column means and grand mean of a square matrix (one pass over the columns).
pub(crate) struct CenterStats {
    /// `r_i = (1/n) sum_j K_ij`.
    pub row_means: DVector<f64>,
    /// `c_j = (1/n) sum_i K_ij`.
    pub col_means: DVector<f64>,
    /// `g = (1/n^2) sum_ij K_ij` (the mean of the column means).
    pub grand_mean: f64,
}

pub(crate) fn center_stats(k: &DMatrix<f64>) -> CenterStats {
    let (rows, cols) = k.shape();
    let mut row_sums = DVector::<f64>::zeros(rows);
    let mut col_means = DVector::<f64>::zeros(cols);
    for (j, col) in k.column_iter().enumerate() {
        col_means[j] = col.sum() / rows as f64;
        row_sums += &col;
    }
    let row_means = row_sums / cols as f64;
    let grand_mean = col_means.sum() / cols as f64;
    CenterStats {
        row_means,
        col_means,
        grand_mean,
    }
}

/// Double-center a square kernel: `B = H K H` with `H = I - (1/n) 1 1^T`, then symmetrize
/// `(B + B^T) / 2`, exactly the paper's `center_K` (Section 4 setup; used for every target `S`/`K`).
///
/// `K`: `n x n` (need not be symmetric; the output always is). Returns a new `n x n` matrix.
/// Computed in `O(n^2)` from row/column/grand means (`B_ij = K_ij - r_i - c_j + g`); `H` is never
/// formed. Use [`center_kernel_owned`] to reuse `K`'s buffer.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::NotSquare`], [`BaselineError::NonFinite`].
pub fn center_kernel(k: &DMatrix<f64>) -> Result<DMatrix<f64>, BaselineError> {
    check_square("K", k)?;
    check_finite("K", k)?;
    Ok(center_unchecked(k.clone()).0)
}

/// [`center_kernel`] in `K`'s own buffer (no `n x n` copy). Same errors.
pub fn center_kernel_owned(k: DMatrix<f64>) -> Result<DMatrix<f64>, BaselineError> {
    check_square("K", &k)?;
    check_finite("K", &k)?;
    Ok(center_unchecked(k).0)
}

/// Center a validated square matrix in place; also returns its (pre-centering) statistics.
pub(crate) fn center_unchecked(mut k: DMatrix<f64>) -> (DMatrix<f64>, CenterStats) {
    let stats = center_stats(&k);
    // (B + B^T)/2 = (K + K^T)/2 - u_i - u_j + g with u = (r + c)/2: subtract the symmetric part of
    // the correction first, then symmetrize once.
    let u: DVector<f64> = (&stats.row_means + &stats.col_means) * 0.5;
    let g = stats.grand_mean;
    for (j, mut col) in k.column_iter_mut().enumerate() {
        let shift = g - u[j];
        for (v, ui) in col.iter_mut().zip(u.iter()) {
            *v += shift - ui;
        }
    }
    symmetrize_in_place(&mut k);
    (k, stats)
}
