//! Optimizers: keras' Adamax as a burn [`Optimizer`], burn's Adam with keras' epsilon, both
//! with optional coupled weight decay; and the learning-rate schedule of a fit ([`LrControl`]).

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::prelude::*;

use crate::hyperparams::{LrSchedule, OptimizerKind, Plateau};

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
/// [`AdaptiveMomentumState`]: `moment_1` = m, `moment_2` = u, `time` = t. A `weight_decay`
/// above 0 first replaces `g` by `g + weight_decay * p` (torch's Adamax; keras' has none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adamax {
    /// Decay of the first moment.
    pub beta_1: f32,
    /// Decay of the infinity norm.
    pub beta_2: f32,
    /// Added to the infinity norm.
    pub epsilon: f32,
    /// Coupled weight decay (L2 added to the gradient); 0 = none.
    pub weight_decay: f32,
}

impl Default for Adamax {
    /// keras' defaults: beta_1 0.9, beta_2 0.999, epsilon 1e-7; no weight decay.
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
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
        let grad = if self.weight_decay > 0.0 {
            // The order of burn's `WeightDecay::transform`, so Adam and Adamax decay alike.
            tensor.clone().mul_scalar(self.weight_decay).add(grad)
        } else {
            grad
        };
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

/// The whole-module optimizer for `kind` with coupled `weight_decay` (0 = none; applied in
/// f32 to the gradient of every trained parameter).
pub fn module_optimizer(kind: OptimizerKind, weight_decay: f64) -> ModuleOptimizer {
    let wd = weight_decay as f32;
    match kind {
        OptimizerKind::Adamax => ModuleOptimizer::from(Adamax {
            weight_decay: wd,
            ..Adamax::default()
        }),
        OptimizerKind::Adam => AdamConfig::new()
            .with_beta_1(0.9)
            .with_beta_2(0.999)
            .with_epsilon(1e-7)
            .with_weight_decay((wd > 0.0).then(|| WeightDecayConfig::new(wd)))
            .init(),
    }
}

/// The learning rate of a fit, epoch by epoch, under its [`LrSchedule`].
#[derive(Debug, Clone, PartialEq)]
pub struct LrControl {
    schedule: LrSchedule,
    lr: f64,
    /// Lowest loss seen by a plateau schedule.
    best: f64,
    /// Epochs since `best` improved.
    bad_epochs: usize,
}

impl LrControl {
    /// The schedule starting at `learning_rate`.
    pub fn new(schedule: LrSchedule, learning_rate: f64) -> Self {
        Self {
            schedule,
            lr: learning_rate,
            best: f64::INFINITY,
            bad_epochs: 0,
        }
    }

