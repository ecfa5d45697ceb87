//! The training options of the later PyTorch SimEc (`simec_torch.py` of cod3licious/simec), all
//! off by default so that a fit without them is the paper's keras training, bit for bit:
//! best-epoch restore ([`RestoreBest`]), a plateau learning-rate schedule ([`LrSchedule`]),
//! coupled weight decay ([`SimecParams::weight_decay`]) and a late start of the orthogonality
//! penalty ([`SimecParams::orth_reg_start`]).
//!
//! Reference: `simec_torch.py` at commit 04e935c: `Adam(lr, weight_decay)`,
//! `ReduceLROnPlateau(patience=5, eps=0.)` stepped with the epoch's summed batch data losses
//! from the fifth epoch on, the state of the epoch with the lowest such loss restored after the
//! last epoch, and `orth_reg` added only while `epoch > epochs / 3` (0-based epoch).

use serde::{Deserialize, Serialize};

use super::{SimecParams, SimecValidParams};
use crate::error::SimecError;

pub use super::kinds::RestoreBest;

/// How the learning rate changes between epochs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LrSchedule {
    /// The learning rate of [`SimecParams::learning_rate`] throughout (the paper's; default).
    #[default]
    Constant,
    /// PyTorch's `ReduceLROnPlateau` in mode `min` on the epoch's training data loss; see
    /// [`Plateau`]. In TOML: `lr_schedule = { plateau = { patience = 5 } }` (missing keys take
    /// the [`Plateau`] defaults).
    Plateau(Plateau),
}

/// PyTorch's `ReduceLROnPlateau` (mode `min`, relative threshold, no cooldown, `eps = 0`) on
/// the mean training data loss of each epoch (the data term without the penalties, like
/// `simec_torch.py`'s running loss):
///
/// ```text
/// for epoch > warmup:
///     if loss < best * (1 - threshold): best = loss, bad = 0   else: bad += 1
///     if bad > patience: lr = max(lr * factor, min_lr), bad = 0
/// ```
///
/// A lowered rate applies from the next epoch on. The defaults are `simec_torch.py`'s (torch's
/// factor, threshold and min_lr; patience 5; the first 4 epochs not seen by the scheduler).
/// An older `simec_torch.py` used patience 0 and started after epoch 10: `patience = 0,
/// warmup = 10`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Plateau {
    /// Multiplies the learning rate on a plateau; in (0, 1). Default 0.1.
    pub factor: f64,
    /// Epochs without improvement tolerated before the rate is lowered. Default 5.
    pub patience: usize,
    /// Relative improvement that counts: `loss < best * (1 - threshold)`; in [0, 1).
    /// Default 1e-4.
    pub threshold: f64,
    /// The first `warmup` epochs are not seen by the schedule. Default 4.
    pub warmup: usize,
    /// The rate is never lowered below this; >= 0. Default 0.
    pub min_lr: f64,
}

impl Default for Plateau {
    fn default() -> Self {
        Self {
            factor: 0.1,
            patience: 5,
            threshold: 1e-4,
            warmup: 4,
            min_lr: 0.0,
        }
    }
}

/// The number of leading epochs (out of `epochs`) trained without the orthogonality penalty
/// for `orth_reg_start = start`: `ceil(start * epochs)`.
pub fn orth_free_epochs(start: f64, epochs: usize) -> usize {
    (start * epochs as f64).ceil() as usize
}

