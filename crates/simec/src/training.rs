//! Input validation and the training loop.

use std::time::Instant;

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::algorithms::Simec;
use crate::data::{
    batch_ranges, check_symmetric, epoch_order, scan, Batch, Matrix, SllTarget, TargetMask,
    TrainData,
};
use crate::error::SimecError;
use crate::hyperparams::SimecValidParams;
use crate::model::SimecNet;
use crate::optim::module_optimizer;
use crate::regularizers::Penalty;

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
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
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

/// The full loss of one batch: data loss plus every penalty.
pub(crate) fn batch_loss(net: &SimecNet, batch: &Batch, penalty: &Penalty) -> Tensor<1> {
    let pred = net.forward(batch.x.clone()); // [b, K]
    let loss = data_loss(pred, batch.targets.clone(), batch.mask.as_ref()); // [1]
    match penalty.total(net) {
        Some(p) => loss + p,
        None => loss,
    }
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
    let k = params.n_slices;
    if !targets.cols().is_multiple_of(k) {
        return Err(SimecError::SliceMismatch {
            cols: targets.cols(),
            n_slices: k,
        });
    }
    let n = targets.cols() / k;
    if params.embedding_dim > n {
        return Err(SimecError::EmbeddingTooLarge {
            embedding_dim: params.embedding_dim,
            n_targets: n,
        });
    }
    scan(x, "X", false, false)?;
    let n_missing = scan(targets, "targets", true, params.allow_missing)?;
    match s_ll {
        None if params.s_ll_reg > 0.0 => {
            return Err(SimecError::SllMissing {
                s_ll_reg: params.s_ll_reg,
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
            for (j, s) in target.as_slice().iter().enumerate() {
                if s.rows() != n || s.cols() != n {
                    return Err(SimecError::SllShape {
                        slice: j,
                        rows: s.rows(),
                        cols: s.cols(),
                        n,
                    });
                }
                if params.s_ll_reg > 0.0 {
                    scan(s, &format!("S_ll slice {j}"), true, params.allow_missing)?;
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

/// Trains a network on validated input; see [`SimecValidParams::fit_with_callback`].
pub(crate) fn train(
    params: &SimecValidParams,
    x: &Matrix,
    targets: &Matrix,
    s_ll: Option<&SllTarget<'_>>,
    device: &Device,
    callback: &mut dyn FnMut(EpochReport),
) -> Result<Simec, SimecError> {
    let checked = validate(params, x, targets, s_ll)?;
    let plain = device.clone().without_autodiff();
    let ad = device.clone().autodiff();
    let mut rng = StdRng::seed_from_u64(params.seed);

    let data = TrainData::upload(x, targets, checked.n_missing, &plain);
    let penalty = Penalty::new(params, checked.n_targets, s_ll, &ad);
    let mut net = SimecNet::init(params, x.cols(), checked.n_targets, &mut rng, &ad);
    let mut optim = module_optimizer(params.optimizer);
    let m = data.rows();
    let mut history = Vec::with_capacity(params.epochs);

    for epoch in 1..=params.epochs {
        let start = Instant::now();
        let order = epoch_order(&mut rng, m);
        let order = Tensor::<1, Int>::from_data(TensorData::new(order, [m]), &plain); // [m]
        let mut loss_sum = Tensor::<1>::zeros([1], &plain); // [1]
        for (s, e) in batch_ranges(m, params.batch_size) {
            let idx = order.clone().narrow(0, s, e - s); // [b]
            let batch = data.batch(idx);
            let loss = batch_loss(&net, &batch, &penalty); // [1]
            loss_sum = loss_sum + loss.clone().inner().mul_scalar((e - s) as f64);
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(params.learning_rate, net, grads);
        }
        let loss = loss_sum
            .try_into_scalar::<f32>()
            .map_err(|e| SimecError::Device(format!("{e:?}")))? as f64
            / m as f64;
        if !loss.is_finite() {
            return Err(SimecError::Diverged { epoch, loss });
        }
        let report = EpochReport {
            epoch,
            epochs: params.epochs,
            loss,
            seconds: start.elapsed().as_secs_f64(),
        };
        history.push(report);
        callback(report);
    }
    Simec::new(
        net.valid(),
        plain,
        params.clone(),
        x.cols(),
        checked.n_targets,
        history,
    )
}
