//! Ridge hyperparameters: builders and their validated forms (linfa style: `check()` turns a
//! builder into validated parameters or a typed error).

use crate::BaselineError;

/// The paper's alpha grid for the ED + ridge baseline (Figure 3; 3-fold CV chose 75 there).
pub const PAPER_ALPHA_GRID: [f64; 22] = [
    1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 1., 2.5, 5., 7.5, 10., 25., 50., 75., 100.,
    250., 500., 750., 1000.,
];

/// Builder for a single ridge fit, mirroring `sklearn.linear_model.Ridge(alpha, fit_intercept)`.
///
/// Defaults: `alpha = 1.0` (scikit-learn's default), `fit_intercept = true`.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeParams {
    alpha: f64,
    fit_intercept: bool,
}

impl Default for RidgeParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            fit_intercept: true,
        }
    }
}

impl RidgeParams {
    /// The defaults (`alpha = 1`, with intercept).
    pub fn new() -> Self {
        Self::default()
    }

    /// The L2 penalty `alpha` of `||y - X w - b||^2 + alpha ||w||^2` (must be finite and > 0).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Whether to fit an (unpenalized) intercept by centering `X` and `y` on their column means.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// Validate.
    ///
    /// # Errors
    /// [`BaselineError::InvalidAlpha`] if `alpha` is not finite and strictly positive.
    pub fn check(&self) -> Result<RidgeValidParams, BaselineError> {
        check_alpha(self.alpha)?;
        Ok(RidgeValidParams {
            alpha: self.alpha,
            fit_intercept: self.fit_intercept,
        })
    }
}

/// Validated [`RidgeParams`]; call [`RidgeValidParams::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeValidParams {
    pub(crate) alpha: f64,
    pub(crate) fit_intercept: bool,
}

impl RidgeValidParams {
    /// The penalty.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Whether an intercept is fitted.
    pub fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }
}

/// How [`RidgeCvValidParams::fit`](super::RidgeCvValidParams::fit) solves the per-fold problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RidgeCvSolver {
    /// One symmetric eigendecomposition (`dsyevd`) of the fold's `Xc^T Xc` reused for every alpha.
    #[default]
    Eigen,
    /// One Cholesky solve (`dposv`) per fold and alpha, like scikit-learn's `cholesky` solver.
    Cholesky,
}

/// How [`RidgeCvValidParams::fit`](super::RidgeCvValidParams::fit) scores each alpha: the
/// scikit-learn the paper ran (2018, the `fetch_mldata` era) or today's. On the paper's data all
/// variants choose alpha = 75 (Figure 3), so the figures do not depend on this choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RidgeCvScoring {
    /// scikit-learn <= 0.21: each held-out fold scored by `Ridge.score`, i.e. R^2 with
    /// `multioutput='variance_weighted'` ([`r2_score_variance_weighted`](super::r2_score_variance_weighted)),
    /// and the fold scores averaged with weights equal to the fold sizes (`GridSearchCV(iid=True)`,
    /// the default then).
    #[default]
    PaperEra,
    /// scikit-learn >= 0.24: R^2 with `multioutput='uniform_average'`
    /// ([`r2_score`](super::r2_score)), plain mean over folds.
    Modern,
}

/// Builder for ridge with alpha chosen by K-fold cross-validation, mirroring
/// `GridSearchCV(Ridge(fit_intercept), {'alpha': alphas}, cv=folds)` followed by its refit.
///
/// Defaults: `alphas = PAPER_ALPHA_GRID`, `folds = 3`, `fit_intercept = true`,
/// `solver = RidgeCvSolver::Eigen`, `scoring = RidgeCvScoring::PaperEra`.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeCvParams {
    alphas: Vec<f64>,
    folds: usize,
    fit_intercept: bool,
    solver: RidgeCvSolver,
    scoring: RidgeCvScoring,
}

impl Default for RidgeCvParams {
    fn default() -> Self {
        Self {
            alphas: PAPER_ALPHA_GRID.to_vec(),
            folds: 3,
            fit_intercept: true,
            solver: RidgeCvSolver::default(),
            scoring: RidgeCvScoring::default(),
        }
    }
}

impl RidgeCvParams {
    /// The defaults (paper grid, 3 folds, with intercept, paper-era scoring).
    pub fn new() -> Self {
        Self::default()
    }