impl SimecParams {
    /// After the last epoch, restore the weights of the best epoch (default
    /// [`RestoreBest::None`]: keep the last epoch's, the paper's keras training).
    pub fn restore_best(mut self, r: RestoreBest) -> Self {
        self.restore_best = r;
        self
    }
    /// The learning-rate schedule (default [`LrSchedule::Constant`]).
    pub fn lr_schedule(mut self, s: LrSchedule) -> Self {
        self.lr_schedule = s;
        self
    }
    /// Coupled weight decay (finite, >= 0; default 0): every optimizer step uses the gradient
    /// `g + weight_decay * w` of every trained parameter `w` (biases and a trained `W_l`
    /// included), as `torch.optim.Adam(weight_decay=...)` and `torch.optim.Adamax` do; not
    /// AdamW's decoupled decay. With Adamax it is torch's Adamax decay (keras' has none).
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
    /// Fraction of the epochs trained before the orthogonality penalty is switched on, in
    /// [0, 1) (default 0: from the first epoch, as in the paper). The first
    /// `ceil(orth_reg_start * epochs)` epochs train without it ([`orth_free_epochs`]).
    /// `simec_torch.py` adds it while `epoch > epochs / 3` (0-based), i.e. `1 / 3` here, which
    /// agrees unless `epochs` is a multiple of 3 (then torch waits one epoch more).
    pub fn orth_reg_start(mut self, fraction: f64) -> Self {
        self.orth_reg_start = fraction;
        self
    }

    /// Validates the PyTorch SimEc options; part of [`SimecParams::check_ref`].
    pub(crate) fn check_torch_options(&self) -> Result<(), SimecError> {
        let invalid = |name, value: f64, reason| SimecError::InvalidParam {
            name,
            value: value.to_string(),
            reason,
        };
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(invalid(
                "weight_decay",
                self.weight_decay,
                "must be finite and >= 0",
            ));
        }
        if !(0.0..1.0).contains(&self.orth_reg_start) {
            return Err(invalid(
                "orth_reg_start",
                self.orth_reg_start,
                "must be in [0, 1) (the fraction of the epochs before orth_reg starts)",
            ));
        }
        if self.orth_reg_start > 0.0 && self.orth_reg == 0.0 {
            return Err(invalid(
                "orth_reg_start",
                self.orth_reg_start,
                "delays the orthogonality term, but orth_reg is 0 (set orth_reg > 0, or leave orth_reg_start at 0)",
            ));
        }
        if let LrSchedule::Plateau(p) = self.lr_schedule {
            if !(p.factor > 0.0 && p.factor < 1.0) {
                return Err(invalid(
                    "lr_schedule.plateau.factor",
                    p.factor,
                    "must be in (0, 1)",
                ));
            }
            if !(0.0..1.0).contains(&p.threshold) {
                return Err(invalid(
                    "lr_schedule.plateau.threshold",
                    p.threshold,
                    "must be in [0, 1)",
                ));
            }
            if !(p.min_lr.is_finite() && p.min_lr >= 0.0) {
                return Err(invalid(
                    "lr_schedule.plateau.min_lr",
                    p.min_lr,
                    "must be finite and >= 0",
                ));
            }
            if p.min_lr > self.learning_rate {
                return Err(invalid(
                    "lr_schedule.plateau.min_lr",
                    p.min_lr,
                    "must not exceed learning_rate (the plateau schedule only lowers the rate)",
                ));
            }
        }
        Ok(())
    }
}

impl SimecValidParams {
    /// Which epoch's weights the fit keeps.
    pub fn restore_best(&self) -> RestoreBest {
        self.0.restore_best
    }
    /// The learning-rate schedule.
    pub fn lr_schedule(&self) -> LrSchedule {
        self.0.lr_schedule
    }
    /// Coupled weight decay of the optimizer.
    pub fn weight_decay(&self) -> f64 {
        self.0.weight_decay
    }
    /// Fraction of the epochs trained before the orthogonality penalty starts.
    pub fn orth_reg_start(&self) -> f64 {
        self.0.orth_reg_start
    }
    /// Whether the orthogonality penalty is part of the loss in the 1-based `epoch`.
    pub fn orth_reg_active(&self, epoch: usize) -> bool {
        epoch > orth_free_epochs(self.0.orth_reg_start, self.0.epochs)
    }
}

