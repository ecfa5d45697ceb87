//! Figure 4's kernels of a train/test split (paper section 4.2, PAPER_SETUP.md "Figure 4"), all
//! centered with the paper's `center_K`:
//! - `K = center_K(rbf(X, X))` over the `m` training points;
//! - `K_test = center_K(rbf(X_test, X_test))`;
//! - `K_test_train`: rows `m..` and columns `..m` of `center_K(rbf)` over the `m + m_test` stacked
//!   points `[X; X_test]`. The stacked `(m + m_test)^2` kernel is never formed: with `A` the
//!   uncentered stacked kernel, `r` its row means and `g` its grand mean, `center_K(A)_ij =
//!   A_ij - r_i - r_j + g` (`A` is symmetric, so the symmetrization changes nothing), and `r`, `g`
//!   follow from the three blocks `rbf(X, X)`, `rbf(X_test, X)` and `rbf(X_test, X_test)` that are
//!   needed anyway.
//! - the kPCA reference's test input: `rbf(X_test, X)` centered like scikit-learn's
//!   `KernelPCA.transform` with the training kernel's means (see
//!   [`RbfKernels::kpca_test_input`]).
//!
//! `gamma = 0.5 / median(D)^2` over the full `m x m` distance matrix of the training features
//! (the paper's run: 0.00475 for the 8,000 points).

use anyhow::{Context, Result};
use nalgebra::{DMatrix, DVector};

/// The Figure 4 kernels of one split (see the module docs).
pub struct RbfKernels {
    /// The median-heuristic bandwidth.
    pub gamma: f64,
    /// `center_K(rbf(X, X))`, `[m, m]`.
    pub k: DMatrix<f64>,
    /// `center_K(rbf(X_test, X_test))`, `[m_test, m_test]`.
    pub k_test: DMatrix<f64>,
    /// The test-by-train block of `center_K(rbf)` over the stacked points, `[m_test, m]`.
    pub k_test_train: DMatrix<f64>,
    /// The uncentered `rbf(X_test, X)`, `[m_test, m]` (input of the kPCA out-of-sample
    /// transform, see [`RbfKernels::kpca_test_input`]).
    pub rbf_test_train: DMatrix<f64>,
    /// Column means of the uncentered `rbf(X, X)`, `[m]`.
    pub rbf_train_col_means: DVector<f64>,
    /// Grand mean of the uncentered `rbf(X, X)`.
    pub rbf_train_grand_mean: f64,
}

impl RbfKernels {
    /// The test-vs-train kernel as scikit-learn's `KernelPCA` fitted on the uncentered `rbf(X, X)`
    /// sees it before its own row centering: `rbf(X_test, X) - 1 c^T + g` (`c`, `g` the column
    /// and grand means of `rbf(X, X)`), `[m_test, m]`. [`baselines::KernelPca::transform`] of a
    /// kPCA fitted on the centered `K` (whose column and grand means are 0) then applies exactly
    /// `KernelCenterer.transform`. This, not `K_test_train`, reproduces the paper's kPCA test
    /// error (4.59733e-4; `K_test_train` gives 4.5714e-4: it is centered with the means over
    /// all 10,000 points instead of the training kernel's).
    pub fn kpca_test_input(&self) -> DMatrix<f64> {
        let g = self.rbf_train_grand_mean;
        let mut out = self.rbf_test_train.clone(); // [m_test, m]
        for (mut col, c) in out.column_iter_mut().zip(self.rbf_train_col_means.iter()) {
            col.add_scalar_mut(g - c);
        }
        out
    }
}

