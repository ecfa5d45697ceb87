//! Optimizers: keras' Adamax as a burn [`Optimizer`], burn's Adam with keras' epsilon, both
//! with optional coupled weight decay; and the learning-rate schedule of a fit ([`LrControl`]).

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::prelude::*;
use burn::tensor::DType;

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
        if tensor.device() == Device::flex() && tensor.dtype() == DType::F32 {
            self.step_host(lr, (tensor, grad, state))
        } else {
            self.step_tensor(lr, (tensor, grad, state))
        }
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}

/// A parameter, its gradient and its Adamax state before a step.
type StepInput<const D: usize> = (Tensor<D>, Tensor<D>, Option<AdaptiveMomentumState<D>>);
/// The parameter and its Adamax state after a step.
type StepOutput<const D: usize> = (Tensor<D>, Option<AdaptiveMomentumState<D>>);

impl Adamax {
    /// [`Optimizer::step`] in tensor operations (any backend).
    fn step_tensor<const D: usize>(&self, lr: LearningRate, step: StepInput<D>) -> StepOutput<D> {
        let (tensor, grad, state) = step;
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

    /// [`Optimizer::step`] on the CPU (flex) backend, whose tensors live in host memory: one pass
    /// over the parameter, its gradient and both moments instead of a dozen elementwise tensor
    /// operations. Every entry goes through the same f32 operations in the same order as the
    /// tensor form (no fused multiply-add), so the results are identical bit for bit.
    fn step_host<const D: usize>(&self, lr: LearningRate, step: StepInput<D>) -> StepOutput<D> {
        let (tensor, grad, state) = step;
        let device = tensor.device();
        let (b1, b2, eps, wd) = (self.beta_1, self.beta_2, self.epsilon, self.weight_decay);
        let one_minus_b1 = 1.0 - b1;
        let mut p = tensor.into_data();
        let g = grad.into_data();
        let first = state.is_none();
        let (time, mut m, mut u) = match state {
            Some(s) => (s.time + 1, s.moment_1.into_data(), s.moment_2.into_data()),
            // Overwritten below: m = (1 - beta_1) g, u = |g| (their products with 0 skipped).
            None => (1, g.clone(), g.clone()),
        };
        // As `mul_scalar` converts its f64 scalar for an f32 tensor.
        let step_size = (lr / (1.0 - (b1 as f64).powi(time as i32))) as f32;
        let slices = (
            p.as_mut_slice::<f32>(),
            g.as_slice::<f32>(),
            m.as_mut_slice::<f32>(),
            u.as_mut_slice::<f32>(),
        );
        let (Ok(p_s), Ok(g_s), Ok(m_s), Ok(u_s)) = slices else {
            unreachable!("f32 tensors of the CPU backend read as f32 host slices")
        };
        for (((p, &g), m), u) in p_s.iter_mut().zip(g_s).zip(m_s).zip(u_s) {
            // The tensor form's `tensor * weight_decay + grad`.
            let g = if wd > 0.0 { *p * wd + g } else { g };
            if first {
                *m = g * one_minus_b1;
                *u = g.abs();
            } else {
                *m = *m * b1 + g * one_minus_b1;
                // `max_pair`: the second operand where the first is lower.
                let (decayed, abs) = (*u * b2, g.abs());
                *u = if decayed < abs { abs } else { decayed };
            }
            *p -= *m / (*u + eps) * step_size;
        }
        let state = AdaptiveMomentumState::new(
            time,
            Tensor::from_data(m, &device),
            Tensor::from_data(u, &device),
        );
        (Tensor::from_data(p, &device), Some(state))
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

    /// The host step of Adamax equals the tensor form bit for bit, step after step, with and
    /// without weight decay (gradients of mixed sign and size, some exactly 0, so that both
    /// branches of the infinity norm's maximum are taken).
    #[test]
    fn adamax_on_the_host_equals_the_tensor_form_bit_for_bit() {
        let dev = Device::flex();
        let n = 1000;
        let values = |seed: u32, scale: f32| -> Tensor<2> {
            let v: Vec<f32> = (0..n as u32)
                .map(|i| {
                    let x = (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)) % 2001;
                    if x.is_multiple_of(7) {
                        0.0
                    } else {
                        (x as f32 - 1000.0) / 1000.0 * scale
                    }
                })
                .collect();
            Tensor::from_data(TensorData::new(v, [n / 10, 10]), &dev)
        };
        let bits = |t: &Tensor<2>| -> Vec<u32> {
            let v = t.clone().into_data().try_to_vec::<f32>().unwrap();
            v.into_iter().map(f32::to_bits).collect()
        };
        for wd in [0.0f32, 0.1] {
            let opt = Adamax {
                weight_decay: wd,
                ..Adamax::default()
            };
            let (mut p_host, mut p_tensor) = (values(1, 1.0), values(1, 1.0));
            let (mut s_host, mut s_tensor) = (None, None);
            for step in 0..6u32 {
                let scale = [1.0, 1e-3, 5.0][step as usize % 3];
                let g = values(step + 2, scale);
                let lr = 0.002 * f64::from(step + 1);
                (p_host, s_host) = opt.step_host(lr, (p_host, g.clone(), s_host));
                (p_tensor, s_tensor) = opt.step_tensor(lr, (p_tensor, g, s_tensor));
                assert_eq!(
                    bits(&p_host),
                    bits(&p_tensor),
                    "wd {wd}, step {step}: parameter"
                );
                let (h, t) = (s_host.clone().unwrap(), s_tensor.clone().unwrap());
                assert_eq!(h.time, t.time);
                assert_eq!(
                    bits(&h.moment_1),
                    bits(&t.moment_1),
                    "wd {wd}, step {step}: m"
                );
                assert_eq!(
                    bits(&h.moment_2),
                    bits(&t.moment_2),
                    "wd {wd}, step {step}: u"
                );
            }
            // The steps moved the parameter (so equality above is not that of two no-ops).
            assert_ne!(bits(&p_host), bits(&values(1, 1.0)));
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
