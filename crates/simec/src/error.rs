//! Typed errors for every kind of bad input; the crate never panics on user data.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong when building, fitting or applying a SimEc.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimecError {
    /// `Matrix::new` got a data vector of the wrong length.
    #[error("matrix data has {len} values, expected rows * cols = {rows} * {cols}")]
    DataLength {
        /// Requested rows.
        rows: usize,
        /// Requested columns.
        cols: usize,
        /// Length of the data vector.
        len: usize,
    },
    /// A hyperparameter is out of range.
    #[error("invalid hyperparameter {name} = {value}: {reason}")]
    InvalidParam {
        /// Name of the hyperparameter.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What is required of it.
        reason: &'static str,
    },
    /// An input matrix has no rows or no columns.
    #[error("{what} is empty ({rows} x {cols})")]
    Empty {
        /// Which input.
        what: &'static str,
        /// Its rows.
        rows: usize,
        /// Its columns.
        cols: usize,
    },
    /// X and the targets have different numbers of rows.
    #[error("X has {x_rows} rows but the targets have {target_rows}")]
    RowMismatch {
        /// Rows of X.
        x_rows: usize,
        /// Rows of the targets.
        target_rows: usize,
    },
    /// The target columns do not split into `n_slices` equal blocks.
    #[error("targets have {cols} columns, which is not a multiple of n_slices = {n_slices}")]
    SliceMismatch {
        /// Columns of the targets.
        cols: usize,
        /// Configured number of slices.
        n_slices: usize,
    },
    /// The embedding is wider than the number of targets per slice.
    #[error("embedding_dim = {embedding_dim} exceeds n_targets = {n_targets}")]
    EmbeddingTooLarge {
        /// Configured embedding dimension.
        embedding_dim: usize,
        /// Targets per slice.
        n_targets: usize,
    },
    /// An infinite value, or a NaN where NaN never means "missing" (features).
    #[error("non-finite value {value} in {what} at row {row}, column {col}")]
    NonFinite {
        /// Which input ("X", "targets", "S_ll slice 0", ...).
        what: String,
        /// Row of the first offending entry.
        row: usize,
        /// Column of the first offending entry.
        col: usize,
        /// The value.
        value: f32,
    },
    /// A NaN (missing) entry in the targets or S_ll while `allow_missing` is off.
    #[error(
        "missing (NaN) value in {what} at row {row}, column {col}; \
         enable SimecParams::allow_missing(true) to mask missing entries"
    )]
    MissingNotAllowed {
        /// Which input.
        what: String,
        /// Row of the first NaN.
        row: usize,
        /// Column of the first NaN.
        col: usize,
    },
    /// Every entry of the targets (or of an S_ll slice) is missing.
    #[error("all entries of {what} are missing (NaN)")]
    AllMissing {
        /// Which input.
        what: String,
    },
    /// `s_ll_reg > 0` but no S_ll was passed to `fit`.
    #[error("s_ll_reg = {s_ll_reg} > 0 but no S_ll target was given")]
    SllMissing {
        /// The configured strength.
        s_ll_reg: f64,
    },
    /// S_ll has a different number of slices than the targets.
    #[error("S_ll has {got} slices, expected n_slices = {expected}")]
    SllSliceCount {
        /// Slices given.
        got: usize,
        /// Configured slices.
        expected: usize,
    },
    /// An S_ll slice is not n x n.
    #[error("S_ll slice {slice} is {rows} x {cols}, expected {n} x {n} (n = n_targets)")]
    SllShape {
        /// Slice index.
        slice: usize,
        /// Its rows.
        rows: usize,
        /// Its columns.
        cols: usize,
        /// Targets per slice.
        n: usize,
    },
    /// Factors of an S_ll slice with `r = 0` or `r > n` columns.
    #[error("S_ll factor U has rank r = {rank} columns for n = {n} rows; expected 1 <= r <= n")]
    SllFactorRank {
        /// Columns of U.
        rank: usize,
        /// Rows of U.
        n: usize,
    },
    /// Factors of an S_ll slice whose `lambda` does not have one entry per column of U.
    #[error("S_ll factor lambda has {lambda_len} entries, expected one per column of U ({rank})")]
    SllFactorShape {
        /// Entries of lambda.
        lambda_len: usize,
        /// Columns of U.
        rank: usize,
    },
    /// Factors of an S_ll slice whose `U` does not have `n_targets` rows.
    #[error("S_ll slice {slice} is factored with U of {rows} rows, expected n = n_targets = {n}")]
    SllFactorRows {
        /// Slice index.
        slice: usize,
        /// Rows of U.
        rows: usize,
        /// Targets per slice.
        n: usize,
    },
    /// An S_ll slice is not symmetric within the relative tolerance.
    #[error(
        "S_ll slice {slice} is not symmetric: |S[{row},{col}] - S[{col},{row}]| = {diff} \
         > {tolerance} (relative tolerance {rtol} times max |S|)"
    )]
    SllNotSymmetric {
        /// Slice index.
        slice: usize,
        /// Row of the worst pair.
        row: usize,
        /// Column of the worst pair.
        col: usize,
        /// The asymmetry found.
        diff: f32,
        /// The absolute tolerance used.
        tolerance: f32,
        /// The relative tolerance.
        rtol: f32,
    },
    /// X has a different number of features than the model was fitted on.
    #[error("X has {got} columns, the model expects {expected}")]
    FeatureMismatch {
        /// Columns given.
        got: usize,
        /// Input dimension of the model.
        expected: usize,
    },
    /// The training loss became NaN or infinite.
    #[error("training diverged: the mean loss of epoch {epoch} is {loss}")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// The loss.
        loss: f64,
    },
    /// The backend failed to read a tensor back.
    #[error("device error: {0}")]
    Device(String),
    /// A target outside the range the loss accepts (`[0, 1]` for binary cross-entropy).
    #[error(
        "target {value} at row {row}, column {col} is outside [{min}, {max}], the range of the {loss} loss"
    )]
    TargetOutOfRange {
        /// Row of the first offending target.
        row: usize,
        /// Column of the first offending target.
        col: usize,
        /// The value.
        value: f32,
        /// Smallest allowed value.
        min: f32,
        /// Largest allowed value.
        max: f32,
        /// Name of the loss.
        loss: &'static str,
    },
    /// The fixed last layer does not have the shape `embedding_dim x (n_targets * n_slices)`.
    #[error(
        "the fixed last layer is {rows} x {cols}, expected {expected_rows} x {expected_cols} \
         (embedding_dim x n_targets * n_slices)"
    )]
    LastLayerShape {
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
        /// The embedding dimension.
        expected_rows: usize,
        /// All targets, `n_targets * n_slices`.
        expected_cols: usize,
    },
    /// The validation set does not match the training data.
    #[error("validation set: {what} is {got}, expected {expected}")]
    ValidationShape {
        /// Which dimension.
        what: &'static str,
        /// What the validation set has.
        got: usize,
        /// What the training data implies.
        expected: usize,
    },
    /// Reading or writing a model file failed.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A model file is malformed or inconsistent with the weights.
    #[error("{}: invalid model file: {message}", path.display())]
    ModelFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A model file of an unsupported format version.
    #[error(
        "{}: model format_version {found} is not supported by this version of simec \
         (it reads format_version {supported}); refit the model or use a matching simec",
        path.display()
    )]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: i64,
        /// The version this crate reads and writes.
        supported: i64,
    },
}
