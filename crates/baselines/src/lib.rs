//! Exact spectral references for SimEc (Horn & Müller 2018, "Predicting pairwise relations with
//! neural similarity encoders"), in `f64` with LAPACK/BLAS (system OpenBLAS).
//!
//! - [`center_kernel`]: the paper's `center_K` (double centering, symmetrized).
//! - [`symmetric_eigen_full`] (`dsyevd`), [`symmetric_eigen_top_k`] / [`symmetric_eigen_bottom_k`]
//!   (block Krylov with a residual check for large `n`, else `dsyevr`, `RANGE='I'`),
//!   [`Eigen::embedding`] (`Y = V sqrt(|D|)`): the eigendecomposition baseline.
//! - [`mse_gram`], [`mse_cross`], [`mse`]: the paper's error measures, blocked so that no `m x m`
//!   product is formed; [`mse_cross_masked`] and [`mse_masked`] skip missing (NaN)
//!   targets.
//! - [`ridge`]: scikit-learn-exact ridge regression with K-fold CV (the "ED + ridge" baseline,
//!   Figure 3).
//! - [`KernelPca`]: scikit-learn-exact kernel PCA on a precomputed kernel (Figure 4).
//! - [`mean_filled_embedding`]: the missing-targets baseline (Figure 4, right);
//!   [`general_eigen_full`] (`dgeev`, as `np.linalg.eig`) and [`general_eigen_top`] (subspace
//!   iteration, for large matrices) for its non-symmetric variant.
//! - [`split_by_sign`], [`mse_absolute_largest`]: indefinite similarities (Figures 5-7).
//! - [`s_ll_low_rank`], [`SllApprox`]: the eigenpairs of largest `|lambda|` of a SimEc's S_ll,
//!   for its s_ll regularizer in `O(n r d)` per step.
//!
//! Matrices are nalgebra `DMatrix<f64>` (column-major); all bad input is reported as a
//! [`BaselineError`], never a panic. BLAS/LAPACK calls use OpenBLAS's own threads; the blocked MSE
//! loops use rayon.

mod blas;
mod center;
mod checks;
mod eigen;
mod error;
mod general;
mod guard;
mod indefinite;
mod kpca;
mod krylov;
mod lapack_eigh;
mod low_rank;
mod missing;
mod mse;
pub mod ridge;

pub use center::{center_kernel, center_kernel_owned};
pub use checks::SYMMETRY_RTOL;
pub use eigen::{
    symmetric_eigen_bottom_k, symmetric_eigen_bottom_k_owned, symmetric_eigen_full,
    symmetric_eigen_full_owned, symmetric_eigen_top_k, symmetric_eigen_top_k_dsyevr,
    symmetric_eigen_top_k_owned, Eigen,
};
pub use error::BaselineError;
pub use general::{general_eigen_full, general_eigen_top, GeneralEigen, GeneralEigenFull};
pub use indefinite::{mse_absolute_largest, split_by_sign};
pub use kpca::KernelPca;
pub use low_rank::{low_rank_from_eigen, s_ll_low_rank, LowRank, SllApprox};
pub use missing::{
    mean_filled_embedding, mean_filled_embedding_present_mean, mean_filled_embedding_with,
    present_mean, Symmetrize,
};
pub use mse::{mse, mse_cross, mse_cross_masked, mse_gram, mse_masked};
pub use ridge::{
    RidgeCvFit, RidgeCvParams, RidgeCvScoring, RidgeCvSolver, RidgeCvValidParams, RidgeModel,
    RidgeParams, RidgeValidParams, PAPER_ALPHA_GRID,
};