    /// The grid of penalties, searched in this order (ties go to the earlier one).
    pub fn alphas(mut self, alphas: Vec<f64>) -> Self {
        self.alphas = alphas;
        self
    }

    /// Number of contiguous, unshuffled folds (scikit-learn `KFold(folds)`).
    pub fn folds(mut self, folds: usize) -> Self {
        self.folds = folds;
        self
    }

    /// Whether to fit an intercept (see [`RidgeParams::fit_intercept`]).
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// The per-fold solver (results agree to rounding; see [`RidgeCvSolver`]).
    pub fn solver(mut self, solver: RidgeCvSolver) -> Self {
        self.solver = solver;
        self
    }

    /// How each alpha is scored (see [`RidgeCvScoring`]).
    pub fn scoring(mut self, scoring: RidgeCvScoring) -> Self {
        self.scoring = scoring;
        self
    }

    /// Validate. The upper bound on `folds` depends on the number of samples and is checked by
    /// `fit`.
    ///
    /// # Errors
    /// [`BaselineError::EmptyGrid`], [`BaselineError::InvalidAlpha`] for any non-finite or
    /// non-positive grid value, [`BaselineError::InvalidFolds`] if `folds < 2`.
    pub fn check(&self) -> Result<RidgeCvValidParams, BaselineError> {
        if self.alphas.is_empty() {
            return Err(BaselineError::EmptyGrid);
        }
        for &a in &self.alphas {
            check_alpha(a)?;
        }
        if self.folds < 2 {
            return Err(BaselineError::InvalidFolds {
                folds: self.folds,
                n_samples: 0,
                max_folds: 0,
            });
        }
        Ok(RidgeCvValidParams {
            alphas: self.alphas.clone(),
            folds: self.folds,
            fit_intercept: self.fit_intercept,
            solver: self.solver,
            scoring: self.scoring,
        })
    }
}

/// Validated [`RidgeCvParams`]; call [`RidgeCvValidParams::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeCvValidParams {
    pub(crate) alphas: Vec<f64>,
    pub(crate) folds: usize,
    pub(crate) fit_intercept: bool,
    pub(crate) solver: RidgeCvSolver,
    pub(crate) scoring: RidgeCvScoring,
}

impl RidgeCvValidParams {
    /// The grid.
    pub fn alphas(&self) -> &[f64] {
        &self.alphas
    }

    /// The number of folds.
    pub fn folds(&self) -> usize {
        self.folds
    }

    /// Whether an intercept is fitted.
    pub fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }

    /// The per-fold solver.
    pub fn solver(&self) -> RidgeCvSolver {
        self.solver
    }

    /// How each alpha is scored.
    pub fn scoring(&self) -> RidgeCvScoring {
        self.scoring
    }
}

fn check_alpha(alpha: f64) -> Result<(), BaselineError> {
    if alpha.is_finite() && alpha > 0.0 {
        Ok(())
    } else {
        Err(BaselineError::InvalidAlpha(alpha))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_carries_every_setting_to_the_valid_params() {
        let v = RidgeParams::new()
            .alpha(0.25)
            .fit_intercept(false)
            .check()
            .unwrap();
        assert_eq!((v.alpha(), v.fit_intercept()), (0.25, false));
        let v = RidgeParams::new().alpha(4.0).check().unwrap();
        assert_eq!((v.alpha(), v.fit_intercept()), (4.0, true));

        // Every setter off its default, so that a setter or getter that loses its value fails.
        let v = RidgeCvParams::new()
            .alphas(vec![0.5, 3.0])
            .folds(2)
            .fit_intercept(false)
            .solver(RidgeCvSolver::Cholesky)
            .scoring(RidgeCvScoring::Modern)
            .check()
            .unwrap();
        assert_eq!(v.alphas(), &[0.5, 3.0]);
        assert_eq!(v.folds(), 2, "two folds is the smallest valid choice");
        assert!(!v.fit_intercept());
        assert_eq!(v.solver(), RidgeCvSolver::Cholesky);
        assert_eq!(v.scoring(), RidgeCvScoring::Modern);
        let defaults = RidgeCvParams::new().check().unwrap();
        assert!(defaults.fit_intercept());
        assert_eq!(defaults.alphas(), PAPER_ALPHA_GRID);
        assert!(RidgeCvParams::new().folds(1).check().is_err());
    }
}
