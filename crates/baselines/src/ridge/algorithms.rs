//! Ridge regression fits (single alpha and K-fold CV over a grid), reproducing scikit-learn's
//! `Ridge(alpha, fit_intercept)` and `GridSearchCV(Ridge(), {'alpha': grid}, cv=k)`.
//!
//! Used for the paper's "ED + ridge" baseline (Figure 3): a linear map from the centered MNIST
//! features to the eigen-embedding of the class-label similarities.

use std::borrow::Cow;
use std::ops::Range;

use nalgebra::{DMatrix, DVector};

use super::hyperparams::{RidgeCvScoring, RidgeCvSolver, RidgeCvValidParams, RidgeValidParams};
use crate::blas::{gemm, gram_t, to_i32};
use crate::checks::{check_finite, check_nonempty, check_shape};
use crate::eigen::eigen_full_unchecked;
use crate::BaselineError;

/// A fitted ridge model: `predict(X) = X coef + 1 intercept^T`.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeModel {
    /// The penalty the model was fitted with.
    pub alpha: f64,
    /// Coefficients, `D x t` (features x targets); scikit-learn's `coef_` transposed.
    pub coef: DMatrix<f64>,
    /// Intercepts, length `t` (zeros when fitted without intercept).
    pub intercept: DVector<f64>,
}

/// Result of [`RidgeCvValidParams::fit`]: the model refitted on all data with the best alpha, and
/// the mean held-out R^2 of every grid value (`(alpha, mean score)`, in grid order; scikit-learn's
/// `cv_results_['mean_test_score']` under the chosen [`RidgeCvScoring`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeCvFit {
    /// The refitted model (`model.alpha` is the selected alpha).
    pub model: RidgeModel,
    /// `(alpha, mean R^2 over folds)` for each grid value, in grid order (R^2 and mean as the
    /// [`RidgeCvScoring`] defines them).
    pub cv_scores: Vec<(f64, f64)>,
}

