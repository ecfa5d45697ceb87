//! Input validation and the training loop.

use std::time::Instant;

use burn::module::Param;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::activation;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::algorithms::{map_rows, Simec};
use crate::data::{
    batch_ranges, check_symmetric, epoch_order, scan, Batch, Matrix, SllPart, SllTarget,
    TargetMask, TrainData, ValidationSet,
};
use crate::error::SimecError;
use crate::hyperparams::{Activation, Loss, SimecValidParams};
use crate::model::SimecNet;
use crate::optim::{module_optimizer, LrControl};
use crate::regularizers::Penalty;
use crate::restore::{check_restore_target, BestEpoch};

/// Progress of one finished epoch, handed to the callback of
/// [`SimecValidParams::fit_with_callback`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// 1-based epoch just finished.
    pub epoch: usize,
    /// Total epochs.
    pub epochs: usize,
    /// Mean training loss of the epoch (batch losses weighted by batch size, penalties
    /// included), as keras reports it.
    pub loss: f64,
    /// The same mean of the data term alone (without the penalties); what a plateau
    /// [`crate::LrSchedule`] and [`crate::RestoreBest::TrainLoss`] watch. Equal to `loss`
    /// when all penalty strengths are 0.
    pub data_loss: f64,
    /// The learning rate of the epoch's steps ([`crate::SimecParams::learning_rate`] unless a
    /// [`crate::LrSchedule`] lowered it).
    pub learning_rate: f64,
    /// Wall-clock seconds of the epoch's training steps (without the validation pass).
    pub seconds: f64,
    /// Mean squared error of the predictions on the validation rows after this epoch, over
    /// their present (non-NaN) target entries; `None` without a validation set (see
    /// [`SimecValidParams::fit_with_validation`]).
    pub val_mse: Option<f64>,
}

/// Masked mean squared error of the paper's keras code: per row
/// `sum(mask o (t - p)^2) / max(sum(mask), 1)`, then the mean over the rows. Without a mask this
/// is the plain mean over all entries.
///
/// * `pred`, `targets`: `[b, K]`; targets at masked positions may hold any finite value.
pub fn data_loss(pred: Tensor<2>, targets: Tensor<2>, mask: Option<&TargetMask>) -> Tensor<1> {
    let diff = targets - pred; // [b, K]
    match mask {
        None => diff.square().mean(), // [1]
        Some(m) => {
            let per_row = (diff * m.mask.clone()).square().sum_dim(1); // [b, 1]
            (per_row * m.inv_counts.clone()).mean() // [1]
        }
    }
}

/// The mean of an elementwise loss `[b, K]` under the paper's masking: per row
/// `sum(mask o e) / max(sum(mask), 1)`, then the mean over the rows; without a mask the plain
/// mean.
pub fn masked_mean(elementwise: Tensor<2>, mask: Option<&TargetMask>) -> Tensor<1> {
    match mask {
        None => elementwise.mean(), // [1]
        Some(m) => {
            let per_row = (elementwise * m.mask.clone()).sum_dim(1); // [b, 1]
            (per_row * m.inv_counts.clone()).mean() // [1]
        }
    }
}

/// The masked data term of `loss` for the pre-activation outputs `logits = Y W_l` (`[b, K]`)
/// and the output activation `act`. [`Loss::Mse`] is exactly [`data_loss`] of
/// `act(logits)`; [`Loss::Mae`] is [`masked_mean`] of `|t - act(logits)|`;
/// [`Loss::BinaryCrossEntropy`] (sigmoid output) is [`masked_mean`] of
/// `max(z, 0) - t z + ln(1 + exp(-|z|))` with `z = logits`, the stable form of
/// `-(t ln p + (1 - t) ln(1 - p))`, `p = sigmoid(z)`.
pub fn loss_term(
    loss: Loss,
    logits: Tensor<2>,
    act: Activation,
    targets: Tensor<2>,
    mask: Option<&TargetMask>,
) -> Tensor<1> {
    match loss {
        Loss::Mse => data_loss(act.apply(logits), targets, mask),
        Loss::Mae => masked_mean((targets - act.apply(logits)).abs(), mask),
        Loss::BinaryCrossEntropy => {
            let z = logits; // [b, K]
            let softplus_neg_abs = z.clone().abs().neg().exp().log1p(); // [b, K]
            let e = activation::relu(z.clone()) - targets * z + softplus_neg_abs; // [b, K]
            masked_mean(e, mask)
        }
    }
}

