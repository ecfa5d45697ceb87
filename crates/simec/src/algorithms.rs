//! The fitting entry points and the fitted model [`Simec`].

use burn::prelude::*;

use crate::data::{scan, Matrix, SllTarget, ValidationSet};
use crate::error::SimecError;
use crate::hyperparams::{SimecParams, SimecValidParams};
use crate::model::SimecNet;
use crate::training::{train, EpochReport};

/// Output entries per inference chunk (bounds device memory of `transform` / `predict`).
const CHUNK_ENTRIES: usize = 1 << 24;
/// At most this many rows per inference chunk.
const MAX_CHUNK_ROWS: usize = 4096;

impl SimecValidParams {
    /// Trains a similarity encoder.
    ///
    /// * `x`: features, `m x D`, all finite.
    /// * `targets`: `m x (k * n)`, k = `n_slices`; column block j holds the similarities of the
    ///   m points to the n targets in slice j. NaN = missing (only with `allow_missing`).
    /// * `s_ll`: the `n x n` similarities among the targets, one per slice; required when
    ///   `s_ll_reg > 0` (then symmetric up to [`crate::SYMMETRY_RTOL`]), ignored otherwise.
    /// * `device`: the backend (e.g. `Device::flex()`); autodiff is enabled internally.
    pub fn fit(
        &self,
        x: &Matrix,
        targets: &Matrix,
        s_ll: Option<SllTarget<'_>>,
        device: &Device,
    ) -> Result<Simec, SimecError> {
        self.fit_with_callback(x, targets, s_ll, device, &mut |_| {})
    }

    /// [`fit`](Self::fit), calling `callback` after every epoch (e.g. to advance a progress bar).
    pub fn fit_with_callback(
        &self,
        x: &Matrix,
        targets: &Matrix,
        s_ll: Option<SllTarget<'_>>,
        device: &Device,
        callback: &mut dyn FnMut(EpochReport),
    ) -> Result<Simec, SimecError> {
        train(self, x, targets, s_ll.as_ref(), None, device, callback)
    }

    /// [`fit_with_callback`](Self::fit_with_callback) that also predicts the held-out rows of
    /// `validation` after every epoch and reports the mean squared error over their present
    /// target entries in [`EpochReport::val_mse`] (whatever the training [`crate::Loss`]).
    /// The validation pass does not touch the random stream: the weights are those of the same
    /// fit without validation.
    pub fn fit_with_validation(
        &self,
        x: &Matrix,
        targets: &Matrix,
        s_ll: Option<SllTarget<'_>>,
        validation: ValidationSet<'_>,
        device: &Device,
        callback: &mut dyn FnMut(EpochReport),
    ) -> Result<Simec, SimecError> {
        train(
            self,
            x,
            targets,
            s_ll.as_ref(),
            Some(&validation),
            device,
            callback,
        )
    }
}

impl SimecParams {
    /// Checks the hyperparameters, then [`SimecValidParams::fit`].
    pub fn fit(
        &self,
        x: &Matrix,
        targets: &Matrix,
        s_ll: Option<SllTarget<'_>>,
        device: &Device,
    ) -> Result<Simec, SimecError> {
        self.clone().check()?.fit(x, targets, s_ll, device)
    }
}

/// A trained similarity encoder. Inference runs without autodiff.
#[derive(Debug, Clone)]
pub struct Simec {
    net: SimecNet,
    device: Device,
    params: SimecValidParams,
    input_dim: usize,
    n_targets: usize,
    history: Vec<EpochReport>,
    w_l: Matrix,
    restored_epoch: Option<usize>,
}

impl Simec {
    pub(crate) fn new(
        net: SimecNet,
        device: Device,
        params: SimecValidParams,
        input_dim: usize,
        n_targets: usize,
        history: Vec<EpochReport>,
    ) -> Result<Self, SimecError> {
        let w_l = Matrix::from_tensor(net.w_l())?;
        Ok(Self {
            net,
            device,
            params,
            input_dim,
            n_targets,
            history,
            w_l,
            restored_epoch: None,
        })
    }

    /// Records that the weights are those of the 1-based epoch `epoch` (best-epoch restore).
    pub(crate) fn with_restored_epoch(mut self, epoch: Option<usize>) -> Self {
        self.restored_epoch = epoch;
        self
    }

    /// The 1-based epoch whose weights the model holds when [`crate::SimecParams::restore_best`]
    /// restored them; `None` for the last epoch's weights without restore.
    pub fn restored_epoch(&self) -> Option<usize> {
        self.restored_epoch
    }

    /// The embedding `Y = f'(X)`, `m x d`.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix, SimecError> {
        let d = self.embedding_dim();
        self.map_rows(x, d, |x| self.net.embed(x))
    }

    /// The predicted similarities `act(Y W_l)`, `m x (k * n)`; slice j is column block j.
    pub fn predict(&self, x: &Matrix) -> Result<Matrix, SimecError> {
        let out = self.n_targets * self.n_slices();
        self.map_rows(x, out, |x| self.net.forward(x))
    }

    /// The last layer `W_l`, `d x (k * n)`; column block j is slice j's `d x n` matrix.
    pub fn last_layer(&self) -> Matrix {
        self.w_l.clone()
    }

    /// Embedding dimension d.
    pub fn embedding_dim(&self) -> usize {
        self.params.embedding_dim()
    }

    /// Targets per slice, n.
    pub fn n_targets(&self) -> usize {
        self.n_targets
    }

    /// Number of slices k.
    pub fn n_slices(&self) -> usize {
        self.params.n_slices()
    }

    /// Number of input features D.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// The hyperparameters it was trained with.
    pub fn params(&self) -> &SimecValidParams {
        &self.params
    }

    /// One report per training epoch.
    pub fn history(&self) -> &[EpochReport] {
        &self.history
    }

    /// The network (on the inference device, without autodiff).
    pub fn network(&self) -> &SimecNet {
        &self.net
    }

    /// The device inference runs on (without autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Applies `f` (`[b, D] -> [b, out]`) to the rows of `x` in chunks.
    fn map_rows(
        &self,
        x: &Matrix,
        out: usize,
        f: impl Fn(Tensor<2>) -> Tensor<2>,
    ) -> Result<Matrix, SimecError> {
        if x.cols() != self.input_dim {
            return Err(SimecError::FeatureMismatch {
                got: x.cols(),
                expected: self.input_dim,
            });
        }
        scan(x, "X", false, false)?;
        map_rows(x, out, &self.device, f)
    }
}

/// Applies `f` (`[b, D] -> [b, out]`, D = `x.cols()`) to the rows of `x` in chunks on `device`.
pub(crate) fn map_rows(
    x: &Matrix,
    out: usize,
    device: &Device,
    f: impl Fn(Tensor<2>) -> Tensor<2>,
) -> Result<Matrix, SimecError> {
    let (m, dim) = (x.rows(), x.cols());
    let width = out.max(dim).max(1);
    let chunk = (CHUNK_ENTRIES / width).clamp(1, MAX_CHUNK_ROWS);
    let mut data = Vec::with_capacity(m * out);
    for start in (0..m).step_by(chunk) {
        let end = (start + chunk).min(m);
        let rows = x.data()[start * dim..end * dim].to_vec();
        let xb = Tensor::<2>::from_data(TensorData::new(rows, [end - start, dim]), device); // [b, D]
        let yb = f(xb); // [b, out]
        data.extend(Matrix::from_tensor(yb)?.into_data());
    }
    Matrix::new(m, out, data)
}
