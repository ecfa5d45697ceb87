//! Ridge regression and its cross-validation against scikit-learn.
//!
//! Expected values were generated once with scikit-learn 1.9.1 / NumPy 2.4.6 (throwaway venv) by
//!
//! ```python
//! grid = [1e-6, 1e-5, ..., 1000.]        # PAPER_ALPHA_GRID
//! n, D = 60, 5
//! X = np.array([[np.sin(0.7*(i+1)*(j+1) + 0.3*j) + 0.1*np.cos(1.3*i) for j in range(D)]
//!               for i in range(n)])
//! w1 = np.array([1.0, -2.0, 0.5, 0.0, 3.0]); w2 = np.array([0.3, 0.3, -1.0, 2.0, 0.0])
//! e1 = np.array([4.0*np.sin(2.1*i*i + 0.5) for i in range(n)])
//! e2 = np.array([3.0*np.cos(1.7*i*i + 0.2) for i in range(n)])
//! Y = np.stack([X@w1 + 5 + e1, X@w2 - 1 + e2], axis=1)
//! gs = GridSearchCV(Ridge(), {'alpha': grid}, cv=3).fit(X, Y)
//! # gs.best_params_, gs.cv_results_['mean_test_score'], gs.best_estimator_.coef_.T / intercept_
//! r = Ridge(alpha=1.0).fit(X, Y)          # coef_.T, intercept_, r.score(X, Y)
//! [(t[0], t[-1]) for _, t in KFold(3).split(np.zeros(10))]   # and 11
//! Ridge(alpha=1.0).fit([[1,0],[0,1],[1,1],[0,0]], [1,2,4,0])   # hand example
//! r2_score([[1,2],[1,3],[1,4]], [[1,2.5],[1,3],[1,3.5]])      # and with 1.1 in row 0
//! ```

mod common;

use baselines::ridge::{kfold_ranges, r2_score, r2_score_variance_weighted, RidgeCvSolver};
use baselines::{BaselineError, RidgeCvParams, RidgeCvScoring, RidgeParams, PAPER_ALPHA_GRID};
use nalgebra::{DMatrix, DVector};

fn synthetic() -> (DMatrix<f64>, DMatrix<f64>) {
    let (n, d) = (60, 5);
    let x = DMatrix::from_fn(n, d, |i, j| {
        (0.7 * ((i + 1) * (j + 1)) as f64 + 0.3 * j as f64).sin() + 0.1 * (1.3 * i as f64).cos()
    });
    let w1 = DVector::from_vec(vec![1.0, -2.0, 0.5, 0.0, 3.0]);
    let w2 = DVector::from_vec(vec![0.3, 0.3, -1.0, 2.0, 0.0]);
    let xw1 = &x * &w1;
    let xw2 = &x * &w2;
    let y = DMatrix::from_fn(n, 2, |i, c| {
        let fi = i as f64;
        if c == 0 {
            xw1[i] + 5.0 + 4.0 * (2.1 * fi * fi + 0.5).sin()
        } else {
            xw2[i] - 1.0 + 3.0 * (1.7 * fi * fi + 0.2).cos()
        }
    });
    (x, y)
}

/// scikit-learn's `cv_results_['mean_test_score']` on [`synthetic`], in grid order.
const SKLEARN_MEAN_TEST_SCORES: [f64; 22] = [
    0.2821650365744896,
    0.28216589820467647,
    0.28217451368872243,
    0.28226058681256716,
    0.283113211792197,
    0.29088974370289855,
    0.3013385747398569,
    0.313825820213947,
    0.3223134910620669,
    0.3282848528809713,
    0.3426234750512925,
    0.3457977387179068,
    0.34331017498878186,
    0.33840382974595923,
    0.29316008147787903,
    0.22440190737177412,
    0.17691086178847573,
    0.1436518831468445,
    0.057142357322506034,
    0.016925107846339587,
    0.001773701240469457,
    -0.006172341986922347,
];

/// The refitted best estimator (alpha = 5): `coef_.T` (5 x 2, row-major here) and `intercept_`.
const SKLEARN_BEST_COEF: [[f64; 2]; 5] = [
    [1.2149513493189916, -0.19262904087756583],
    [-2.004731287186588, 1.0600379755443607],
    [0.5711938250361024, -0.6155130020578583],
    [0.7011934454600535, 1.6899400462869483],
    [2.3417801746638442, 0.013929475106253931],
];
const SKLEARN_BEST_INTERCEPT: [f64; 2] = [5.1633749737118535, -0.8446198276312463];

