//! Kernel PCA on a precomputed kernel, reproducing scikit-learn's
//! `KernelPCA(n_components, kernel='precomputed')` (dense solver). Paper, Figure 4: the kPCA
//! reference lines (10 components; train embedding scored against `K`, out-of-sample test
//! embedding against `K_test`).

use std::borrow::Cow;

use nalgebra::{DMatrix, DVector};

use crate::blas::gemm;
use crate::center::center_unchecked;
use crate::checks::{check_finite, check_k, check_shape, check_symmetric};
use crate::eigen::eigen_range_unchecked;
use crate::BaselineError;

/// A fitted kernel PCA.
///
/// Fitting takes the training kernel `K` (`m x m`, symmetric, centered or not) and centers it
/// internally exactly like scikit-learn's `KernelCenterer` (`K - 1 c^T - r 1^T + g`, where `c`, `r`
/// are its column and row means and `g` its grand mean), keeping `c` and `g` for out-of-sample
/// transforms. Centering is idempotent, so passing an already centered kernel (the paper's
/// `center_K(rbf(X, X))`) gives the same result as passing the raw one.
///
/// The top `n_components` eigenpairs of the centered kernel come from `dsyevr` (what SciPy's
/// `eigh(subset_by_index=...)` calls); eigenvalues are cleaned like scikit-learn's
/// `_check_psd_eigenvalues` (small negatives and positives below `1e-12 x max` set to 0;
/// significantly negative ones are an error); each eigenvector's largest-magnitude entry is made
/// positive (scikit-learn's `svd_flip`).
#[derive(Debug, Clone, PartialEq)]
pub struct KernelPca {
    col_means: DVector<f64>,
    grand_mean: f64,
    eigenvalues: DVector<f64>,
    eigenvectors: DMatrix<f64>,
    embedding: DMatrix<f64>,
}

impl KernelPca {
    /// Fit on the training kernel `k_train` (`m x m`) with `n_components` components. Copies the
    /// kernel once (see [`KernelPca::fit_owned`]).
    ///
    /// # Errors
    /// [`BaselineError::Empty`], [`BaselineError::NotSquare`], [`BaselineError::NonFinite`],
    /// [`BaselineError::Asymmetric`], [`BaselineError::InvalidK`] (`n_components` not in `1..=m`),
    /// [`BaselineError::NotPsd`], [`BaselineError::Lapack`].
    pub fn fit(k_train: &DMatrix<f64>, n_components: usize) -> Result<Self, BaselineError> {
        check_symmetric("K_train", k_train)?;
        check_k("n_components", n_components, k_train.nrows())?;
        Self::fit_unchecked(k_train.clone(), n_components)
    }

    /// [`KernelPca::fit`] consuming the kernel (centered and decomposed in its buffer; no `m x m`
    /// copy). Same errors.
    pub fn fit_owned(k_train: DMatrix<f64>, n_components: usize) -> Result<Self, BaselineError> {
        check_symmetric("K_train", &k_train)?;
        check_k("n_components", n_components, k_train.nrows())?;
        Self::fit_unchecked(k_train, n_components)
    }

    fn fit_unchecked(k_train: DMatrix<f64>, n_components: usize) -> Result<Self, BaselineError> {
        // For a symmetric K the row and column means agree, so center_K's symmetrization only
        // removes rounding asymmetry from KernelCenterer's formula.
        let (centered, stats) = center_unchecked(k_train);
        let eig = eigen_range_unchecked(Cow::Owned(centered), n_components, true)?;
        let eigenvalues = clean_psd_eigenvalues(eig.values)?;
        let mut eigenvectors = eig.vectors;
        flip_signs(&mut eigenvectors);
        let mut embedding = eigenvectors.clone();
        for (j, &l) in eigenvalues.iter().enumerate() {
            embedding.column_mut(j).scale_mut(l.sqrt());
        }
        Ok(Self {
            col_means: stats.col_means,
            grand_mean: stats.grand_mean,
            eigenvalues,
            eigenvectors,
            embedding,
        })
    }

