//! Ridge regression reproducing scikit-learn, with alpha chosen by K-fold CV (paper, Figure 3:
//! "ED + ridge" baseline).
//!
//! ```no_run
//! # use nalgebra::DMatrix;
//! # fn main() -> Result<(), baselines::BaselineError> {
//! # let x = DMatrix::<f64>::zeros(10, 2); let y = DMatrix::<f64>::zeros(10, 1);
//! use baselines::ridge::{RidgeCvParams, RidgeParams};
//! let cv = RidgeCvParams::new().check()?.fit(&x, &y)?; // paper grid, 3 folds
//! let model = RidgeParams::new().alpha(cv.model.alpha).check()?.fit(&x, &y)?;
//! let y_hat = model.predict(&x)?;
//! # Ok(()) }
//! ```

mod algorithms;
mod hyperparams;

pub use algorithms::{kfold_ranges, r2_score, r2_score_variance_weighted, RidgeCvFit, RidgeModel};
pub use hyperparams::{
    RidgeCvParams, RidgeCvScoring, RidgeCvSolver, RidgeCvValidParams, RidgeParams,
    RidgeValidParams, PAPER_ALPHA_GRID,
};