impl RidgeValidParams {
    /// Fit `min ||Y - X W - 1 b^T||_F^2 + alpha ||W||_F^2` exactly like scikit-learn's `Ridge`
    /// (`solver='auto'` = Cholesky on dense input): with an intercept, `X` and `Y` are centered on
    /// their column means, `(Xc^T Xc + alpha I) W = Xc^T Yc` is solved by LAPACK `dposv`
    /// (`Xc^T Xc` by BLAS `dsyrk`), and `b = ybar - W^T xbar`. Should Cholesky fail numerically, an
    /// eigendecomposition of `Xc^T Xc` solves the same system.
    ///
    /// `x`: `m x D` (samples x features), `y`: `m x t` (samples x targets).
    /// Cost `O(m D^2 + D^3)`; memory one centered copy of `X` plus `D x D`.
    ///
    /// # Errors
    /// [`BaselineError::Empty`] (no samples, features or targets), [`BaselineError::ShapeMismatch`]
    /// (`y` rows != `x` rows), [`BaselineError::NonFinite`], [`BaselineError::TooLarge`],
    /// [`BaselineError::Lapack`].
    pub fn fit(&self, x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<RidgeModel, BaselineError> {
        validate_xy(x, y)?;
        let prepared = Prepared::new(Cow::Borrowed(x), Cow::Borrowed(y), self.fit_intercept);
        let g = gram_t(&prepared.x)?;
        let xty = gemm(true, &prepared.x, false, &prepared.y)?;
        let coef = solve_ridge(&g, &xty, self.alpha)?;
        let intercept = prepared.intercept(&coef)?;
        Ok(RidgeModel {
            alpha: self.alpha,
            coef,
            intercept,
        })
    }
}

impl RidgeCvValidParams {
    /// Choose alpha by K-fold cross-validation and refit, like
    /// `GridSearchCV(Ridge(fit_intercept=...), {'alpha': alphas}, cv=folds).fit(X, Y)`:
    /// `KFold(folds)` without shuffling (contiguous folds; the first `n % folds` folds get
    /// `n / folds + 1` samples, the rest `n / folds`, see [`kfold_ranges`]), each fold scored by
    /// R^2 (`SS_tot` from the held-out fold's own means) and the fold scores averaged as the
    /// [`RidgeCvScoring`] says: by default the paper's scikit-learn (<= 0.21), variance-weighted
    /// R^2 ([`r2_score_variance_weighted`]) and a mean weighted by fold size; or today's,
    /// uniform-average R^2 ([`r2_score`]) and a plain mean. The highest mean wins (ties: first in
    /// grid order), then [`RidgeValidParams::fit`] on all data with that alpha.
    ///
    /// Per fold, `Xc^T Xc` is formed once; with [`RidgeCvSolver::Eigen`] (default) it is
    /// eigendecomposed once (`dsyevd`) and every alpha costs only `O(m_test D t)`; with
    /// [`RidgeCvSolver::Cholesky`] each alpha gets its own `dposv` (scikit-learn's arithmetic).
    ///
    /// `x`: `m x D`, `y`: `m x t`.
    ///
    /// # Errors
    /// As [`RidgeValidParams::fit`], plus [`BaselineError::InvalidFolds`] if a held-out fold would
    /// have fewer than 2 samples (`folds > m / 2`; R^2 is undefined there).
    pub fn fit(&self, x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<RidgeCvFit, BaselineError> {
        validate_xy(x, y)?;
        let ranges = kfold_ranges(x.nrows(), self.folds)?;
        let score: fn(&DMatrix<f64>, &DMatrix<f64>) -> f64 = match self.scoring {
            RidgeCvScoring::PaperEra => r2_variance_weighted_unchecked,
            RidgeCvScoring::Modern => r2_unchecked,
        };
        let mut sums = vec![0.0_f64; self.alphas.len()];
        for test in &ranges {
            let train = [0..test.start, test.end..x.nrows()];
            let prepared = Prepared::new(
                Cow::Owned(take_rows(x, &train)),
                Cow::Owned(take_rows(y, &train)),
                self.fit_intercept,
            );
            let mut x_test = take_rows(x, std::slice::from_ref(test));
            let y_test = take_rows(y, std::slice::from_ref(test));
            subtract_row(&mut x_test, &prepared.x_mean);
            let g = gram_t(&prepared.x)?;
            let xty = gemm(true, &prepared.x, false, &prepared.y)?;
            let scores = match self.solver {
                RidgeCvSolver::Eigen => {
                    fold_scores_eigen(g, &xty, &x_test, &y_test, &prepared, &self.alphas, score)?
                }
                RidgeCvSolver::Cholesky => {
                    let mut out = Vec::with_capacity(self.alphas.len());
                    for &alpha in &self.alphas {
                        let w = solve_ridge(&g, &xty, alpha)?;
                        let mut pred = gemm(false, &x_test, false, &w)?;
                        add_row(&mut pred, &prepared.y_mean);
                        out.push(score(&y_test, &pred));
                    }
                    out
                }
            };
            // iid = True weighs each fold's score by its size; the modern mean does not.
            let weight = match self.scoring {
                RidgeCvScoring::PaperEra => test.len() as f64,
                RidgeCvScoring::Modern => 1.0,
            };
            for (s, v) in sums.iter_mut().zip(scores) {
                *s += weight * v;
            }
        }
        let total_weight = match self.scoring {
            RidgeCvScoring::PaperEra => x.nrows() as f64,
            RidgeCvScoring::Modern => ranges.len() as f64,
        };
        let cv_scores: Vec<(f64, f64)> = self
            .alphas
            .iter()
            .zip(&sums)
            .map(|(&a, &s)| (a, s / total_weight))
            .collect();
        let mut best = 0;
        for (i, &(_, score)) in cv_scores.iter().enumerate() {
            if score > cv_scores[best].1 {
                best = i;
            }
        }
        let model = RidgeValidParams {
            alpha: cv_scores[best].0,
            fit_intercept: self.fit_intercept,
        }
        .fit(x, y)?;
        Ok(RidgeCvFit { model, cv_scores })
    }
}

impl RidgeModel {
    /// Predictions `X coef + 1 intercept^T`: `x` is `n x D`, the result `n x t`.
    ///
    /// # Errors
    /// [`BaselineError::ShapeMismatch`] if `x` does not have `D` columns,
    /// [`BaselineError::NonFinite`].
    pub fn predict(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>, BaselineError> {
        check_shape(
            "X must have as many columns as the model has features",
            x,
            x.nrows(),
            self.coef.nrows(),
        )?;
        check_finite("X", x)?;
        let mut pred = gemm(false, x, false, &self.coef)?;
        add_row(&mut pred, &self.intercept);
        Ok(pred)
    }
}

/// The held-out index ranges of scikit-learn's `KFold(folds)` without shuffling: contiguous
/// ranges covering `0..n` in order, the first `n % folds` of size `n / folds + 1`, the others of
/// size `n / folds` (e.g. `n = 10, folds = 3` gives `0..4, 4..7, 7..10`).
///
/// # Errors
/// [`BaselineError::InvalidFolds`] if `folds < 2` or `folds > n / 2` (every fold needs at least 2
/// samples so that its R^2 is defined).
pub fn kfold_ranges(n: usize, folds: usize) -> Result<Vec<Range<usize>>, BaselineError> {
    if folds < 2 || folds > n / 2 {
        return Err(BaselineError::InvalidFolds {
            folds,
            n_samples: n,
            max_folds: n / 2,
        });
    }
    let base = n / folds;
    let extra = n % folds;
    let mut start = 0;
    Ok((0..folds)
        .map(|f| {
            let len = base + usize::from(f < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect())
}

/// Coefficient of determination as scikit-learn's `r2_score(y_true, y_pred)` with
/// `multioutput='uniform_average'` and `force_finite=True`: per column
/// `1 - SS_res / SS_tot` (`SS_tot` about the column's own mean of `y_true`); a column with
/// `SS_tot = 0` scores 1 if `SS_res = 0` else 0; the result is the mean over columns. Fewer than
/// two rows give NaN, as in scikit-learn.
///
/// `y_true`, `y_pred`: `n x t`.
///
/// # Errors
/// [`BaselineError::Empty`] (no columns), [`BaselineError::ShapeMismatch`],
/// [`BaselineError::NonFinite`].
pub fn r2_score(y_true: &DMatrix<f64>, y_pred: &DMatrix<f64>) -> Result<f64, BaselineError> {
    check_r2_input(y_true, y_pred)?;
    if y_true.nrows() < 2 {
        return Ok(f64::NAN);
    }
    Ok(r2_unchecked(y_true, y_pred))
}

/// Coefficient of determination as scikit-learn's `r2_score(y_true, y_pred,
/// multioutput='variance_weighted')`, which `Ridge.score` used up to scikit-learn 0.22 (the
/// paper's ridge CV, Figure 3): the per-column scores of [`r2_score`] averaged with weights
/// `SS_tot` (so a constant column does not count); when every column is constant, 1 if every
/// `SS_res = 0` else 0. Fewer than two rows give NaN.
///
/// `y_true`, `y_pred`: `n x t`.
///
/// # Errors
/// As [`r2_score`].
pub fn r2_score_variance_weighted(
    y_true: &DMatrix<f64>,
    y_pred: &DMatrix<f64>,
) -> Result<f64, BaselineError> {
    check_r2_input(y_true, y_pred)?;
    if y_true.nrows() < 2 {
        return Ok(f64::NAN);
    }
    Ok(r2_variance_weighted_unchecked(y_true, y_pred))
}

fn check_r2_input(y_true: &DMatrix<f64>, y_pred: &DMatrix<f64>) -> Result<(), BaselineError> {
    check_shape(
        "y_pred must have y_true's shape",
        y_pred,
        y_true.nrows(),
        y_true.ncols(),
    )?;
    if y_true.ncols() == 0 {
        return Err(BaselineError::Empty {
            what: "y_true",
            rows: y_true.nrows(),
            cols: 0,
        });
    }
    check_finite("y_true", y_true)?;
    check_finite("y_pred", y_pred)
}

/// `(SS_res, SS_tot)` of each column, `SS_tot` about the column's mean of `y_true`.
fn sums_of_squares<'a>(
    y_true: &'a DMatrix<f64>,
    y_pred: &'a DMatrix<f64>,
) -> impl Iterator<Item = (f64, f64)> + 'a {
    let n = y_true.nrows() as f64;
    y_true
        .column_iter()
        .zip(y_pred.column_iter())
        .map(move |(t, p)| {
            let mean = t.sum() / n;
            let ss_res: f64 = t.iter().zip(p.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            let ss_tot: f64 = t.iter().map(|a| (a - mean) * (a - mean)).sum();
            (ss_res, ss_tot)
        })
}

fn r2_unchecked(y_true: &DMatrix<f64>, y_pred: &DMatrix<f64>) -> f64 {
    let mut total = 0.0;
    for (ss_res, ss_tot) in sums_of_squares(y_true, y_pred) {
        total += if ss_tot != 0.0 {
            if ss_res != 0.0 {
                1.0 - ss_res / ss_tot
            } else {
                1.0
            }
        } else if ss_res != 0.0 {
            0.0
        } else {
            1.0
        };
    }
    total / y_true.ncols() as f64
}

/// `np.average(1 - SS_res / SS_tot, weights=SS_tot)` over the non-constant columns, as
/// scikit-learn <= 0.22 computed it.
fn r2_variance_weighted_unchecked(y_true: &DMatrix<f64>, y_pred: &DMatrix<f64>) -> f64 {
    let (mut weighted, mut weights, mut any_residual) = (0.0, 0.0, false);
    for (ss_res, ss_tot) in sums_of_squares(y_true, y_pred) {
        any_residual |= ss_res != 0.0;
        if ss_tot != 0.0 {
            weighted += ss_tot * (1.0 - ss_res / ss_tot);
            weights += ss_tot;
        }
    }
    if weights == 0.0 {
        return if any_residual { 0.0 } else { 1.0 };
    }
    weighted / weights
}

/// Per-alpha R^2 (by `score`) of one fold from one eigendecomposition `G = Q diag(l) Q^T`:
/// `W(alpha) = Q diag(1 / (l + alpha)) Q^T Xc^T Yc`, predictions `(X_test - xbar) Q (...)`.
fn fold_scores_eigen(
    g: DMatrix<f64>,
    xty: &DMatrix<f64>,
    x_test_centered: &DMatrix<f64>,
    y_test: &DMatrix<f64>,
    prepared: &Prepared<'_>,
    alphas: &[f64],
    score: fn(&DMatrix<f64>, &DMatrix<f64>) -> f64,
) -> Result<Vec<f64>, BaselineError> {
    let g_backup = g.clone();
    let eig = eigen_full_unchecked(g)?;
    let r = gemm(true, &eig.vectors, false, xty)?; // D x t
    let p = gemm(false, x_test_centered, false, &eig.vectors)?; // m_test x D
    let mut out = Vec::with_capacity(alphas.len());
    for &alpha in alphas {
        let pred_w = if eig.values.iter().all(|&l| l + alpha > 0.0) {
            let mut wt = r.clone();
            for (i, &l) in eig.values.iter().enumerate() {
                wt.row_mut(i).scale_mut(1.0 / (l + alpha));
            }
            gemm(false, &p, false, &wt)?
        } else {
            // alpha below the rounding noise of G's spectrum: fall back to Cholesky.
            let w = solve_ridge(&g_backup, xty, alpha)?;
            gemm(false, x_test_centered, false, &w)?
        };
        let mut pred = pred_w;
        add_row(&mut pred, &prepared.y_mean);
        out.push(score(y_test, &pred));
    }
    Ok(out)
}

/// Solve `(G + alpha I) W = rhs` by LAPACK `dposv` (upper, as SciPy's `solve(assume_a='pos')`);
/// if Cholesky breaks down, by the eigendecomposition of `G`.
fn solve_ridge(
    g: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    alpha: f64,
) -> Result<DMatrix<f64>, BaselineError> {
    let d = g.nrows();
    let mut a = g.clone();
    for i in 0..d {
        a[(i, i)] += alpha;
    }
    let mut b = rhs.clone();
    let d_i = to_i32("number of features", d)?;
    let t_i = to_i32("number of targets", b.ncols())?;
    let mut info = 0_i32;
    // SAFETY: a is d x d (lda = d), b is d x t (ldb = d), column-major.
    unsafe {
        lapack::dposv(
            b'U',
            d_i,
            t_i,
            a.as_mut_slice(),
            d_i.max(1),
            b.as_mut_slice(),
            d_i.max(1),
            &mut info,
        );
    }
    if info == 0 {
        return Ok(b);
    }
    if info < 0 {
        return Err(BaselineError::Lapack {
            routine: "dposv",
            info,
        });
    }
    // Not numerically positive definite: W = Q diag(1/(l + alpha)) Q^T rhs, the pseudo-inverse
    // (as numpy's pinv): shifted eigenvalues at or below G's rounding level (d eps max|l|) count
    // as 0, since 1 / (rounding noise) would blow up the noise in Q^T rhs.
    let eig = eigen_full_unchecked(g.clone())?;
    let scale = eig.values.iter().fold(0.0f64, |m, l| m.max(l.abs()));
    let cutoff = f64::EPSILON * d as f64 * scale;
    let mut r = gemm(true, &eig.vectors, false, rhs)?;
    for (i, &l) in eig.values.iter().enumerate() {
        let den = l + alpha;
        let inv = if den > cutoff { 1.0 / den } else { 0.0 };
        r.row_mut(i).scale_mut(inv);
    }
    gemm(false, &eig.vectors, false, &r)
}

/// Training data ready for the normal equations: centered copies (when fitting an intercept) and
/// the means that were removed.
/// Borrowed (no copy) when no intercept is fitted and the caller's data can be used as is.
struct Prepared<'a> {
    x: Cow<'a, DMatrix<f64>>,
    y: Cow<'a, DMatrix<f64>>,
    x_mean: DVector<f64>,
    y_mean: DVector<f64>,
}

impl<'a> Prepared<'a> {
    fn new(
        mut x: Cow<'a, DMatrix<f64>>,
        mut y: Cow<'a, DMatrix<f64>>,
        fit_intercept: bool,
    ) -> Self {
        let (x_mean, y_mean) = if fit_intercept {
            let xm = column_means(&x);
            let ym = column_means(&y);
            subtract_row(x.to_mut(), &xm);
            subtract_row(y.to_mut(), &ym);
            (xm, ym)
        } else {
            (DVector::zeros(x.ncols()), DVector::zeros(y.ncols()))
        };
        Self {
            x,
            y,
            x_mean,
            y_mean,
        }
    }

    /// `ybar - W^T xbar` (zeros without intercept, since both means are zero then).
    fn intercept(&self, coef: &DMatrix<f64>) -> Result<DVector<f64>, BaselineError> {
        Ok(&self.y_mean - coef.tr_mul(&self.x_mean))
    }
}

fn validate_xy(x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<(), BaselineError> {
    check_nonempty("X", x)?;
    check_nonempty("Y", y)?;
    check_shape(
        "Y must have as many rows (samples) as X",
        y,
        x.nrows(),
        y.ncols(),
    )?;
    check_finite("X", x)?;
    check_finite("Y", y)?;
    Ok(())
}

fn column_means(a: &DMatrix<f64>) -> DVector<f64> {
    let n = a.nrows() as f64;
    DVector::from_iterator(a.ncols(), a.column_iter().map(|c| c.sum() / n))
}

/// `a[i, j] -= v[j]` for every row `i`.
fn subtract_row(a: &mut DMatrix<f64>, v: &DVector<f64>) {
    for (mut col, &m) in a.column_iter_mut().zip(v.iter()) {
        col.add_scalar_mut(-m);
    }
}

/// `a[i, j] += v[j]` for every row `i`.
fn add_row(a: &mut DMatrix<f64>, v: &DVector<f64>) {
    for (mut col, &m) in a.column_iter_mut().zip(v.iter()) {
        col.add_scalar_mut(m);
    }
}

/// The rows of `a` in the given ranges (in order), as a new matrix; column-wise slice copies.
fn take_rows(a: &DMatrix<f64>, ranges: &[Range<usize>]) -> DMatrix<f64> {
    let rows: usize = ranges.iter().map(|r| r.len()).sum();
    let mut out = DMatrix::<f64>::zeros(rows, a.ncols());
    let src_rows = a.nrows();
    for (j, dst) in out.as_mut_slice().chunks_mut(rows.max(1)).enumerate() {
        if j >= a.ncols() {
            break;
        }
        let src = &a.as_slice()[j * src_rows..(j + 1) * src_rows];
        let mut at = 0;
        for r in ranges {
            dst[at..at + r.len()].copy_from_slice(&src[r.clone()]);
            at += r.len();
        }
    }
    out
}
