//! Indefinite (non-metric) similarities: splitting `S` by eigenvalue sign and the
//! absolute-largest-eigenvalue approximation (paper, Figures 5-7, Simpson similarity on MNIST 0/7).

use nalgebra::DMatrix;

use crate::blas::gram_n;
use crate::checks::check_shape;
use crate::eigen::Eigen;
use crate::mse::mse_cross;
use crate::BaselineError;

/// Split a symmetric `S = V D V^T` by eigenvalue sign: returns `(S1, S2)` with
/// `S1 = V+ D+ V+^T` over the pairs with `lambda >= 0` and `S2 = V- |D-| V-^T` over those with
/// `lambda < 0`, so that `S = S1 - S2` and both are PSD (paper, Figures 5 and 7). Both are `n x n`
/// (each formed by one BLAS `dsyrk` of `V sqrt(|D|)`).
///
/// `eig` should be the full decomposition ([`crate::symmetric_eigen_full`]); with a partial one
/// `S1 - S2` is the corresponding partial sum. If `values` and `vectors` disagree in length only
/// the first `eig.len()` pairs are used.
pub fn split_by_sign(eig: &Eigen) -> (DMatrix<f64>, DMatrix<f64>) {
    let pairs = eig.len();
    let pos: Vec<usize> = (0..pairs).filter(|&i| eig.values[i] >= 0.0).collect();
    let neg: Vec<usize> = (0..pairs).filter(|&i| eig.values[i] < 0.0).collect();
    (weighted_gram(eig, &pos), weighted_gram(eig, &neg))
}

/// `sum_{i in idx} |lambda_i| v_i v_i^T`.
fn weighted_gram(eig: &Eigen, idx: &[usize]) -> DMatrix<f64> {
    let n = eig.vectors.nrows();
    if idx.is_empty() {
        return DMatrix::zeros(n, n);
    }
    let mut y = DMatrix::<f64>::zeros(n, idx.len());
    for (dst, &src) in idx.iter().enumerate() {
        let s = eig.values[src].abs().sqrt();
        y.column_mut(dst)
            .zip_apply(&eig.vectors.column(src), |o, v| *o = v * s);
    }
    // dsyrk only fails for dimensions beyond i32, impossible for an n x n result held in memory;
    // fall back to a plain product all the same rather than panic.
    gram_n(&y).unwrap_or_else(|_| &y * y.transpose())
}

/// MSE of the rank-`k` approximation by the `k` eigenpairs with the largest `|lambda|`,
/// `S_hat = sum_j lambda_j v_j v_j^T` (negative eigenvalues kept with their sign: "imaginary"
/// embedding dimensions), against `s`: `mean((S - S_hat)^2)` (paper, Figure 6,
/// "absolute_largest_ev"). `S_hat` is never formed: this is [`mse_cross`] with
/// `A = V_k diag(lambda_k)`, `B = V_k`.
///
/// `eig`: the full decomposition of `S` (or any set of pairs containing the `k` of largest
/// magnitude), `n` rows; `s`: `n x n`.
///
/// # Errors
/// [`BaselineError::InvalidK`] (`k` not in `1..=eig.len()`), [`BaselineError::ShapeMismatch`],
/// [`BaselineError::NonFinite`], [`BaselineError::Empty`].
pub fn mse_absolute_largest(eig: &Eigen, s: &DMatrix<f64>, k: usize) -> Result<f64, BaselineError> {
    let n = eig.vectors.nrows();
    check_shape("S must be n x n for eigenvectors of n rows", s, n, n)?;
    let sel = eig.select_abs_largest(k)?;
    let mut a = sel.vectors.clone();
    for (j, &l) in sel.values.iter().enumerate() {
        a.column_mut(j).scale_mut(l);
    }
    mse_cross(&a, &sel.vectors, s)
}
