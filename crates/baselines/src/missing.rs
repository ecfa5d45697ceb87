//! The mean-filling baseline for similarity matrices with missing entries (paper, Figure 4 right:
//! "fill missing entries with the mean of the complete K, eigendecompose, top-10 embedding").

use std::borrow::Cow;

use nalgebra::DMatrix;

use crate::checks::{check_k, check_no_inf, check_scalar, check_square, symmetrize_in_place};
use crate::eigen::eigen_range_unchecked;
use crate::BaselineError;

/// How to make the filled matrix symmetric before the symmetric eigensolver (the missing pattern
/// is not symmetric, so the filled matrix is not either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Symmetrize {
    /// `(A + A^T) / 2` (the default: uses every present entry).
    #[default]
    Average,
    /// Use the lower triangle only and mirror it, as `numpy.linalg.eigh` / `scipy.linalg.eigh`
    /// (default `UPLO='L'`) silently do on a non-symmetric input.
    Lower,
    /// Use the upper triangle only and mirror it.
    Upper,
}

/// Mean-filled eigen-embedding: replace every NaN of `s_with_nan` (`n x n`; NaN marks a missing
/// entry) by `fill`, symmetrize `(A + A^T) / 2`, take the top-`k` eigenpairs (`dsyevr`) and return
/// the embedding `V sqrt(|D|)`, `n x k`. The paper fills with the mean of the complete `K`; the
/// caller passes it (see [`present_mean`] and [`mean_filled_embedding_present_mean`] for the
/// mean of the present entries instead).
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::NotSquare`], [`BaselineError::NonFinite`] (an
/// infinite entry), [`BaselineError::NonFiniteScalar`] (`fill`), [`BaselineError::InvalidK`],
/// [`BaselineError::Lapack`].
pub fn mean_filled_embedding(
    s_with_nan: &DMatrix<f64>,
    fill: f64,
    k: usize,
) -> Result<DMatrix<f64>, BaselineError> {
    mean_filled_embedding_with(s_with_nan, fill, k, Symmetrize::Average)
}

/// [`mean_filled_embedding`] with a choice of [`Symmetrize`] rule. Same errors.
pub fn mean_filled_embedding_with(
    s_with_nan: &DMatrix<f64>,
    fill: f64,
    k: usize,
    symmetrize: Symmetrize,
) -> Result<DMatrix<f64>, BaselineError> {
    check_square("S", s_with_nan)?;
    check_no_inf("S", s_with_nan)?;
    check_scalar("fill", fill)?;
    let n = s_with_nan.nrows();
    check_k("k", k, n)?;
    let mut a = s_with_nan.map(|v| if v.is_nan() { fill } else { v });
    match symmetrize {
        Symmetrize::Average => symmetrize_in_place(&mut a),
        Symmetrize::Lower => a.fill_upper_triangle_with_lower_triangle(),
        Symmetrize::Upper => a.fill_lower_triangle_with_upper_triangle(),
    }
    eigen_range_unchecked(Cow::Owned(a), k, true)?.embedding(k)
}

/// The mean of the present (non-NaN) entries of `s`.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::NonFinite`] (an infinite entry),
/// [`BaselineError::AllMissing`].
pub fn present_mean(s: &DMatrix<f64>) -> Result<f64, BaselineError> {
    crate::checks::check_nonempty("S", s)?;
    check_no_inf("S", s)?;
    let (sum, count) = s
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0_f64, 0_usize), |(s, c), v| (s + v, c + 1));
    if count == 0 {
        return Err(BaselineError::AllMissing { what: "S" });
    }
    Ok(sum / count as f64)
}

/// [`mean_filled_embedding`] filling with [`present_mean`]`(s_with_nan)`. Same errors, plus
/// [`BaselineError::AllMissing`].
pub fn mean_filled_embedding_present_mean(
    s_with_nan: &DMatrix<f64>,
    k: usize,
) -> Result<DMatrix<f64>, BaselineError> {
    check_square("S", s_with_nan)?;
    let fill = present_mean(s_with_nan)?;
    mean_filled_embedding(s_with_nan, fill, k)
}
