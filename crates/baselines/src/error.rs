//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in this crate. Every variant names the offending shape or value.
///
/// No public function of this crate panics on bad input; it returns one of these instead.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BaselineError {
    /// A matrix that must be square is not.
    #[error("{what} must be square, got {rows} x {cols}")]
    NotSquare {
        /// Which argument.
        what: &'static str,
        /// Its number of rows.
        rows: usize,
        /// Its number of columns.
        cols: usize,
    },

    /// A matrix has no entries where at least one row (and column) is required.
    #[error("{what} is empty ({rows} x {cols})")]
    Empty {
        /// Which argument.
        what: &'static str,
        /// Its number of rows.
        rows: usize,
        /// Its number of columns.
        cols: usize,
    },

    /// A matrix that must be symmetric is not, within the relative tolerance
    /// `max |a_ij - a_ji| <= tol * max |a_ij|`.
    #[error(
        "{what} is not symmetric: |a[{row},{col}] - a[{col},{row}]| = {abs_diff:e} exceeds \
         {tol:e} x max|a| = {tol:e} x {scale:e}"
    )]
    Asymmetric {
        /// Which argument.
        what: &'static str,
        /// Row of the worst pair.
        row: usize,
        /// Column of the worst pair.
        col: usize,
        /// `|a_ij - a_ji|` of the worst pair.
        abs_diff: f64,
        /// `max |a_ij|` over the matrix.
        scale: f64,
        /// The relative tolerance used.
        tol: f64,
    },

    /// A NaN or infinite entry where only finite values are allowed
    /// (for [`crate::mean_filled_embedding`] NaN marks a missing entry, but infinities are still refused).
    #[error("{what} has a non-finite entry {value} at ({row}, {col})")]
    NonFinite {
        /// Which argument.
        what: &'static str,
        /// Row of the first offending entry (column-major scan order).
        row: usize,
        /// Column of the first offending entry.
        col: usize,
        /// The entry itself (NaN or +-inf).
        value: f64,
    },

    /// A non-finite scalar argument (fill value, alpha, ...).
    #[error("{what} must be finite, got {value}")]
    NonFiniteScalar {
        /// Which argument.
        what: &'static str,
        /// Its value.
        value: f64,
    },

    /// A number of eigenpairs / components / dimensions outside `1..=n`.
    #[error("{what} = {k} is out of range: it must be in 1..={n}")]
    InvalidK {
        /// What was asked for (e.g. "k", "d", "n_components").
        what: &'static str,
        /// The requested number.
        k: usize,
        /// The largest admissible number.
        n: usize,
    },

    /// Two arguments have incompatible shapes.
    #[error(
        "shape mismatch: {what}: expected {expected_rows} x {expected_cols}, got {rows} x {cols}"
    )]
    ShapeMismatch {
        /// Which argument and which rule (e.g. "S must be m x n for A (m x d), B (n x d)").
        what: &'static str,
        /// Expected number of rows.
        expected_rows: usize,
        /// Expected number of columns.
        expected_cols: usize,
        /// Actual number of rows.
        rows: usize,
        /// Actual number of columns.
        cols: usize,
    },

    /// An [`crate::SllApprox`] out of range: rank 0, or a residual target outside `[0, 1)`.
    #[error("S_ll approximation {value}: {reason}")]
    InvalidSllApprox {
        /// The choice, in its text form.
        value: String,
        /// What is required of it.
        reason: &'static str,
    },

    /// A text that names no [`crate::SllApprox`].
    #[error("S_ll approximation {text:?}: {reason}; expected \"dense\", \"rank:R\" (R >= 1) or \"residual:EPS\" (0 <= EPS < 1)")]
    ParseSllApprox {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An empty hyperparameter grid.
    #[error("the alpha grid is empty")]
    EmptyGrid,

    /// A ridge penalty that is not strictly positive and finite.
    #[error("alpha must be finite and > 0, got {0}")]
    InvalidAlpha(f64),

    /// A number of cross-validation folds outside `2..=n_samples / 2` (each held-out fold needs at
    /// least two samples for R^2 to be defined).
    #[error(
        "folds = {folds} is invalid for {n_samples} samples: need 2 <= folds and at least 2 samples \
         per fold (folds <= {max_folds})"
    )]
    InvalidFolds {
        /// The requested number of folds.
        folds: usize,
        /// The number of samples.
        n_samples: usize,
        /// The largest admissible number of folds for this many samples.
        max_folds: usize,
    },

    /// A kernel whose spectrum is significantly negative where a PSD kernel is required
    /// (same rule as scikit-learn's `_check_psd_eigenvalues`).
    #[error(
        "kernel is not PSD: eigenvalue {min_eig:e} is significantly negative (largest {max_eig:e})"
    )]
    NotPsd {
        /// The most negative computed eigenvalue.
        min_eig: f64,
        /// The largest computed eigenvalue.
        max_eig: f64,
    },

    /// No present (non-NaN) entries to average.
    #[error("{what} has no present (non-NaN) entries")]
    AllMissing {
        /// Which argument.
        what: &'static str,
    },

    /// An iterative eigensolver did not meet its residual tolerance in the allowed iterations (or a
    /// wanted eigenvalue stayed complex).
    #[error(
        "{solver}: the wanted eigenpairs did not converge to a relative residual of {tol:e} in \
         {iterations} iterations (or a wanted eigenvalue stayed complex)"
    )]
    NoConvergence {
        /// The solver, e.g. "general_eigen_top".
        solver: &'static str,
        /// Iterations run.
        iterations: usize,
        /// The relative residual asked for.
        tol: f64,
    },

    /// An iterative eigensolver converged to eigenpairs that are not the wanted extreme ones: its
    /// independent check on the deflated matrix found a larger eigenvalue (its start block missed
    /// that eigenvector). A full decomposition gives the right pairs.
    #[error(
        "{solver}: the converged eigenpairs are not the leading ones: the deflated check found a \
         Ritz value {found} above the k-th returned eigenvalue {kth}"
    )]
    MissedEigenvalue {
        /// The solver, e.g. "general_eigen_top".
        solver: &'static str,
        /// The deflated check's largest Ritz value (real part; NaN if its basis broke down).
        found: f64,
        /// The `k`-th (smallest wanted) returned eigenvalue.
        kth: f64,
    },

    /// A dimension too large for LAPACK's 32-bit integers.
    #[error("{what} = {value} does not fit LAPACK's 32-bit integer arguments")]
    TooLarge {
        /// Which size.
        what: &'static str,
        /// Its value.
        value: usize,
    },

    /// A LAPACK routine reported failure: `info < 0` means argument `-info` was illegal (a bug in this
    /// crate), `info > 0` a convergence failure or a non-positive-definite matrix (see the routine's
    /// documentation).
    #[error("LAPACK {routine} failed with info = {info}")]
    Lapack {
        /// The routine's name, e.g. "dsyevd".
        routine: &'static str,
        /// LAPACK's `info` output.
        info: i32,
    },
}