/// The full loss of one batch with the MSE data term: data loss plus every penalty.
#[cfg(test)]
pub(crate) fn batch_loss(net: &SimecNet, batch: &Batch, penalty: &Penalty) -> Tensor<1> {
    match batch_loss_parts(net, Loss::Mse, batch, penalty).expect("penalty terms") {
        (loss, Some(p)) => loss + p,
        (loss, None) => loss,
    }
}

/// The `loss_kind` data term of one batch and the sum of the penalties (`None` when all
/// strengths are 0), each `[1]`.
fn batch_loss_parts(
    net: &SimecNet,
    loss_kind: Loss,
    batch: &Batch,
    penalty: &Penalty,
) -> Result<(Tensor<1>, Option<Tensor<1>>), SimecError> {
    let logits = net.logits(batch.x.clone()); // [b, K]
    let loss = loss_term(
        loss_kind,
        logits,
        net.output_activation,
        batch.targets.clone(),
        batch.mask.as_ref(),
    ); // [1]
    Ok((loss, penalty.total(net)?))
}

/// What validation learned about the input.
pub(crate) struct Checked {
    pub n_targets: usize,
    pub n_missing: usize,
}

/// Validates the training input against `params`; see [`SimecError`] for the cases.
pub(crate) fn validate(
    params: &SimecValidParams,
    x: &Matrix,
    targets: &Matrix,
    s_ll: Option<&SllTarget<'_>>,
) -> Result<Checked, SimecError> {
    if x.rows() == 0 || x.cols() == 0 {
        return Err(SimecError::Empty {
            what: "X",
            rows: x.rows(),
            cols: x.cols(),
        });
    }
    if targets.rows() != x.rows() {
        return Err(SimecError::RowMismatch {
            x_rows: x.rows(),
            target_rows: targets.rows(),
        });
    }
    if targets.cols() == 0 {
        return Err(SimecError::Empty {
            what: "targets",
            rows: targets.rows(),
            cols: 0,
        });
    }
    let k = params.n_slices();
    if !targets.cols().is_multiple_of(k) {
        return Err(SimecError::SliceMismatch {
            cols: targets.cols(),
            n_slices: k,
        });
    }
    let n = targets.cols() / k;
    if params.embedding_dim() > n {
        return Err(SimecError::EmbeddingTooLarge {
            embedding_dim: params.embedding_dim(),
            n_targets: n,
        });
    }
    scan(x, "X", false, false)?;
    let n_missing = scan(targets, "targets", true, params.allow_missing())?;
    check_loss_range(params.loss(), targets)?;
    if let Some(w) = params.fixed_last_layer() {
        if w.rows() != params.embedding_dim() || w.cols() != targets.cols() {
            return Err(SimecError::LastLayerShape {
                rows: w.rows(),
                cols: w.cols(),
                expected_rows: params.embedding_dim(),
                expected_cols: targets.cols(),
            });
        }
        scan(w, "the fixed last layer", false, false)?;
    }
    match s_ll {
        None if params.s_ll_reg() > 0.0 => {
            return Err(SimecError::SllMissing {
                s_ll_reg: params.s_ll_reg(),
            })
        }
        None => {}
        Some(target) => {
            if target.n_slices() != k {
                return Err(SimecError::SllSliceCount {
                    got: target.n_slices(),
                    expected: k,
                });
            }
            for (j, part) in target.as_slice().iter().enumerate() {
                let s = match part {
                    SllPart::Dense(s) => s,
                    SllPart::Factored(f) if f.n() == n => continue,
                    SllPart::Factored(f) => {
                        return Err(SimecError::SllFactorRows {
                            slice: j,
                            rows: f.n(),
                            n,
                        })
                    }
                };
                if s.rows() != n || s.cols() != n {
                    return Err(SimecError::SllShape {
                        slice: j,
                        rows: s.rows(),
                        cols: s.cols(),
                        n,
                    });
                }
                if params.s_ll_reg() > 0.0 {
                    scan(s, &format!("S_ll slice {j}"), true, params.allow_missing())?;
                    check_symmetric(s, j)?;
                }
            }
        }
    }
    Ok(Checked {
        n_targets: n,
        n_missing,
    })
}