    /// The learning rate of the current epoch.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Ends the 1-based `epoch` whose monitored loss (the mean training data loss) was `loss`;
    /// afterwards [`LrControl::lr`] is the next epoch's rate (see [`Plateau`] for the rule).
    pub fn end_epoch(&mut self, epoch: usize, loss: f64) {
        let LrSchedule::Plateau(p) = self.schedule else {
            return;
        };
        let Plateau {
            factor,
            patience,
            threshold,
            warmup,
            min_lr,
        } = p;
        if epoch <= warmup {
            return;
        }
        if loss < self.best * (1.0 - threshold) {
            self.best = loss;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.bad_epochs > patience {
            // As torch: the floor never raises the rate.
            self.lr = self.lr.min((self.lr * factor).max(min_lr));
            self.bad_epochs = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Param;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::GradientsParams;

    /// Two steps of `module_optimizer(kind, wd)` on a 1 x 1 weight `w` (initially 2) with the
    /// loss gradients 1 and then -3; returns the weight after each step.
    fn two_steps(kind: OptimizerKind, wd: f64, lr: f64) -> [f64; 2] {
        let dev = Device::flex().autodiff();
        let mut lin: Linear = LinearConfig::new(1, 1).with_bias(false).init(&dev);
        lin.weight = Param::from_data(TensorData::new(vec![2.0f32], [1, 1]), &dev);
        let mut optim = module_optimizer(kind, wd);
        let mut out = [0.0; 2];
        for (i, c) in [1.0f32, -3.0].into_iter().enumerate() {
            let loss = lin.weight.val().mul_scalar(c).sum(); // d/dw = c
            let grads = GradientsParams::from_grads(loss.backward(), &lin);
            lin = optim.step(lr, lin, grads);
            out[i] = lin.weight.val().into_scalar::<f32>() as f64;
        }
        out
    }

    /// The same two steps by hand, in f64: torch's coupled decay `g + wd w`, then Adam
    /// (Kingma & Ba, eps on the bias-corrected root) or keras' Adamax.
    fn by_hand(kind: OptimizerKind, wd: f64, lr: f64) -> [f64; 2] {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-7);
        let (mut w, mut m, mut v) = (2.0f64, 0.0, 0.0);
        let mut out = [0.0; 2];
        for (i, c) in [1.0f64, -3.0].into_iter().enumerate() {
            let t = (i + 1) as i32;
            let g = c + wd * w;
            m = b1 * m + (1.0 - b1) * g;
            w -= match kind {
                OptimizerKind::Adam => {
                    v = b2 * v + (1.0 - b2) * g * g;
                    let v_hat = v / (1.0 - b2.powi(t));
                    lr * (m / (1.0 - b1.powi(t))) / (v_hat.sqrt() + eps)
                }
                OptimizerKind::Adamax => {
                    v = (b2 * v).max(g.abs());
                    lr / (1.0 - b1.powi(t)) * m / (v + eps)
                }
            };
            out[i] = w;
        }
        out
    }

    #[test]
    fn weight_decay_matches_hand_computed_steps() {
        for kind in OptimizerKind::ALL {
            for wd in [0.0, 0.5] {
                let (got, want) = (two_steps(kind, wd, 0.1), by_hand(kind, wd, 0.1));
                for (g, w) in got.iter().zip(want) {
                    assert!((g - w).abs() < 1e-6, "{kind} wd {wd}: {got:?} vs {want:?}");
                }
            }
            // The decay moves the second step measurably, so the check above can fail.
            let (plain, decayed) = (by_hand(kind, 0.0, 0.1), by_hand(kind, 0.5, 0.1));
            assert!(
                (plain[1] - decayed[1]).abs() > 1e-3,
                "{kind}: {plain:?} {decayed:?}"
            );
        }
    }

    /// The rates of the epochs 1..=losses.len() for `losses`.
    fn rates(plateau: Plateau, losses: &[f64]) -> Vec<f64> {
        let mut c = LrControl::new(LrSchedule::Plateau(plateau), 1.0);
        losses
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let lr = c.lr();
                c.end_epoch(i + 1, l);
                lr
            })
            .collect()
    }

    #[test]
    fn plateau_lowers_the_rate_after_patience_epochs_without_improvement() {
        let p = Plateau {
            factor: 0.5,
            patience: 2,
            threshold: 0.0,
            warmup: 0,
            min_lr: 0.0,
        };
        // Improves in epochs 1-2, then 3 epochs without: lowered after the third (epoch 5).
        let lr = rates(p, &[5.0, 4.0, 4.0, 4.5, 4.0, 3.0, 3.0, 3.0, 3.0]);
        assert_eq!(lr, [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]);
        // Counting restarts after a reduction: 3 more bad epochs (6 improves, 7-9 do not).
        let lr = rates(p, &[5.0, 4.0, 4.0, 4.5, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0]);
        assert_eq!(lr[9], 0.25);
        // A relative threshold: 1% better is no improvement under threshold 0.05.
        let strict = Plateau {
            threshold: 0.05,
            patience: 0,
            ..p
        };
        assert_eq!(rates(strict, &[1.0, 0.99, 0.5]), [1.0, 1.0, 0.5]);
        // Warmup epochs are not seen; min_lr bounds the rate.
        let late = Plateau {
            warmup: 3,
            patience: 0,
            min_lr: 0.3,
            ..p
        };
        assert_eq!(
            rates(late, &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
            [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3]
        );
        // A floor above the current rate leaves the rate alone (it never raises it).
        let high_floor = Plateau {
            patience: 0,
            min_lr: 2.0,
            ..p
        };
        assert_eq!(rates(high_floor, &[1.0, 1.0, 1.0]), [1.0, 1.0, 1.0]);
        let mut constant = LrControl::new(LrSchedule::Constant, 0.01);
        for e in 1..10 {
            constant.end_epoch(e, 1.0);
        }
        assert_eq!(constant.lr(), 0.01);
    }
}
