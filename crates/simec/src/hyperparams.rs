//! linfa-style hyperparameters: the [`SimecParams`] builder is checked once into
//! [`SimecValidParams`], which can then fit models.

use std::fmt;
use std::str::FromStr;

use crate::data::Matrix;
use crate::error::SimecError;

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

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = SimecError;

    /// Parses [`Activation::name`] (case-insensitive).
    fn from_str(s: &str) -> Result<Self, SimecError> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimecError::InvalidParam {
                name: "activation",
                value: s.to_string(),
                reason: "expected one of tanh, relu, sigmoid, linear",
            })
    }
}

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

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = SimecError;

    /// Parses [`Loss::name`] (case-insensitive).
    fn from_str(s: &str) -> Result<Self, SimecError> {
        Loss::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimecError::InvalidParam {
                name: "loss",
                value: s.to_string(),
                reason: "expected one of mse, mae, bce",
            })
    }
}

/// One hidden dense layer (with bias): `units` outputs, then `activation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Lower-case name: `adamax`, `adam`; [`FromStr`] parses it back.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adamax => "adamax",
            OptimizerKind::Adam => "adam",
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OptimizerKind {
    type Err = SimecError;

    /// Parses [`OptimizerKind::name`] (case-insensitive).
    fn from_str(s: &str) -> Result<Self, SimecError> {
        [OptimizerKind::Adamax, OptimizerKind::Adam]
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimecError::InvalidParam {
                name: "optimizer",
                value: s.to_string(),
                reason: "expected one of adamax, adam",
            })
    }
}

/// Validated hyperparameters of a similarity encoder. Obtain through [`SimecParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimecValidParams {
    pub(crate) embedding_dim: usize,
    pub(crate) hidden: Vec<HiddenLayer>,
    pub(crate) output_activation: Activation,
    pub(crate) n_slices: usize,
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) learning_rate: f64,
    pub(crate) optimizer: OptimizerKind,
    pub(crate) l2_reg: f64,
    pub(crate) l2_reg_emb: f64,
    pub(crate) l2_reg_out: f64,
    pub(crate) s_ll_reg: f64,
    pub(crate) orth_reg: f64,
    pub(crate) seed: u64,
    pub(crate) allow_missing: bool,
    pub(crate) loss: Loss,
    pub(crate) fixed_last_layer: Option<Matrix>,
}

impl SimecValidParams {
    /// Embedding dimension d.
    pub fn embedding_dim(&self) -> usize {
        self.embedding_dim
    }
    /// Hidden layers, input side first.
    pub fn hidden_layers(&self) -> &[HiddenLayer] {
        &self.hidden
    }
    /// Activation applied to `Y W_l`.
    pub fn output_activation(&self) -> Activation {
        self.output_activation
    }
    /// Number k of similarity matrices predicted at once.
    pub fn n_slices(&self) -> usize {
        self.n_slices
    }
    /// Passes over the training data.
    pub fn epochs(&self) -> usize {
        self.epochs
    }
    /// Mini-batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
    /// Learning rate.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// Optimizer.
    pub fn optimizer(&self) -> OptimizerKind {
        self.optimizer
    }
    /// Strength of `sum(W^2)` over the hidden kernels.
    pub fn l2_reg(&self) -> f64 {
        self.l2_reg
    }
    /// Strength of `sum(W_emb^2)`.
    pub fn l2_reg_emb(&self) -> f64 {
        self.l2_reg_emb
    }
    /// Strength of `sum(W_l^2)`.
    pub fn l2_reg_out(&self) -> f64 {
        self.l2_reg_out
    }
    /// Strength of `mean((S_ll - W_l^T W_l)^2)` (per slice, summed).
    pub fn s_ll_reg(&self) -> f64 {
        self.s_ll_reg
    }
    /// Strength of `mean(((1 - I) o (W_l W_l^T))^2)`.
    pub fn orth_reg(&self) -> f64 {
        self.orth_reg
    }
    /// Seed of the initialization and of the shuffling.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Whether NaN target / S_ll entries are treated as missing (masked).
    pub fn allow_missing(&self) -> bool {
        self.allow_missing
    }
    /// The data term of the loss.
    pub fn loss(&self) -> Loss {
        self.loss
    }
    /// The fixed (untrained) last layer `W_l`, `d x (k * n)`, if one was set.
    pub fn fixed_last_layer(&self) -> Option<&Matrix> {
        self.fixed_last_layer.as_ref()
    }
}

