//! Training one SimEc point and scoring its embedding: what Figures 3 and 4 do for every trained
//! task.

use anyhow::Result;
use nalgebra::DMatrix;

use super::sweep::{Computed, Step};
use crate::convert::from_simec;

/// A train / test split as a SimEc sees it, with the similarities its embeddings are scored
/// against.
pub struct ScoredSplit<'a> {
    /// Training features, `[m, p]` f32.
    pub x_train: &'a simec::Matrix,
    /// Test features, `[m_test, p]` f32.
    pub x_test: &'a simec::Matrix,
    /// The complete training similarity, `[m, m]`.
    pub s_train: &'a DMatrix<f64>,
    /// The complete test similarity, `[m_test, m_test]`.
    pub s_test: &'a DMatrix<f64>,
}

/// Trains `params` on `split.x_train -> targets` (with `s_ll` when given) on the step's device,
/// reporting each epoch to its progress, and returns `MSE(Y Y^T, S_train)` and
/// `MSE(Y_test Y_test^T, S_test)`, in that order.
///
/// # Errors
/// Model errors (shapes, divergence) and scoring errors.
pub fn fit_yyt_train_test<S>(
    params: &simec::SimecValidParams,
    split: &ScoredSplit<'_>,
    targets: &simec::Matrix,
    s_ll: Option<simec::SllTarget<'_>>,
    step: Step<'_, S>,
) -> Result<Computed> {
    let device = &step.ctx.device;
    let model = params.fit_with_callback(split.x_train, targets, s_ll, device, step.progress)?;
    let y_tr = from_simec(&model.transform(split.x_train)?); // [m, d]
    let y_te = from_simec(&model.transform(split.x_test)?); // [m_test, d]
    Ok(vec![
        baselines::mse_gram(&y_tr, split.s_train)?, // Y Y^T: [m, m]
        baselines::mse_gram(&y_te, split.s_test)?,  // [m_test, m_test]
    ]
    .into())
}
