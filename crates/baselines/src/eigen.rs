//! Symmetric eigendecompositions with raw LAPACK (`dsyevd`, `dsyevr`), a block Krylov solver for a
//! few extreme pairs of a large matrix, and the eigen-embedding.
//!
//! Paper, "Common" setup: eigenpairs sorted by eigenvalue descending, embedding `Y = V sqrt(|D|)`,
//! first `d` columns (the eigendecomposition baseline of Figures 3, 4, 6 and 7).
//!
//! Eigenvector signs are whatever LAPACK returns (deterministic for a given input and library, but
//! `dsyevd` and `dsyevr` may disagree); products such as `Y Y^T` do not depend on them.

use std::borrow::Cow;

use nalgebra::{DMatrix, DVector};

use crate::checks::{check_k, check_symmetric};
use crate::krylov::{eigen_extreme_krylov, krylov_params};
use crate::lapack_eigh::{DsyevdWork, DsyevrWork};
use crate::BaselineError;

/// Eigenpairs of a symmetric matrix.
///
/// `values` has length `k`; `vectors` is `n x k`, column `j` the unit eigenvector of `values[j]`.
/// The order depends on the producer: descending for [`symmetric_eigen_full`] and
/// [`symmetric_eigen_top_k`], ascending (most negative first) for [`symmetric_eigen_bottom_k`],
/// by decreasing `|lambda|` for [`Eigen::select_abs_largest`].
#[derive(Debug, Clone, PartialEq)]
pub struct Eigen {
    /// Eigenvalues, length `k`.
    pub values: DVector<f64>,
    /// Eigenvectors as columns, `n x k`.
    pub vectors: DMatrix<f64>,
}

impl Eigen {
    /// Number of eigenpairs held (`min(values.len(), vectors.ncols())`, equal for every `Eigen`
    /// this crate produces).
    pub fn len(&self) -> usize {
        self.values.len().min(self.vectors.ncols())
    }

    /// Whether no eigenpair is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The eigen-embedding `Y = V sqrt(|D|)` of the first `d` pairs (in this `Eigen`'s order):
    /// an `n x d` matrix with `Y Y^T = sum_{j<d} |lambda_j| v_j v_j^T` (paper, "Common").
    ///
    /// # Errors
    /// [`BaselineError::InvalidK`] if `d == 0` or `d` exceeds the number of pairs held.
    pub fn embedding(&self, d: usize) -> Result<DMatrix<f64>, BaselineError> {
        check_k("d", d, self.len())?;
        let n = self.vectors.nrows();
        let mut y = self.vectors.columns(0, d).into_owned();
        for j in 0..d {
            let s = self.values[j].abs().sqrt();
            y.column_mut(j).scale_mut(s);
        }
        debug_assert_eq!(y.shape(), (n, d));
        Ok(y)
    }

    /// The `k` pairs with the largest `|lambda|`, sorted by `|lambda|` descending (ties keep this
    /// `Eigen`'s order). Used for the "absolute_largest_ev" series of Figure 6.
    ///
    /// # Errors
    /// [`BaselineError::InvalidK`] if `k == 0` or `k` exceeds the number of pairs held.
    pub fn select_abs_largest(&self, k: usize) -> Result<Eigen, BaselineError> {
        check_k("k", k, self.len())?;
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| self.values[b].abs().total_cmp(&self.values[a].abs()));
        order.truncate(k);
        Ok(self.select(&order))
    }

    /// The pairs at `indices`, in that order (indices must be `< len()`).
    pub(crate) fn select(&self, indices: &[usize]) -> Eigen {
        let n = self.vectors.nrows();
        let values = DVector::from_iterator(indices.len(), indices.iter().map(|&i| self.values[i]));
        let mut vectors = DMatrix::<f64>::zeros(n, indices.len());
        for (dst, &src) in indices.iter().enumerate() {
            vectors.column_mut(dst).copy_from(&self.vectors.column(src));
        }
        Eigen { values, vectors }
    }
}

/// Full eigendecomposition of a symmetric `n x n` matrix with LAPACK `dsyevd` (divide and conquer),
/// sorted by eigenvalue descending. Copies `a` once (LAPACK overwrites its input); use
/// [`symmetric_eigen_full_owned`] to avoid the copy.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::NotSquare`], [`BaselineError::NonFinite`],
/// [`BaselineError::Asymmetric`] (relative tolerance [`crate::SYMMETRY_RTOL`]),
/// [`BaselineError::TooLarge`], [`BaselineError::Lapack`] (no convergence).
pub fn symmetric_eigen_full(a: &DMatrix<f64>) -> Result<Eigen, BaselineError> {
    check_symmetric("a", a)?;
    eigen_full_unchecked(a.clone())
}

/// [`symmetric_eigen_full`] consuming `a` (its buffer becomes the eigenvector matrix; no `n x n`
/// copy). Same errors.
pub fn symmetric_eigen_full_owned(a: DMatrix<f64>) -> Result<Eigen, BaselineError> {
    check_symmetric("a", &a)?;
    eigen_full_unchecked(a)
}

/// `dsyevd` on a validated square symmetric matrix; result sorted descending.
pub(crate) fn eigen_full_unchecked(mut a: DMatrix<f64>) -> Result<Eigen, BaselineError> {
    let n = a.nrows();
    let mut lapack = DsyevdWork::new(n)?;
    lapack.calc(&mut a)?;
    let w = std::mem::take(&mut lapack.w);
    drop(lapack);
    Ok(lapack_pairs(w, a, true))
}