    /// The training embedding `V sqrt(lambda)`, `m x n_components` (scikit-learn's
    /// `fit_transform` output).
    pub fn embedding(&self) -> &DMatrix<f64> {
        &self.embedding
    }

    /// The cleaned eigenvalues of the centered training kernel, descending, length
    /// `n_components` (scikit-learn's `eigenvalues_`).
    pub fn eigenvalues(&self) -> &DVector<f64> {
        &self.eigenvalues
    }

    /// The unit eigenvectors, `m x n_components` (scikit-learn's `eigenvectors_`).
    pub fn eigenvectors(&self) -> &DMatrix<f64> {
        &self.eigenvectors
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.eigenvalues.len()
    }

    /// Number of training samples `m`.
    pub fn n_train(&self) -> usize {
        self.col_means.len()
    }

    /// Out-of-sample embedding of new points from their (uncentered, in the same sense as the
    /// training kernel) kernel values against the training points, `k_new_train`: `n_new x m`.
    /// Returns `n_new x n_components`: `Kc_new V diag(1/sqrt(lambda))` (components with
    /// `lambda = 0` give 0), where `Kc_new = K_new - 1 c^T - r_new 1^T + g` is scikit-learn's
    /// `KernelCenterer.transform` (`c`, `g` from the training kernel, `r_new` the row means of
    /// `K_new`). `Kc_new` is never formed: the centering terms are applied to `K_new V` (one GEMM).
    /// Transforming the training kernel's own rows reproduces [`KernelPca::embedding`].
    ///
    /// # Errors
    /// [`BaselineError::Empty`], [`BaselineError::ShapeMismatch`] (not `m` columns),
    /// [`BaselineError::NonFinite`].
    pub fn transform(&self, k_new_train: &DMatrix<f64>) -> Result<DMatrix<f64>, BaselineError> {
        let m = self.n_train();
        check_shape(
            "K_new_train must be n_new x m (kernel of new points against the training points)",
            k_new_train,
            k_new_train.nrows(),
            m,
        )?;
        if k_new_train.nrows() == 0 {
            return Err(BaselineError::Empty {
                what: "K_new_train",
                rows: 0,
                cols: m,
            });
        }
        check_finite("K_new_train", k_new_train)?;
        let k = self.n_components();
        // Scaled alphas A = V diag(1/sqrt(lambda)), zero columns where lambda == 0.
        let mut alphas = self.eigenvectors.clone();
        for (j, &l) in self.eigenvalues.iter().enumerate() {
            let f = if l > 0.0 { 1.0 / l.sqrt() } else { 0.0 };
            alphas.column_mut(j).scale_mut(f);
        }
        let col_sums: DVector<f64> =
            DVector::from_iterator(k, alphas.column_iter().map(|c| c.sum()));
        let c_a: DVector<f64> = alphas.tr_mul(&self.col_means);
        let mut row_means = DVector::<f64>::zeros(k_new_train.nrows());
        for col in k_new_train.column_iter() {
            row_means += &col;
        }
        row_means /= m as f64;
        let mut out = gemm(false, k_new_train, false, &alphas)?;
        for (c, mut col) in out.column_iter_mut().enumerate() {
            for (v, &r) in col.iter_mut().zip(row_means.iter()) {
                *v += (self.grand_mean - r) * col_sums[c] - c_a[c];
            }
        }
        Ok(out)
    }
}