/// Errors unless every present target lies in the range of `loss` (`[0, 1]` for BCE).
fn check_loss_range(loss: Loss, targets: &Matrix) -> Result<(), SimecError> {
    if loss != Loss::BinaryCrossEntropy {
        return Ok(());
    }
    let cols = targets.cols().max(1);
    match targets
        .data()
        .iter()
        .position(|v| !v.is_nan() && !(0.0..=1.0).contains(v))
    {
        None => Ok(()),
        Some(i) => Err(SimecError::TargetOutOfRange {
            row: i / cols,
            col: i % cols,
            value: targets.data()[i],
            min: 0.0,
            max: 1.0,
            loss: "bce",
        }),
    }
}

/// Validates a validation set against the training shapes.
fn validate_holdout(
    params: &SimecValidParams,
    input_dim: usize,
    n_outputs: usize,
    v: &ValidationSet<'_>,
) -> Result<(), SimecError> {
    let shape = |what, got, expected| SimecError::ValidationShape {
        what,
        got,
        expected,
    };
    if v.x.cols() != input_dim {
        return Err(shape("feature columns", v.x.cols(), input_dim));
    }
    if v.targets.rows() != v.x.rows() {
        return Err(shape(
            "target rows (= feature rows)",
            v.targets.rows(),
            v.x.rows(),
        ));
    }
    if v.targets.cols() != n_outputs {
        return Err(shape("target columns", v.targets.cols(), n_outputs));
    }
    scan(v.x, "validation X", false, false)?;
    scan(
        v.targets,
        "validation targets",
        true,
        params.allow_missing(),
    )?;
    Ok(())
}

/// Mean squared error over the present (non-NaN) entries of `targets`, in f64; `None` when no
/// entry is present.
pub(crate) fn present_mse(pred: &Matrix, targets: &Matrix) -> Option<f64> {
    let (mut sum, mut count) = (0.0f64, 0usize);
    for (p, t) in pred.data().iter().zip(targets.data()) {
        if !t.is_nan() {
            sum += (f64::from(*p) - f64::from(*t)).powi(2);
            count += 1;
        }
    }
    (count > 0).then(|| sum / count as f64)
}

/// One pass over the shuffled training rows at learning rate `lr`; returns the trained
/// network, the epoch's mean loss and its mean data term (see [`EpochReport`]).
#[allow(clippy::too_many_arguments)]
fn run_epoch(
    mut net: SimecNet,
    optim: &mut burn::optim::ModuleOptimizer,
    lr: f64,
    params: &SimecValidParams,
    data: &TrainData,
    penalty: &Penalty,
    rng: &mut StdRng,
    plain: &Device,
) -> Result<(SimecNet, f64, f64), SimecError> {
    let m = data.rows();
    let order = epoch_order(rng, m);
    let order = Tensor::<1, Int>::from_data(TensorData::new(order, [m]), plain); // [m]
    let mut loss_sum = Tensor::<1>::zeros([1], plain); // [1]
    let mut data_sum: Option<Tensor<1>> = None; // [1], only while a penalty is on
    for (s, e) in batch_ranges(m, params.batch_size()) {
        let idx = order.clone().narrow(0, s, e - s); // [b]
        let batch = data.batch(idx);
        let weight = (e - s) as f64;
        let loss = match batch_loss_parts(&net, params.loss(), &batch, penalty)? {
            (data_term, Some(p)) => {
                let part = data_term.clone().inner().mul_scalar(weight);
                data_sum = Some(match data_sum {
                    Some(sum) => sum + part,
                    None => part,
                });
                data_term + p
            }
            (data_term, None) => data_term,
        }; // [1]
        loss_sum = loss_sum + loss.clone().inner().mul_scalar(weight);
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optim.step(lr, net, grads);
    }
    let mean = |sum: Tensor<1>| -> Result<f64, SimecError> {
        let total = sum
            .try_into_scalar::<f32>()
            .map_err(|e| SimecError::Device(format!("{e:?}")))?;
        Ok(total as f64 / m as f64)
    };
    let loss = mean(loss_sum)?;
    let data_loss = match data_sum {
        Some(sum) => mean(sum)?,
        None => loss,
    };
    Ok((net, loss, data_loss))
}

