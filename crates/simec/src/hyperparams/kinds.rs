//! The named choices of a SimEc: activations, the loss, the optimizer, hidden layers. Each enum
//! is spelled alike on the command line, in figure configs and in `model.toml`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SimecError;

/// Display, [`FromStr`] (case-insensitive, surrounding whitespace ignored) and serde (a string)
/// of an enum through its `name()` and `ALL`, so the command line, the figure configs and
/// `model.toml` spell every value alike.
macro_rules! named_enum {
    ($ty:ident, $param:literal, $expected:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = SimecError;

            /// Parses `name()` (case-insensitive).
            fn from_str(s: &str) -> Result<Self, SimecError> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| SimecError::InvalidParam {
                        name: $param,
                        value: s.to_string(),
                        reason: $expected,
                    })
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Elementwise activation of a dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `tanh(x)`
    Tanh,
    /// `max(x, 0)`
    Relu,
    /// `1 / (1 + exp(-x))`
    Sigmoid,
    /// Identity (keras' "linear").
    Linear,
}

impl Activation {
    /// Every activation, in declaration order.
    pub const ALL: [Activation; 4] = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Linear,
    ];

    /// The lower-case name keras uses (`tanh`, `relu`, `sigmoid`, `linear`); [`FromStr`] parses
    /// it back.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Linear => "linear",
        }
    }
}

named_enum!(
    Activation,
    "activation",
    "expected one of tanh, relu, sigmoid, linear"
);

/// The data term of the training loss: an elementwise loss `l(t, p)` between target `t` and
/// prediction `p = act(Y W_l)`, masked like the paper's keras loss: per row the mean of `l`
/// over the present (non-NaN) targets, then the mean over the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Loss {
    /// `(t - p)^2`, the paper's loss (default).
    #[default]
    Mse,
    /// `|t - p|`.
    Mae,
    /// Binary cross-entropy `-(t ln p + (1 - t) ln(1 - p))`. Needs a
    /// [`Activation::Sigmoid`] output (checked) and targets in `[0, 1]` (checked by `fit`); it
    /// is computed from the logits `z = Y W_l` as `max(z, 0) - t z + ln(1 + exp(-|z|))`, which
    /// stays finite where `p` rounds to 0 or 1.
    BinaryCrossEntropy,
}

impl Loss {
    /// Every loss, in declaration order.
    pub const ALL: [Loss; 3] = [Loss::Mse, Loss::Mae, Loss::BinaryCrossEntropy];

    /// Short name: `mse`, `mae`, `bce`; [`FromStr`] parses it back.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Mae => "mae",
            Loss::BinaryCrossEntropy => "bce",
        }
    }
}

named_enum!(Loss, "loss", "expected one of mse, mae, bce");

/// One hidden dense layer (with bias): `units` outputs, then `activation`. Serialized as the
/// pair `[units, "activation"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(usize, Activation)", into = "(usize, Activation)")]
pub struct HiddenLayer {
    /// Output width.
    pub units: usize,
    /// Activation after the affine map.
    pub activation: Activation,
}

impl HiddenLayer {
    /// A hidden layer of `units` outputs followed by `activation`.
    pub fn new(units: usize, activation: Activation) -> Self {
        Self { units, activation }
    }
}

impl From<(usize, Activation)> for HiddenLayer {
    fn from((units, activation): (usize, Activation)) -> Self {
        Self::new(units, activation)
    }
}

impl From<HiddenLayer> for (usize, Activation) {
    fn from(l: HiddenLayer) -> Self {
        (l.units, l.activation)
    }
}

/// Which optimizer trains the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    /// Adamax with keras' defaults (beta1 0.9, beta2 0.999, eps 1e-7); the paper's choice.
    Adamax,
    /// burn's Adam with beta1 0.9, beta2 0.999 and eps 1e-7 (keras' epsilon). burn adds eps to
    /// the bias-corrected `sqrt(v_hat)` (the paper's Algorithm 1), keras 2 to the uncorrected
    /// `sqrt(v)`; the two differ only while `eps` matters.
    Adam,
}

impl OptimizerKind {
    /// Every optimizer, in declaration order.
    pub const ALL: [OptimizerKind; 2] = [OptimizerKind::Adamax, OptimizerKind::Adam];

    /// Lower-case name: `adamax`, `adam`; [`FromStr`] parses it back.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adamax => "adamax",
            OptimizerKind::Adam => "adam",
        }
    }
}

named_enum!(OptimizerKind, "optimizer", "expected one of adamax, adam");

/// Which epoch's weights a fit keeps (an option of the PyTorch SimEc, `simec_torch.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RestoreBest {
    /// The last epoch's weights (the paper's keras training; default).
    #[default]
    None,
    /// The weights at the end of the epoch with the lowest mean training data loss (the data
    /// term without the penalties, as `simec_torch.py`; the later of equal epochs).
    TrainLoss,
    /// The weights at the end of the epoch with the lowest validation MSE
    /// ([`crate::EpochReport::val_mse`]; the later of equal epochs). Needs a validation set
    /// with at least one row ([`crate::SimecValidParams::fit_with_validation`]).
    ValidationMse,
}

impl RestoreBest {
    /// Every choice, in declaration order.
    pub const ALL: [RestoreBest; 3] = [
        RestoreBest::None,
        RestoreBest::TrainLoss,
        RestoreBest::ValidationMse,
    ];

    /// Name: `none`, `train_loss`, `validation_mse`; [`FromStr`] parses it back.
    pub fn name(self) -> &'static str {
        match self {
            RestoreBest::None => "none",
            RestoreBest::TrainLoss => "train_loss",
            RestoreBest::ValidationMse => "validation_mse",
        }
    }
}

named_enum!(
    RestoreBest,
    "restore_best",
    "expected one of none, train_loss, validation_mse"
);