/// scikit-learn's `_check_psd_eigenvalues` for float64 (no imaginary parts here).
fn clean_psd_eigenvalues(mut l: DVector<f64>) -> Result<DVector<f64>, BaselineError> {
    const SIGNIFICANT_NEG_RATIO: f64 = 1e-5;
    const SIGNIFICANT_NEG_VALUE: f64 = 1e-10;
    const SMALL_POS_RATIO: f64 = 1e-12;
    let max_eig = l.max();
    let min_eig = l.min();
    if max_eig < 0.0 {
        if min_eig < -SIGNIFICANT_NEG_VALUE {
            return Err(BaselineError::NotPsd { min_eig, max_eig });
        }
        l.fill(0.0);
        return Ok(l);
    }
    if min_eig < -SIGNIFICANT_NEG_RATIO * max_eig && min_eig < -SIGNIFICANT_NEG_VALUE {
        return Err(BaselineError::NotPsd { min_eig, max_eig });
    }
    for v in l.iter_mut() {
        if *v < 0.0 || (*v > 0.0 && *v < SMALL_POS_RATIO * max_eig) {
            *v = 0.0;
        }
    }
    Ok(l)
}

/// scikit-learn's `svd_flip(u, None)`: the largest-magnitude entry (first one on ties) of each
/// column becomes positive.
fn flip_signs(v: &mut DMatrix<f64>) {
    for mut col in v.column_iter_mut() {
        let mut best = 0;
        for (i, x) in col.iter().enumerate() {
            if x.abs() > col[best].abs() {
                best = i;
            }
        }
        if col[best] < 0.0 {
            col.neg_mut();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All eigenvalues negative: zeros when every one is negligible (above -1e-10), refused as
    /// not PSD when one is significant, as scikit-learn's `_check_psd_eigenvalues`.
    #[test]
    fn all_negative_spectra_are_zeroed_when_tiny_and_refused_when_significant() {
        let tiny = clean_psd_eigenvalues(DVector::from_vec(vec![-1e-13, -1e-12])).unwrap();
        assert_eq!(tiny.as_slice(), [0.0, 0.0]);
        let significant = clean_psd_eigenvalues(DVector::from_vec(vec![-1e-3, -1e-2]));
        assert!(
            matches!(significant, Err(BaselineError::NotPsd { .. })),
            "{significant:?}"
        );
    }

    /// Negative eigenvalues beyond 1e-5 of the largest (and below -1e-10) are refused; smaller
    /// ones and positive ones below 1e-12 of the largest become 0.
    #[test]
    fn small_and_negative_eigenvalues_are_cleaned() {
        let l = clean_psd_eigenvalues(DVector::from_vec(vec![2.0, 1e-13, -1e-6])).unwrap();
        assert_eq!(l.as_slice(), [2.0, 0.0, 0.0]);
        let bad = clean_psd_eigenvalues(DVector::from_vec(vec![2.0, -1e-3]));
        assert!(matches!(bad, Err(BaselineError::NotPsd { .. })), "{bad:?}");
        // Both ratios scale with the largest eigenvalue: next to 1e4, -1e-3 and 1e-9 are
        // negligible.
        let large = clean_psd_eigenvalues(DVector::from_vec(vec![1e4, 1e-9, -1e-3])).unwrap();
        assert_eq!(large.as_slice(), [1e4, 0.0, 0.0]);
        // Both bounds must be exceeded: -1e-11 is beyond 1e-5 of 1e-8 but above -1e-10.
        let tiny = clean_psd_eigenvalues(DVector::from_vec(vec![1e-8, -1e-11])).unwrap();
        assert_eq!(tiny.as_slice(), [1e-8, 0.0]);
    }

    /// The largest-magnitude entry of each column becomes positive; on a tie the first one
    /// decides (NumPy's argmax in scikit-learn's `svd_flip`).
    #[test]
    fn signs_follow_the_first_largest_entry() {
        let mut v = DMatrix::from_column_slice(3, 2, &[0.5, -0.5, 0.1, -0.5, 0.5, 0.1]);
        flip_signs(&mut v);
        assert_eq!(v.as_slice(), [0.5, -0.5, 0.1, 0.5, -0.5, -0.1]);
    }
}