/// Trains a network on validated input; see [`SimecValidParams::fit_with_validation`].
pub(crate) fn train(
    params: &SimecValidParams,
    x: &Matrix,
    targets: &Matrix,
    s_ll: Option<&SllTarget<'_>>,
    validation: Option<&ValidationSet<'_>>,
    device: &Device,
    callback: &mut dyn FnMut(EpochReport),
) -> Result<Simec, SimecError> {
    let checked = validate(params, x, targets, s_ll)?;
    if let Some(v) = validation {
        validate_holdout(params, x.cols(), targets.cols(), v)?;
    }
    check_restore_target(params, validation)?;
    let plain = device.clone().without_autodiff();
    let ad = device.clone().autodiff();
    let mut rng = StdRng::seed_from_u64(params.seed());

    let data = TrainData::upload(x, targets, checked.n_missing, &plain);
    let penalty = Penalty::new(params, checked.n_targets, s_ll, &ad);
    let mut net = SimecNet::init(params, x.cols(), checked.n_targets, &mut rng, &ad);
    if let Some(w) = params.fixed_last_layer() {
        // Not trained: no gradient is tracked, so the optimizer never sees it.
        let data = TensorData::new(w.data().to_vec(), [w.rows(), w.cols()]);
        net.last.weight = Param::from_data(data, &ad).set_require_grad(false);
    }
    let mut optim = module_optimizer(params.optimizer(), params.weight_decay());
    let mut lr = LrControl::new(params.lr_schedule(), params.learning_rate());
    let mut best = BestEpoch::new(params.restore_best());
    // The orthogonality penalty waits for orth_reg_start; otherwise one penalty throughout.
    let early_penalty = (params.orth_reg_start() > 0.0).then(|| penalty.without_orth());
    let mut history = Vec::with_capacity(params.epochs());

    for epoch in 1..=params.epochs() {
        let start = Instant::now();
        let penalty = match &early_penalty {
            Some(early) if !params.orth_reg_active(epoch) => early,
            _ => &penalty,
        };
        let learning_rate = lr.lr();
        let (trained, loss, data_loss) = run_epoch(
            net,
            &mut optim,
            learning_rate,
            params,
            &data,
            penalty,
            &mut rng,
            &plain,
        )?;
        net = trained;
        if !loss.is_finite() {
            return Err(SimecError::Diverged { epoch, loss });
        }
        let seconds = start.elapsed().as_secs_f64();
        let val_mse = match validation {
            Some(v) if v.x.rows() > 0 => {
                let valid_net = net.valid();
                let pred = map_rows(v.x, targets.cols(), &plain, |xb| valid_net.forward(xb))?;
                present_mse(&pred, v.targets)
            }
            _ => None,
        };
        let report = EpochReport {
            epoch,
            epochs: params.epochs(),
            loss,
            data_loss,
            learning_rate,
            seconds,
            val_mse,
        };
        lr.end_epoch(epoch, data_loss);
        best.observe(&report, &net);
        history.push(report);
        callback(report);
    }
    let (net, restored_epoch) = match best.kept {
        Some((epoch, kept)) => (kept, Some(epoch)),
        None => (net.valid(), None),
    };
    Ok(Simec::new(
        net,
        plain,
        params.clone(),
        x.cols(),
        checked.n_targets,
        history,
    )?
    .with_restored_epoch(restored_epoch))
}