/// serde's `skip_serializing_if` for options at their defaults, so that the serialized form
/// (a `model.toml`) of a fit without them is what it was before they existed.
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_round_trip_through_toml_and_are_omitted_at_their_defaults() {
        let p = SimecParams::new(3)
            .restore_best(RestoreBest::ValidationMse)
            .lr_schedule(LrSchedule::Plateau(Plateau {
                patience: 0,
                warmup: 10,
                ..Plateau::default()
            }))
            .weight_decay(1e-4)
            .orth_reg_start(1.0 / 3.0);
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains("restore_best = \"validation_mse\""), "{text}");
        assert_eq!(toml::from_str::<SimecParams>(&text).unwrap(), p);
        let plain = toml::to_string(&SimecParams::new(3)).unwrap();
        for key in [
            "restore_best",
            "lr_schedule",
            "weight_decay",
            "orth_reg_start",
        ] {
            assert!(!plain.contains(key), "{key} in {plain}");
        }
        let partial: SimecParams =
            toml::from_str("lr_schedule = { plateau = { patience = 2 } }").unwrap();
        assert_eq!(
            partial.lr_schedule,
            LrSchedule::Plateau(Plateau {
                patience: 2,
                ..Plateau::default()
            })
        );
        let constant: SimecParams = toml::from_str("lr_schedule = \"constant\"").unwrap();
        assert_eq!(constant.lr_schedule, LrSchedule::Constant);
        assert!(
            toml::from_str::<SimecParams>("lr_schedule = { plateau = { patince = 2 } }").is_err()
        );
    }

    #[test]
    fn check_names_each_invalid_option() {
        let name_of = |p: SimecParams| match p.embedding_dim(2).check() {
            Err(SimecError::InvalidParam { name, .. }) => name,
            other => panic!("expected InvalidParam, got {other:?}"),
        };
        let base = SimecParams::default;
        assert_eq!(name_of(base().weight_decay(-1.0)), "weight_decay");
        assert_eq!(name_of(base().weight_decay(f64::NAN)), "weight_decay");
        assert_eq!(name_of(base().orth_reg_start(1.0)), "orth_reg_start");
        assert_eq!(name_of(base().orth_reg_start(-0.1)), "orth_reg_start");
        // A delay of a term that is off would silently do nothing.
        assert_eq!(name_of(base().orth_reg_start(0.5)), "orth_reg_start");
        assert!(base()
            .orth_reg(0.1)
            .orth_reg_start(0.5)
            .embedding_dim(2)
            .check()
            .is_ok());
        let plateau = |p: Plateau| base().lr_schedule(LrSchedule::Plateau(p));
        let d = Plateau::default();
        assert_eq!(
            name_of(plateau(Plateau { factor: 1.0, ..d })),
            "lr_schedule.plateau.factor"
        );
        assert_eq!(
            name_of(plateau(Plateau {
                threshold: -0.5,
                ..d
            })),
            "lr_schedule.plateau.threshold"
        );
        assert_eq!(
            name_of(plateau(Plateau { min_lr: -1.0, ..d })),
            "lr_schedule.plateau.min_lr"
        );
        // A floor above the starting rate would make the first "reduction" raise the rate.
        assert_eq!(
            name_of(plateau(Plateau { min_lr: 0.5, ..d }).learning_rate(0.01)),
            "lr_schedule.plateau.min_lr"
        );
        assert!(plateau(d).embedding_dim(2).check().is_ok());
    }

    #[test]
    fn orth_reg_starts_after_the_fraction_of_the_epochs() {
        let active = |start: f64, epochs: usize| -> Vec<usize> {
            let p = SimecParams::new(1)
                .epochs(epochs)
                .orth_reg(0.1)
                .orth_reg_start(start)
                .check()
                .unwrap();
            (1..=epochs).filter(|&e| p.orth_reg_active(e)).collect()
        };
        assert_eq!(active(0.0, 3), vec![1, 2, 3]);
        assert_eq!(active(0.5, 10), vec![6, 7, 8, 9, 10]);
        // simec_torch.py with 25 epochs: 0-based epochs 9..24 (`epoch > 25 / 3`).
        assert_eq!(active(1.0 / 3.0, 25), (10..=25).collect::<Vec<_>>());
        assert!(active(0.99, 10).is_empty());
    }
}
