//! Best-epoch restore ([`RestoreBest`], an option of the PyTorch SimEc `simec_torch.py`):
//! which epoch's weights a fit keeps.

use burn::module::Module;

use crate::data::ValidationSet;
use crate::error::SimecError;
use crate::hyperparams::{RestoreBest, SimecValidParams};
use crate::model::SimecNet;
use crate::training::EpochReport;

/// Errors when [`RestoreBest::ValidationMse`] has no validation rows to watch.
pub(crate) fn check_restore_target(
    params: &SimecValidParams,
    validation: Option<&ValidationSet<'_>>,
) -> Result<(), SimecError> {
    if params.restore_best() == RestoreBest::ValidationMse
        && validation.is_none_or(|v| v.x.rows() == 0)
    {
        return Err(SimecError::InvalidParam {
            name: "restore_best",
            value: RestoreBest::ValidationMse.to_string(),
            reason: "needs a validation set with at least one row (fit_with_validation); \
                     use train_loss without one",
        });
    }
    Ok(())
}

/// The weights of the best epoch so far under a [`RestoreBest`] rule.
pub(crate) struct BestEpoch {
    rule: RestoreBest,
    value: f64,
    pub(crate) kept: Option<(usize, SimecNet)>,
}

impl BestEpoch {
    pub(crate) fn new(rule: RestoreBest) -> Self {
        Self {
            rule,
            value: f64::INFINITY,
            kept: None,
        }
    }

    /// Keeps `net` (the weights at the end of `report`'s epoch) when its value is at most the
    /// best so far (`<=`, as `simec_torch.py`: the later of equal epochs).
    pub(crate) fn observe(&mut self, report: &EpochReport, net: &SimecNet) {
        let value = match self.rule {
            RestoreBest::None => None,
            RestoreBest::TrainLoss => Some(report.data_loss),
            RestoreBest::ValidationMse => report.val_mse,
        };
        if let Some(v) = value.filter(|v| *v <= self.value) {
            self.value = v;
            self.kept = Some((report.epoch, net.valid()));
        }
    }
}