/// Builder of the hyperparameters; every setter is unchecked until [`SimecParams::check`].
///
/// Defaults: no hidden layers (linear SimEc), linear output, 1 slice, 25 epochs, batch 32,
/// Adamax with learning rate 0.002 (keras' default), all regularizers 0, seed 42,
/// `allow_missing = false`, [`Loss::Mse`], a trained last layer.
#[derive(Debug, Clone, PartialEq)]
pub struct SimecParams(SimecValidParams);

impl SimecParams {
    /// Hyperparameters of a SimEc with an `embedding_dim`-dimensional embedding.
    pub fn new(embedding_dim: usize) -> Self {
        Self(SimecValidParams {
            embedding_dim,
            hidden: Vec::new(),
            output_activation: Activation::Linear,
            n_slices: 1,
            epochs: 25,
            batch_size: 32,
            learning_rate: 0.002,
            optimizer: OptimizerKind::Adamax,
            l2_reg: 0.0,
            l2_reg_emb: 0.0,
            l2_reg_out: 0.0,
            s_ll_reg: 0.0,
            orth_reg: 0.0,
            seed: 42,
            allow_missing: false,
            loss: Loss::Mse,
            fixed_last_layer: None,
        })
    }

    /// Embedding dimension d (>= 1, <= n_targets).
    pub fn embedding_dim(mut self, d: usize) -> Self {
        self.0.embedding_dim = d;
        self
    }
    /// Hidden layers, input side first (each >= 1 unit).
    pub fn hidden_layers(mut self, layers: Vec<HiddenLayer>) -> Self {
        self.0.hidden = layers;
        self
    }
    /// Appends one hidden layer of `units` outputs followed by `activation`.
    pub fn hidden_layer(mut self, units: usize, activation: Activation) -> Self {
        self.0.hidden.push(HiddenLayer::new(units, activation));
        self
    }
    /// Activation applied to `Y W_l` (default linear).
    pub fn output_activation(mut self, a: Activation) -> Self {
        self.0.output_activation = a;
        self
    }
    /// Number k of similarity matrices: the targets have k column blocks of width n_targets.
    pub fn n_slices(mut self, k: usize) -> Self {
        self.0.n_slices = k;
        self
    }
    /// Passes over the data (>= 1).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0.epochs = epochs;
        self
    }
    /// Mini-batch size (>= 1); the last partial batch of an epoch is used too.
    pub fn batch_size(mut self, b: usize) -> Self {
        self.0.batch_size = b;
        self
    }
    /// Learning rate (> 0, finite).
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.0.learning_rate = lr;
        self
    }
    /// Optimizer (default Adamax).
    pub fn optimizer(mut self, o: OptimizerKind) -> Self {
        self.0.optimizer = o;
        self
    }
    /// Strength of the L2 penalty of the hidden kernels (>= 0).
    pub fn l2_reg(mut self, v: f64) -> Self {
        self.0.l2_reg = v;
        self
    }
    /// Strength of the L2 penalty of the embedding kernel (>= 0).
    pub fn l2_reg_emb(mut self, v: f64) -> Self {
        self.0.l2_reg_emb = v;
        self
    }
    /// Strength of the L2 penalty of W_l (>= 0).
    pub fn l2_reg_out(mut self, v: f64) -> Self {
        self.0.l2_reg_out = v;
        self
    }
    /// Strength of the S_ll term (>= 0); > 0 needs an S_ll passed to `fit`.
    pub fn s_ll_reg(mut self, v: f64) -> Self {
        self.0.s_ll_reg = v;
        self
    }
    /// Strength of the orthogonality term (>= 0).
    pub fn orth_reg(mut self, v: f64) -> Self {
        self.0.orth_reg = v;
        self
    }
    /// Seed of the initialization and shuffling.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
    /// Treat NaN in the targets and in S_ll as missing entries that the loss skips.
    /// Off by default, so an accidental NaN is an error instead of silently masked.
    pub fn allow_missing(mut self, allow: bool) -> Self {
        self.0.allow_missing = allow;
        self
    }

    /// The data term of the loss (default [`Loss::Mse`]). [`Loss::BinaryCrossEntropy`] needs
    /// `output_activation(Activation::Sigmoid)`.
    pub fn loss(mut self, loss: Loss) -> Self {
        self.0.loss = loss;
        self
    }
    /// Fixes the last layer to `w_l` (`d x (k * n)`, column block j = slice j) instead of
    /// training it; only the layers up to the embedding learn, so that `act(f'(x) W_l)`
    /// approximates the targets for the given `W_l`.
    ///
    /// This is the second SimEc of a rectangular similarity matrix `R` (`m1 x m2`, paper
    /// section 2.2): after a first SimEc maps objects of type 1 to `Y1 = f1(X1)` with `Y1 W_l1
    /// ~ R`, a second SimEc on the type-2 features `X2` with targets `R^T` and `W_l` fixed to
    /// `Y1^T` learns `Y2 = f2(X2)` with `Y2 Y1^T ~ R^T`, i.e. `Y1 Y2^T ~ R`, so `f1(x1) .
    /// f2(x2)` predicts the relation of any new pair.
    ///
    /// `fit` checks the shape (`embedding_dim x n_targets * n_slices`) and finiteness. The
    /// penalties on `W_l` (`s_ll_reg`, `orth_reg`, `l2_reg_out`) must be 0: they would be
    /// constants.
    pub fn fixed_last_layer(mut self, w_l: Matrix) -> Self {
        self.0.fixed_last_layer = Some(w_l);
        self
    }

    /// Validates every hyperparameter, returning a reference on success.
    pub fn check_ref(&self) -> Result<&SimecValidParams, SimecError> {
        let p = &self.0;
        let invalid = |name, value: String, reason| SimecError::InvalidParam {
            name,
            value,
            reason,
        };
        if p.embedding_dim < 1 {
            return Err(invalid("embedding_dim", "0".into(), "must be >= 1"));
        }
        if p.epochs < 1 {
            return Err(invalid("epochs", "0".into(), "must be >= 1"));
        }
        if p.batch_size < 1 {
            return Err(invalid("batch_size", "0".into(), "must be >= 1"));
        }
        if p.n_slices < 1 {
            return Err(invalid("n_slices", "0".into(), "must be >= 1"));
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0) {
            return Err(invalid(
                "learning_rate",
                p.learning_rate.to_string(),
                "must be finite and > 0",
            ));
        }
        for (name, v) in [
            ("l2_reg", p.l2_reg),
            ("l2_reg_emb", p.l2_reg_emb),
            ("l2_reg_out", p.l2_reg_out),
            ("s_ll_reg", p.s_ll_reg),
            ("orth_reg", p.orth_reg),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(name, v.to_string(), "must be finite and >= 0"));
            }
        }
        if let Some(i) = p.hidden.iter().position(|l| l.units < 1) {
            return Err(invalid(
                "hidden_layers",
                format!("layer {i} with 0 units"),
                "every hidden layer needs >= 1 unit",
            ));
        }
        if p.loss == Loss::BinaryCrossEntropy && p.output_activation != Activation::Sigmoid {
            return Err(invalid(
                "output_activation",
                p.output_activation.name().to_string(),
                "the bce loss needs a sigmoid output activation",
            ));
        }
        if p.fixed_last_layer.is_some() {
            for (name, v) in [
                ("s_ll_reg", p.s_ll_reg),
                ("orth_reg", p.orth_reg),
                ("l2_reg_out", p.l2_reg_out),
            ] {
                if v != 0.0 {
                    return Err(invalid(
                        name,
                        v.to_string(),
                        "must be 0 with a fixed last layer (the penalty on W_l would be a constant)",
                    ));
                }
            }
        }
        Ok(p)
    }

    /// Validates every hyperparameter once.
    pub fn check(self) -> Result<SimecValidParams, SimecError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl From<SimecValidParams> for SimecParams {
    fn from(p: SimecValidParams) -> Self {
        Self(p)
    }
}
