//! Optimizers: keras' Adamax as a burn [`Optimizer`], and burn's Adam with keras' epsilon.

use burn::optim::{AdamConfig, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::prelude::*;

use crate::hyperparams::OptimizerKind;

/// Adamax (Kingma & Ba 2015, section 7.1) exactly as keras 2 implements it:
///
/// ```text
/// t += 1
/// m = beta_1 m + (1 - beta_1) g
/// u = max(beta_2 u, |g|)
/// p -= lr / (1 - beta_1^t) * m / (u + epsilon)
/// ```
///
/// with `m = u = 0` before the first step. The per-parameter state reuses burn's
/// [`AdaptiveMomentumState`]: `moment_1` = m, `moment_2` = u, `time` = t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adamax {
    /// Decay of the first moment.
    pub beta_1: f32,
    /// Decay of the infinity norm.
    pub beta_2: f32,
    /// Added to the infinity norm.
    pub epsilon: f32,
}

impl Default for Adamax {
    /// keras' defaults: beta_1 0.9, beta_2 0.999, epsilon 1e-7.
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl Optimizer for Adamax {
    type State<const D: usize> = AdaptiveMomentumState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let (time, m, u) = match state {
            Some(s) => (
                s.time + 1,
                s.moment_1
                    .mul_scalar(self.beta_1)
                    .add(grad.clone().mul_scalar(1.0 - self.beta_1)),
                s.moment_2.mul_scalar(self.beta_2).max_pair(grad.abs()),
            ),
            // max(beta_2 * 0, |g|) = |g|
            None => (1, grad.clone().mul_scalar(1.0 - self.beta_1), grad.abs()),
        };
        let step_size = lr / (1.0 - (self.beta_1 as f64).powi(time as i32));
        let delta = m
            .clone()
            .div(u.clone().add_scalar(self.epsilon))
            .mul_scalar(step_size);
        (tensor - delta, Some(AdaptiveMomentumState::new(time, m, u)))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}

/// The whole-module optimizer for `kind`.
pub fn module_optimizer(kind: OptimizerKind) -> ModuleOptimizer {
    match kind {
        OptimizerKind::Adamax => ModuleOptimizer::from(Adamax::default()),
        OptimizerKind::Adam => AdamConfig::new()
            .with_beta_1(0.9)
            .with_beta_2(0.999)
            .with_epsilon(1e-7)
            .init(),
    }
}