/// Builds the Figure 4 kernels of `x_train` (`[m, p]`) and `x_test` (`[m_test, p]`); see the
/// module docs. Peak memory: one `m x m` f64 matrix plus the median heuristic's `m^2 / 2`
/// distances (the centering works in place).
///
/// # Errors
/// Non-finite features, fewer than two distinct training points, a centering error.
pub fn rbf_kernels(x_train: &DMatrix<f64>, x_test: &DMatrix<f64>) -> Result<RbfKernels> {
    let (m, mt) = (x_train.nrows(), x_test.nrows());
    let gamma = super::median_heuristic_gamma(x_train)
        .context("median heuristic bandwidth of the training features")?;
    let rbf_train = super::rbf_kernel(x_train, gamma).context("rbf(X, X)")?; // [m, m]
    let rbf_test_train =
        super::rbf_kernel_between(x_test, x_train, gamma).context("rbf(X_test, X)")?; // [m_test, m]
    let rbf_test = super::rbf_kernel(x_test, gamma).context("rbf(X_test, X_test)")?; // [m_test, m_test]

    // Row sums of the stacked kernel [[rbf_train, rbf_test_train^T], [rbf_test_train, rbf_test]]
    // ([m + m_test] square).
    let train_row = row_sums(&rbf_train); // [m]
    let test_train_row = row_sums(&rbf_test_train); // [m_test]
    let test_train_col = col_sums(&rbf_test_train); // [m]
    let test_row = row_sums(&rbf_test); // [m_test]
    let n = (m + mt) as f64;
    let r_train: DVector<f64> = (&train_row + &test_train_col) / n; // [m]
    let r_test: DVector<f64> = (&test_train_row + &test_row) / n; // [m_test]
    let g = (train_row.sum() + 2.0 * test_train_row.sum() + test_row.sum()) / (n * n);
    let mut k_test_train = rbf_test_train.clone(); // [m_test, m]
    for (j, mut col) in k_test_train.column_iter_mut().enumerate() {
        let shift = g - r_train[j];
        for (v, ri) in col.iter_mut().zip(r_test.iter()) {
            *v += shift - ri;
        }
    }
    let rbf_train_col_means = col_sums(&rbf_train) / m as f64; // [m]
    let rbf_train_grand_mean = rbf_train_col_means.mean();
    let k = baselines::center_kernel_owned(rbf_train).context("center_K(rbf(X, X))")?; // [m, m]
    let k_test =
        baselines::center_kernel_owned(rbf_test).context("center_K(rbf(X_test, X_test))")?; // [m_test, m_test]
    Ok(RbfKernels {
        gamma,
        k,
        k_test,
        k_test_train,
        rbf_test_train,
        rbf_train_col_means,
        rbf_train_grand_mean,
    })
}

fn row_sums(a: &DMatrix<f64>) -> DVector<f64> {
    let mut s = DVector::<f64>::zeros(a.nrows());
    for col in a.column_iter() {
        s += &col;
    }
    s
}

fn col_sums(a: &DMatrix<f64>) -> DVector<f64> {
    DVector::from_iterator(a.ncols(), a.column_iter().map(|c| c.sum()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stacked-centering shortcut equals slicing `center_K` of the full stacked kernel.
    #[test]
    fn test_train_block_matches_stacked_centering() {
        let x = DMatrix::from_fn(9, 3, |i, j| ((i * 7 + j * 5) % 11) as f64 / 3.0 - 1.0); // [9, 3]
        let xt = DMatrix::from_fn(4, 3, |i, j| ((i * 3 + j * 2) % 7) as f64 / 2.0 - 0.5); // [4, 3]
        let kern = rbf_kernels(&x, &xt).unwrap();
        let mut stacked = DMatrix::<f64>::zeros(13, 3); // [13, 3]
        stacked.rows_mut(0, 9).copy_from(&x);
        stacked.rows_mut(9, 4).copy_from(&xt);
        let full =
            baselines::center_kernel(&super::super::rbf_kernel(&stacked, kern.gamma).unwrap())
                .unwrap(); // [13, 13]
        let block = full.view((9, 0), (4, 9)); // [4, 9]
        assert!((block - &kern.k_test_train).amax() < 1e-12);
        let k =
            baselines::center_kernel(&super::super::rbf_kernel(&x, kern.gamma).unwrap()).unwrap();
        assert!((k - &kern.k).amax() < 1e-14);
        assert_eq!(kern.k_test.shape(), (4, 4));
    }

    /// The kPCA test embedding equals scikit-learn's `KernelPCA` on the uncentered kernels:
    /// `fit(rbf(X, X)).transform(rbf(X_test, X))`.
    #[test]
    fn kpca_test_input_matches_a_fit_on_the_uncentered_kernel() {
        let x = DMatrix::from_fn(12, 3, |i, j| ((i * 7 + j * 5) % 11) as f64 / 3.0 - 1.0); // [12, 3]
        let xt = DMatrix::from_fn(5, 3, |i, j| ((i * 3 + j * 2) % 7) as f64 / 2.0 - 0.5); // [5, 3]
        let kern = rbf_kernels(&x, &xt).unwrap();
        let ours = baselines::KernelPca::fit(&kern.k, 3)
            .unwrap()
            .transform(&kern.kpca_test_input())
            .unwrap(); // [5, 3]
        let raw = super::super::rbf_kernel(&x, kern.gamma).unwrap(); // [12, 12]
        let raw_tt = super::super::rbf_kernel_between(&xt, &x, kern.gamma).unwrap(); // [5, 12]
        let sk = baselines::KernelPca::fit(&raw, 3)
            .unwrap()
            .transform(&raw_tt)
            .unwrap(); // [5, 3]
                       // Compare Gram matrices (immune to eigenvector signs).
        let diff = (&ours * ours.transpose()) - (&sk * sk.transpose()); // [5, 5]
        assert!(diff.amax() < 1e-10, "{diff}");
    }
}