/// `Ridge(alpha=1.0)` on [`synthetic`].
const SKLEARN_ALPHA1_COEF: [[f64; 2]; 5] = [
    [1.360277052498087, -0.21582382572447262],
    [-2.25033065620913, 1.1922741036073925],
    [0.6575479228306065, -0.6912635552545382],
    [0.303031804742708, 2.2876002466289527],
    [2.955349549492234, -0.4508203853644809],
];
const SKLEARN_ALPHA1_INTERCEPT: [f64; 2] = [5.168221043728893, -0.8463285304293435];
const SKLEARN_ALPHA1_TRAIN_R2: f64 = 0.5175271006831434;

/// `params`, checked, fitted on `x -> y`.
fn fit_ridge(params: RidgeParams, x: &DMatrix<f64>, y: &DMatrix<f64>) -> baselines::RidgeModel {
    params.check().unwrap().fit(x, y).unwrap()
}

fn close(a: f64, b: f64, rtol: f64) -> bool {
    (a - b).abs() <= rtol * b.abs().max(1e-300)
}

#[test]
fn ridge_matches_a_hand_solved_two_feature_example() {
    // Xc = [[.5,-.5],[-.5,.5],[.5,.5],[-.5,-.5]] so Xc^T Xc = I; Xc^T yc = (1.5, 2.5);
    // alpha = 1: w = (1.5, 2.5) / 2, b = 1.75 - 0.5 * (0.75 + 1.25) = 0.75.
    let x = DMatrix::from_row_slice(4, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
    let y = DMatrix::from_column_slice(4, 1, &[1.0, 2.0, 4.0, 0.0]);
    let model = fit_ridge(RidgeParams::new().alpha(1.0), &x, &y);
    assert_eq!(model.coef.shape(), (2, 1));
    assert!((model.coef[(0, 0)] - 0.75).abs() < 1e-14);
    assert!((model.coef[(1, 0)] - 1.25).abs() < 1e-14);
    assert!((model.intercept[0] - 0.75).abs() < 1e-14);
    let pred = model.predict(&x).unwrap();
    let expected = [1.5, 2.0, 2.75, 0.75];
    for (p, e) in pred.iter().zip(expected) {
        assert!((p - e).abs() < 1e-14);
    }

    // Without intercept: (X^T X + I) w = X^T y with X^T X = [[2,1],[1,2]], X^T y = (5, 6):
    // [[3,1],[1,3]] w = (5, 6) -> w = (9/8, 13/8).
    let model = fit_ridge(RidgeParams::new().alpha(1.0).fit_intercept(false), &x, &y);
    assert!((model.coef[(0, 0)] - 9.0 / 8.0).abs() < 1e-14);
    assert!((model.coef[(1, 0)] - 13.0 / 8.0).abs() < 1e-14);
    assert_eq!(model.intercept[0], 0.0);
}

/// Two identical features and an alpha far below the rounding of `X^T X` (= [[14, 14], [14, 14]]):
/// Cholesky breaks down, and the eigendecomposition fallback gives the minimum-norm solution,
/// the weight shared equally (w = (1, 1) for y = 2 x).
#[test]
fn a_singular_system_falls_back_to_the_minimum_norm_solution() {
    let x = DMatrix::from_column_slice(3, 2, &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    let y = DMatrix::from_column_slice(3, 1, &[2.0, 4.0, 6.0]);
    let model = fit_ridge(
        RidgeParams::new().alpha(1e-300).fit_intercept(false),
        &x,
        &y,
    );
    for w in model.coef.iter() {
        assert!((w - 1.0).abs() < 1e-12, "{}", model.coef);
    }
    let pred = model.predict(&x).unwrap();
    for (p, t) in pred.iter().zip(y.iter()) {
        assert!((p - t).abs() < 1e-12, "{pred}");
    }
}

#[test]
fn ridge_fit_matches_sklearn() {
    let (x, y) = synthetic();
    let model = fit_ridge(RidgeParams::new().alpha(1.0), &x, &y);
    for (i, row) in SKLEARN_ALPHA1_COEF.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            assert!(close(model.coef[(i, c)], v, 1e-10), "coef[{i},{c}]");
        }
    }
    for (c, &v) in SKLEARN_ALPHA1_INTERCEPT.iter().enumerate() {
        assert!(close(model.intercept[c], v, 1e-10));
    }
    let r2 = r2_score(&y, &model.predict(&x).unwrap()).unwrap();
    assert!(close(r2, SKLEARN_ALPHA1_TRAIN_R2, 1e-10), "{r2}");
}

