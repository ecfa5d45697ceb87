//! A factored S_ll slice, `S_ll = U diag(lambda) U^T`, for the s_ll regularizer in `O(n r d)`
//! per step instead of `O(n^2 d)` (paper eq. 3; the closed form of
//! [`crate::regularizers::s_ll_factored`]).
//!
//! simec does not factor matrices itself (it has no LAPACK): the caller hands it the factors,
//! e.g. the eigenpairs of largest `|lambda|` of a symmetric S_ll (`baselines::SllApprox`). Where
//! S_ll has exactly rank `r` (Figure 3's class-label similarity: rank 9) the factored term is the
//! dense one up to float rounding; a truncation changes the objective by the dropped part.

use crate::data::{scan, Matrix};
use crate::error::SimecError;

/// The unchecked factors of one S_ll slice; [`SllFactorsParams::check`] turns them into
/// [`SllFactors`].
///
/// * `u`: `[n, r]`, column `j` a vector of S_ll's factorization (unit eigenvectors for an
///   eigendecomposition; orthonormality is not required: any `U` gives `S = U diag(lambda) U^T`).
/// * `lambda`: `[r]`, the weights (eigenvalues, of either sign).
/// * `mean_s2`: `mean(S^2)` over the `n^2` entries of the full S_ll (not of its rank-`r`
///   approximation); it only shifts the regularizer's value, never its gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct SllFactorsParams {
    u: Matrix,
    lambda: Vec<f32>,
    mean_s2: f64,
}

impl SllFactorsParams {
    /// The factors `S_ll = U diag(lambda) U^T` with `mean(S_ll^2) = mean_s2` (shapes above).
    pub fn new(u: Matrix, lambda: Vec<f32>, mean_s2: f64) -> Self {
        Self { u, lambda, mean_s2 }
    }

    /// Validates the factors.
    ///
    /// # Errors
    /// [`SimecError::Empty`] (`n = 0`), [`SimecError::SllFactorRank`] (`r = 0` or `r > n`),
    /// [`SimecError::SllFactorShape`] (`lambda` not of length `r`), [`SimecError::NonFinite`]
    /// (an entry of `U` or `lambda`), [`SimecError::InvalidParam`] (`mean_s2` negative or not
    /// finite).
    pub fn check(self) -> Result<SllFactors, SimecError> {
        let (n, r) = (self.u.rows(), self.u.cols());
        if n == 0 {
            return Err(SimecError::Empty {
                what: "S_ll factor U",
                rows: n,
                cols: r,
            });
        }
        if r == 0 || r > n {
            return Err(SimecError::SllFactorRank { rank: r, n });
        }
        if self.lambda.len() != r {
            return Err(SimecError::SllFactorShape {
                lambda_len: self.lambda.len(),
                rank: r,
            });
        }
        scan(&self.u, "S_ll factor U", false, false)?;
        if let Some(j) = self.lambda.iter().position(|v| !v.is_finite()) {
            return Err(SimecError::NonFinite {
                what: "S_ll factor lambda".to_string(),
                row: j,
                col: 0,
                value: self.lambda[j],
            });
        }
        if !(self.mean_s2.is_finite() && self.mean_s2 >= 0.0) {
            return Err(SimecError::InvalidParam {
                name: "mean_s2",
                value: self.mean_s2.to_string(),
                reason: "mean(S_ll^2) must be finite and >= 0",
            });
        }
        Ok(SllFactors {
            u: self.u,
            lambda: self.lambda,
            mean_s2: self.mean_s2,
        })
    }
}

/// Validated factors `S_ll = U diag(lambda) U^T` of one slice (see [`SllFactorsParams`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SllFactors {
    u: Matrix,
    lambda: Vec<f32>,
    mean_s2: f64,
}

impl SllFactors {
    /// `n`, the order of S_ll.
    pub fn n(&self) -> usize {
        self.u.rows()
    }

    /// `r`, the number of factor columns.
    pub fn rank(&self) -> usize {
        self.u.cols()
    }

    /// `U`, `[n, r]`.
    pub fn u(&self) -> &Matrix {
        &self.u
    }

    /// `lambda`, `[r]`.
    pub fn lambda(&self) -> &[f32] {
        &self.lambda
    }

    /// `mean(S_ll^2)` of the full matrix.
    pub fn mean_s2(&self) -> f64 {
        self.mean_s2
    }

    /// `diag(lambda) U^T`, `[r, n]` row-major: the right factor of `W S = (W U)(diag(lambda) U^T)`.
    pub(crate) fn scaled_ut(&self) -> Vec<f32> {
        let (n, r) = (self.n(), self.rank());
        let u = self.u.data();
        let mut out = vec![0.0f32; r * n];
        for (i, row) in u.chunks_exact(r).enumerate() {
            for (j, (&uij, &l)) in row.iter().zip(&self.lambda).enumerate() {
                out[j * n + i] = l * uij;
            }
        }
        out
    }
}