/// The pairs `(w[j], v[:, j])` LAPACK returned (ascending), reversed in place when `descending`.
fn lapack_pairs(mut w: Vec<f64>, mut v: DMatrix<f64>, descending: bool) -> Eigen {
    if descending {
        w.reverse();
        let k = v.ncols();
        for j in 0..k / 2 {
            v.swap_columns(j, k - 1 - j);
        }
    }
    Eigen {
        values: DVector::from_vec(w),
        vectors: v,
    }
}

/// The `k` largest eigenpairs of a symmetric `n x n` matrix, sorted by eigenvalue descending:
/// `values` has length `k`, `vectors` is `n x k`.
///
/// For `n >= 2000` and a small `k` (a Krylov basis of `8 (k + max(k/2, 6))` vectors at most
/// `n / 8`) a restarted block Krylov solver runs first, reading `a` in place; it returns only when
/// every pair meets `||A v - lambda v|| <= 1e-12 max|lambda|` and a randomized check on the
/// deflated matrix finds no larger eigenvalue it missed, and otherwise (or for small `n`)
/// LAPACK `dsyevr` with `RANGE = 'I'` (`ABSTOL = 0`, as SciPy's `eigh(subset_by_index=...)`)
/// computes the pairs on a copy of `a`. [`symmetric_eigen_top_k_dsyevr`] always uses `dsyevr`.
///
/// # Errors
/// As [`symmetric_eigen_full`], plus [`BaselineError::InvalidK`] if `k == 0` or `k > n`.
pub fn symmetric_eigen_top_k(a: &DMatrix<f64>, k: usize) -> Result<Eigen, BaselineError> {
    eigen_range(Cow::Borrowed(a), k, true)
}

/// [`symmetric_eigen_top_k`] consuming `a` (LAPACK works in its buffer; no `n x n` copy).
pub fn symmetric_eigen_top_k_owned(a: DMatrix<f64>, k: usize) -> Result<Eigen, BaselineError> {
    eigen_range(Cow::Owned(a), k, true)
}

/// [`symmetric_eigen_top_k`] with LAPACK `dsyevr` (`RANGE = 'I'`, `ABSTOL = 0`) for every size:
/// exactly SciPy's `eigh(a, subset_by_index=[n-k, n-1])`, reversed. Same errors.
pub fn symmetric_eigen_top_k_dsyevr(a: &DMatrix<f64>, k: usize) -> Result<Eigen, BaselineError> {
    check_symmetric("a", a)?;
    check_k("k", k, a.nrows())?;
    eigen_range_dsyevr(a.clone(), k, true)
}

/// The `k` smallest (most negative) eigenpairs of a symmetric `n x n` matrix, sorted ascending:
/// `values[0]` is the most negative. Same solvers as [`symmetric_eigen_top_k`] (`dsyevr` with
/// indices `1..=k` for small `n`, on a copy of `a`).
///
/// # Errors
/// As [`symmetric_eigen_top_k`].
pub fn symmetric_eigen_bottom_k(a: &DMatrix<f64>, k: usize) -> Result<Eigen, BaselineError> {
    eigen_range(Cow::Borrowed(a), k, false)
}

/// [`symmetric_eigen_bottom_k`] consuming `a` (no `n x n` copy).
pub fn symmetric_eigen_bottom_k_owned(a: DMatrix<f64>, k: usize) -> Result<Eigen, BaselineError> {
    eigen_range(Cow::Owned(a), k, false)
}

/// [`eigen_range_unchecked`] after checking that `a` is symmetric and `1 <= k <= n`.
fn eigen_range(a: Cow<'_, DMatrix<f64>>, k: usize, top: bool) -> Result<Eigen, BaselineError> {
    check_symmetric("a", &a)?;
    check_k("k", k, a.nrows())?;
    eigen_range_unchecked(a, k, top)
}

/// The `k` extreme eigenpairs of a validated symmetric matrix: block Krylov where
/// [`krylov_params`] allows it and the residual test passes, `dsyevr` otherwise. `top` selects the
/// largest `k` (returned descending) or the smallest `k` (returned ascending). `1 <= k <= n` is
/// the caller's duty. A borrowed `a` is copied only for `dsyevr`.
pub(crate) fn eigen_range_unchecked(
    a: Cow<'_, DMatrix<f64>>,
    k: usize,
    top: bool,
) -> Result<Eigen, BaselineError> {
    if let Some(params) = krylov_params(a.nrows(), k) {
        match eigen_extreme_krylov(&a, k, top, params) {
            Ok(Some(eig)) => return Ok(eig),
            // Not converged, or LAPACK failed on the small projected matrix: dsyevr decides.
            Ok(None) | Err(BaselineError::Lapack { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    eigen_range_dsyevr(a.into_owned(), k, top)
}

/// `dsyevr` with `RANGE = 'I'` on a validated matrix; `top` selects the largest `k` (returned
/// descending) or the smallest `k` (returned ascending). `1 <= k <= n` is the caller's duty.
pub(crate) fn eigen_range_dsyevr(
    mut a: DMatrix<f64>,
    k: usize,
    top: bool,
) -> Result<Eigen, BaselineError> {
    let mut lapack = DsyevrWork::new(a.nrows(), k, top)?;
    lapack.calc(&mut a)?;
    let (mut w, z) = (lapack.w, lapack.z);
    w.truncate(k);
    Ok(lapack_pairs(w, z, top))
}