#[test]
fn ridge_cv_matches_sklearn_grid_search_with_both_solvers() {
    let (x, y) = synthetic();
    for solver in [RidgeCvSolver::Eigen, RidgeCvSolver::Cholesky] {
        let fit = RidgeCvParams::new()
            .solver(solver)
            .scoring(RidgeCvScoring::Modern)
            .check()
            .unwrap()
            .fit(&x, &y)
            .unwrap();
        assert_eq!(fit.model.alpha, 5.0, "{solver:?} picked the wrong alpha");
        assert_eq!(fit.cv_scores.len(), PAPER_ALPHA_GRID.len());
        for ((a, s), (&ga, &gs)) in fit
            .cv_scores
            .iter()
            .zip(PAPER_ALPHA_GRID.iter().zip(&SKLEARN_MEAN_TEST_SCORES))
        {
            assert_eq!(*a, ga);
            assert!(close(*s, gs, 1e-9), "{solver:?} alpha {a}: {s} vs {gs}");
        }
        for (i, row) in SKLEARN_BEST_COEF.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                assert!(close(fit.model.coef[(i, c)], v, 1e-10));
            }
        }
        for (c, &v) in SKLEARN_BEST_INTERCEPT.iter().enumerate() {
            assert!(close(fit.model.intercept[c], v, 1e-10));
        }
    }
}

/// Both CV scorings on the first 58 rows of [`synthetic`] (held-out folds of 20, 19, 19 rows, so
/// the fold-size weights matter), computed independently with NumPy 2.x (closed-form ridge on
/// centered data, per-fold R^2 by hand):
///
/// ```python
/// # X, Y, grid as in the module docs; Xa, Ya = X[:58], Y[:58]
/// def folds(m, k):  # KFold(k) without shuffling
///     sizes = [m // k + (f < m % k) for f in range(k)]; s = np.cumsum([0] + sizes)
///     return [np.arange(s[f], s[f + 1]) for f in range(k)]
/// def ridge(Xt, Yt, a):
///     xm, ym = Xt.mean(0), Yt.mean(0); Xc, Yc = Xt - xm, Yt - ym
///     W = np.linalg.solve(Xc.T @ Xc + a * np.eye(Xt.shape[1]), Xc.T @ Yc); return W, ym - xm @ W
/// def r2(yt, yp, weighted):
///     res = ((yt - yp) ** 2).sum(0); tot = ((yt - yt.mean(0)) ** 2).sum(0); s = 1 - res / tot
///     return np.average(s, weights=tot) if weighted else s.mean()
/// def cv(Xa, Ya, k, paper):
///     out = []
///     for a in grid:
///         sc, cnt = [], []
///         for te in folds(len(Xa), k):
///             tr = np.setdiff1d(np.arange(len(Xa)), te); W, b = ridge(Xa[tr], Ya[tr], a)
///             sc.append(r2(Ya[te], Xa[te] @ W + b, paper)); cnt.append(len(te))
///         out.append(np.average(sc, weights=cnt) if paper else np.mean(sc))
///     return np.array(out)
/// cv(Xa, Ya, 3, True), cv(Xa, Ya, 3, False)   # cv(X, Y, 3, False) reproduces SKLEARN_MEAN_TEST_SCORES
/// ```
const NUMPY_PAPER_ERA_SCORES_58: [f64; 22] = [
    0.2969506298518698,
    0.29695150913933077,
    0.296960301228959,
    0.2970481436893586,
    0.2979187863507819,
    0.30590445811157074,
    0.31679005543919964,
    0.3301410054480587,
    0.3395557900336517,
    0.3464530906586144,
    0.3653806491688525,
    0.3726559107502629,
    0.3717267392228005,
    0.3670946383690058,
    0.3167137547654856,
    0.24007473025478726,
    0.18812572574322042,
    0.1521606857864907,
    0.05995654757808472,
    0.0176608035106668,
    0.00180942612444156,
    -0.00648637815598141,
];
const NUMPY_MODERN_SCORES_58: [f64; 22] = [
    0.261898359091318,
    0.26189925662875285,
    0.2619082311683106,
    0.26199789315191846,
    0.26288623830011815,
    0.2710041627508865,
    0.2819669493992943,
    0.2951936102538897,
    0.30431309681471025,
    0.3108368243850726,
    0.3275081713174948,
    0.33271185192938996,
    0.3311591092250285,
    0.326643248736801,
    0.28090115236249785,
    0.211411982631616,
    0.16405373820715222,
    0.13116732066845652,
    0.04656031097646276,
    0.007633481874046,
    -0.00697115395735835,
    -0.01461768687191626,
];

#[test]
fn ridge_cv_scores_match_numpy_for_the_paper_era_default_and_the_modern_option() {
    let (x, y) = synthetic();
    let (x, y) = (x.rows(0, 58).into_owned(), y.rows(0, 58).into_owned());
    let cases = [
        (RidgeCvParams::new(), NUMPY_PAPER_ERA_SCORES_58),
        (
            RidgeCvParams::new().scoring(RidgeCvScoring::PaperEra),
            NUMPY_PAPER_ERA_SCORES_58,
        ),
        (
            RidgeCvParams::new().scoring(RidgeCvScoring::Modern),
            NUMPY_MODERN_SCORES_58,
        ),
    ];
    for (params, want) in cases {
        for solver in [RidgeCvSolver::Eigen, RidgeCvSolver::Cholesky] {
            let fit = params
                .clone()
                .solver(solver)
                .check()
                .unwrap()
                .fit(&x, &y)
                .unwrap();
            for ((a, s), w) in fit.cv_scores.iter().zip(&want) {
                assert!(
                    close(*s, *w, 1e-9),
                    "{params:?} {solver:?} alpha {a}: {s} vs {w}"
                );
            }
            assert_eq!(fit.model.alpha, 5.0);
        }
    }
}

#[test]
fn variance_weighted_r2_weighs_columns_by_their_spread() {
    // Columns with SS_tot 2 and 8 and R^2 0.75 and 0.5: (2 * 0.75 + 8 * 0.5) / 10 = 0.55, where
    // the uniform mean gives 0.625.
    let t = DMatrix::from_row_slice(3, 2, &[2.0, 2.0, 3.0, 4.0, 4.0, 6.0]);
    let p = DMatrix::from_row_slice(3, 2, &[2.5, 2.0, 3.0, 6.0, 3.5, 6.0]);
    assert_eq!(r2_score_variance_weighted(&t, &p).unwrap(), 0.55);
    assert_eq!(r2_score(&t, &p).unwrap(), 0.625);
    // Every column constant: 1 when predicted exactly, else 0.
    let c = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 1.0, 2.0]);
    assert_eq!(r2_score_variance_weighted(&c, &c).unwrap(), 1.0);
    let mut off = c.clone();
    off[(1, 1)] = 2.5;
    assert_eq!(r2_score_variance_weighted(&c, &off).unwrap(), 0.0);
    assert!(
        r2_score_variance_weighted(&c.rows(0, 1).into_owned(), &c.rows(0, 1).into_owned())
            .unwrap()
            .is_nan()
    );
    assert!(matches!(
        r2_score_variance_weighted(&c, &DMatrix::zeros(2, 3)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
}

#[test]
fn ridge_cv_recovers_a_noiseless_linear_map_with_the_smallest_alpha() {
    // No noise: less shrinkage is always better, so the first grid value must win.
    let (x, _) = synthetic();
    let w = DMatrix::from_row_slice(5, 1, &[1.0, -2.0, 0.5, 0.25, 3.0]);
    let y = &x * &w;
    let fit = RidgeCvParams::new().check().unwrap().fit(&x, &y).unwrap();
    assert_eq!(fit.model.alpha, 1e-6);
    assert!((fit.model.coef.clone() - w).amax() < 1e-5);
}

#[test]
fn kfold_sizes_match_sklearn() {
    // KFold(3).split(range(10)) tests: 0..=3, 4..=6, 7..=9; range(11): 0..=3, 4..=7, 8..=10.
    assert_eq!(kfold_ranges(10, 3).unwrap(), vec![0..4, 4..7, 7..10]);
    assert_eq!(kfold_ranges(11, 3).unwrap(), vec![0..4, 4..8, 8..11]);
    assert_eq!(kfold_ranges(9, 3).unwrap(), vec![0..3, 3..6, 6..9]);
    assert!(matches!(
        kfold_ranges(10, 6),
        Err(BaselineError::InvalidFolds {
            folds: 6,
            n_samples: 10,
            max_folds: 5
        })
    ));
    assert!(matches!(
        kfold_ranges(10, 1),
        Err(BaselineError::InvalidFolds { .. })
    ));
}

#[test]
fn r2_scores_follow_sklearn_including_constant_columns() {
    let t = DMatrix::from_row_slice(3, 2, &[1.0, 2.0, 1.0, 3.0, 1.0, 4.0]);
    let p = DMatrix::from_row_slice(3, 2, &[1.0, 2.5, 1.0, 3.0, 1.0, 3.5]);
    // Constant column predicted exactly scores 1, the other 1 - 0.5/2 = 0.75.
    assert_eq!(r2_score(&t, &p).unwrap(), 0.875);
    let mut p2 = p.clone();
    p2[(0, 0)] = 1.1; // constant column predicted with error scores 0
    assert_eq!(r2_score(&t, &p2).unwrap(), 0.375);
    // Variance-weighted: the constant column has weight SS_tot = 0, with or without an error.
    assert_eq!(r2_score_variance_weighted(&t, &p).unwrap(), 0.75);
    assert_eq!(r2_score_variance_weighted(&t, &p2).unwrap(), 0.75);
    assert!(
        r2_score(&t.rows(0, 1).into_owned(), &p.rows(0, 1).into_owned())
            .unwrap()
            .is_nan()
    );
}

#[test]
fn ridge_parameter_and_input_errors() {
    assert!(matches!(
        RidgeParams::new().alpha(0.0).check(),
        Err(BaselineError::InvalidAlpha(_))
    ));
    assert!(matches!(
        RidgeParams::new().alpha(f64::NAN).check(),
        Err(BaselineError::InvalidAlpha(_))
    ));
    assert!(matches!(
        RidgeCvParams::new().alphas(vec![]).check(),
        Err(BaselineError::EmptyGrid)
    ));
    assert!(matches!(
        RidgeCvParams::new().alphas(vec![1.0, -1.0]).check(),
        Err(BaselineError::InvalidAlpha(_))
    ));
    assert!(matches!(
        RidgeCvParams::new().folds(1).check(),
        Err(BaselineError::InvalidFolds { folds: 1, .. })
    ));
    let (x, y) = synthetic();
    assert!(matches!(
        RidgeCvParams::new().folds(31).check().unwrap().fit(&x, &y),
        Err(BaselineError::InvalidFolds { folds: 31, .. })
    ));
    let params = RidgeParams::new().check().unwrap();
    assert!(matches!(
        params.fit(&x, &y.rows(0, 59).into_owned()),
        Err(BaselineError::ShapeMismatch { .. })
    ));
    let mut bad = x.clone();
    bad[(3, 2)] = f64::INFINITY;
    assert!(matches!(
        params.fit(&bad, &y),
        Err(BaselineError::NonFinite { row: 3, col: 2, .. })
    ));
    let model = params.fit(&x, &y).unwrap();
    assert!(matches!(
        model.predict(&DMatrix::zeros(3, 4)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
}

/// The boundaries of the fold and score checks: two folds, `n / 2` folds and two rows are valid.
#[test]
fn the_smallest_valid_folds_and_rows_are_accepted() {
    assert_eq!(kfold_ranges(4, 2).unwrap(), vec![0..2, 2..4]);
    assert_eq!(kfold_ranges(6, 3).unwrap(), vec![0..2, 2..4, 4..6]);
    assert!(kfold_ranges(6, 4).is_err());
    assert!(kfold_ranges(6, 1).is_err());
    let y = DMatrix::from_row_slice(2, 1, &[1.0, 3.0]);
    let pred = DMatrix::from_row_slice(2, 1, &[1.5, 2.5]);
    // 1 - (0.25 + 0.25) / (1 + 1)
    assert_eq!(r2_score(&y, &pred).unwrap(), 0.75);
}
