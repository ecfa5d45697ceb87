//! linfa-style hyperparameters: the unchecked [`SimecParams`] (builder setters, or serde from
//! a figure config / `model.toml`) is checked once into [`SimecValidParams`], which can then
//! fit models.

use serde::{Deserialize, Serialize};

use crate::data::Matrix;
use crate::error::SimecError;

mod kinds;
mod torch;

pub use kinds::{Activation, HiddenLayer, Loss, OptimizerKind};
pub use torch::{orth_free_epochs, LrSchedule, Plateau, RestoreBest};

/// Validated hyperparameters of a similarity encoder: a [`SimecParams`] that passed
/// [`SimecParams::check`], read through the getters below. To change a value go back with
/// `SimecParams::from(valid)` and check again.
#[derive(Debug, Clone, PartialEq)]
pub struct SimecValidParams(SimecParams);

impl SimecValidParams {
    /// Embedding dimension d.
    pub fn embedding_dim(&self) -> usize {
        self.0.embedding_dim
    }
    /// Hidden layers, input side first.
    pub fn hidden_layers(&self) -> &[HiddenLayer] {
        &self.0.hidden
    }
    /// Activation applied to `Y W_l`.
    pub fn output_activation(&self) -> Activation {
        self.0.output_activation
    }
    /// Number k of similarity matrices predicted at once.
    pub fn n_slices(&self) -> usize {
        self.0.n_slices
    }
    /// Passes over the training data.
    pub fn epochs(&self) -> usize {
        self.0.epochs
    }
    /// Mini-batch size.
    pub fn batch_size(&self) -> usize {
        self.0.batch_size
    }
    /// Learning rate.
    pub fn learning_rate(&self) -> f64 {
        self.0.learning_rate
    }
    /// Optimizer.
    pub fn optimizer(&self) -> OptimizerKind {
        self.0.optimizer
    }
    /// Strength of `sum(W^2)` over the hidden kernels.
    pub fn l2_reg(&self) -> f64 {
        self.0.l2_reg
    }
    /// Strength of `sum(W_emb^2)`.
    pub fn l2_reg_emb(&self) -> f64 {
        self.0.l2_reg_emb
    }
    /// Strength of `sum(W_l^2)`.
    pub fn l2_reg_out(&self) -> f64 {
        self.0.l2_reg_out
    }
    /// Strength of `mean((S_ll - W_l^T W_l)^2)` (per slice, summed).
    pub fn s_ll_reg(&self) -> f64 {
        self.0.s_ll_reg
    }
    /// Strength of `mean(((1 - I) o (W_l W_l^T))^2)`.
    pub fn orth_reg(&self) -> f64 {
        self.0.orth_reg
    }
    /// Seed of the initialization and of the shuffling.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }
    /// Whether NaN target / S_ll entries are treated as missing (masked).
    pub fn allow_missing(&self) -> bool {
        self.0.allow_missing
    }
    /// The data term of the loss.
    pub fn loss(&self) -> Loss {
        self.0.loss
    }
    /// The fixed (untrained) last layer `W_l`, `d x (k * n)`, if one was set.
    pub fn fixed_last_layer(&self) -> Option<&Matrix> {
        self.0.fixed_last_layer.as_ref()
    }
    /// The unchecked params these were checked from.
    pub(crate) fn as_params(&self) -> &SimecParams {
        &self.0
    }
    /// Replaces the matrix of a fixed last layer (model loading reads it from the weights).
    pub(crate) fn set_fixed_last_layer(&mut self, w_l: Matrix) {
        self.0.fixed_last_layer = Some(w_l);
    }
}

/// The hyperparameters of a SimEc, unchecked: built with the setters below or deserialized
/// (serde) from a figure config, a `model.toml` or any other format, then validated once by
/// [`SimecParams::check`] (the linfa `ParamGuard` pattern).
///
/// Defaults ([`Default`]): `embedding_dim` 0 (unset: [`SimecParams::check`] refuses it until
/// it is set), no hidden layers (linear SimEc), linear output, 1 slice, 25 epochs, batch 32,
/// Adamax with learning rate 0.002 (keras' default), all regularizers 0, seed 42,
/// `allow_missing = false`, [`Loss::Mse`], a trained last layer, and none of the PyTorch
/// SimEc's options (see [`SimecParams::restore_best`], [`SimecParams::lr_schedule`],
/// [`SimecParams::weight_decay`], [`SimecParams::orth_reg_start`]).
///
/// Three defaults differ from the authors' `simec.py` `SimilarityEncoder`, which uses Adamax
/// with learning rate 0.0005, `l2_reg` 1e-8 and `l2_reg_emb` 1e-5 (its other defaults equal
/// these): here the optimizer keeps keras' own default rate and no penalty is on unless asked
/// for. The paper's figures set every value explicitly (`experiments/*.toml`), so they do not
/// depend on these defaults.
///
/// # Serialized form
///
/// Any subset of the keys `embedding_dim`, `hidden`, `output_activation`, `n_slices`,
/// `epochs`, `batch_size`, `learning_rate`, `optimizer`, `l2_reg`, `l2_reg_emb`,
/// `l2_reg_out`, `s_ll_reg`, `orth_reg`, `seed`, `allow_missing`, `loss`, and the PyTorch
/// SimEc's `restore_best`, `lr_schedule`, `weight_decay`, `orth_reg_start` (missing keys take
/// the defaults; unknown keys are an error; these four are written only when not at their
/// defaults). Activations, loss and optimizer are their
/// `name()`; `hidden` is a list of `[units, "activation"]` pairs; `seed` is an integer, or a
/// decimal string above `i64::MAX` (TOML integers are `i64`). In TOML:
///
/// ```toml
/// embedding_dim = 10
/// hidden = [[1000, "tanh"], [300, "tanh"]]
/// learning_rate = 0.005
/// s_ll_reg = 0.5
/// ```
///
/// A fixed last layer ([`SimecParams::fixed_last_layer`]) is a matrix and not part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimecParams {
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
    #[serde(with = "seed_form")]
    pub(crate) seed: u64,
    pub(crate) allow_missing: bool,
    pub(crate) loss: Loss,
    #[serde(skip_serializing_if = "torch::is_default")]
    pub(crate) restore_best: RestoreBest,
    #[serde(skip_serializing_if = "torch::is_default")]
    pub(crate) lr_schedule: LrSchedule,
    #[serde(skip_serializing_if = "torch::is_default")]
    pub(crate) weight_decay: f64,
    #[serde(skip_serializing_if = "torch::is_default")]
    pub(crate) orth_reg_start: f64,
    #[serde(skip)]
    pub(crate) fixed_last_layer: Option<Matrix>,
}

impl Default for SimecParams {
    fn default() -> Self {
        Self {
            embedding_dim: 0,
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
            restore_best: RestoreBest::None,
            lr_schedule: LrSchedule::Constant,
            weight_decay: 0.0,
            orth_reg_start: 0.0,
            fixed_last_layer: None,
        }
    }
}

impl SimecParams {
    /// Hyperparameters of a SimEc with an `embedding_dim`-dimensional embedding, the other
    /// values at their defaults (see the type's docs).
    pub fn new(embedding_dim: usize) -> Self {
        Self {
            embedding_dim,
            ..Self::default()
        }
    }

    /// Embedding dimension d (>= 1, <= n_targets).
    pub fn embedding_dim(mut self, d: usize) -> Self {
        self.embedding_dim = d;
        self
    }
    /// Hidden layers, input side first (each >= 1 unit).
    pub fn hidden_layers(mut self, layers: Vec<HiddenLayer>) -> Self {
        self.hidden = layers;
        self
    }
    /// Appends one hidden layer of `units` outputs followed by `activation`.
    pub fn hidden_layer(mut self, units: usize, activation: Activation) -> Self {
        self.hidden.push(HiddenLayer::new(units, activation));
        self
    }
    /// Activation applied to `Y W_l` (default linear).
    pub fn output_activation(mut self, a: Activation) -> Self {
        self.output_activation = a;
        self
    }
    /// Number k of similarity matrices: the targets have k column blocks of width n_targets.
    pub fn n_slices(mut self, k: usize) -> Self {
        self.n_slices = k;
        self
    }
    /// Passes over the data (>= 1).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }
    /// Mini-batch size (>= 1); the last partial batch of an epoch is used too.
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }
    /// Learning rate (> 0, finite).
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.learning_rate = lr;
        self
    }
    /// Optimizer (default Adamax).
    pub fn optimizer(mut self, o: OptimizerKind) -> Self {
        self.optimizer = o;
        self
    }
    /// Strength of the L2 penalty of the hidden kernels (>= 0).
    pub fn l2_reg(mut self, v: f64) -> Self {
        self.l2_reg = v;
        self
    }
    /// Strength of the L2 penalty of the embedding kernel (>= 0).
    pub fn l2_reg_emb(mut self, v: f64) -> Self {
        self.l2_reg_emb = v;
        self
    }
    /// Strength of the L2 penalty of W_l (>= 0).
    pub fn l2_reg_out(mut self, v: f64) -> Self {
        self.l2_reg_out = v;
        self
    }
    /// Strength of the S_ll term (>= 0); > 0 needs an S_ll passed to `fit`.
    pub fn s_ll_reg(mut self, v: f64) -> Self {
        self.s_ll_reg = v;
        self
    }
    /// Strength of the orthogonality term `sum_j mean(((1 - I) o (W_l,j W_l,j^T))^2)` over the
    /// slices `W_l,j` (`d x n`) (>= 0).
    pub fn orth_reg(mut self, v: f64) -> Self {
        self.orth_reg = v;
        self
    }
    /// Seed of the initialization and shuffling.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Treat NaN in the targets and in S_ll as missing entries that the loss skips.
    /// Off by default, so an accidental NaN is an error instead of silently masked.
    pub fn allow_missing(mut self, allow: bool) -> Self {
        self.allow_missing = allow;
        self
    }

    /// The data term of the loss (default [`Loss::Mse`]). [`Loss::BinaryCrossEntropy`] needs
    /// `output_activation(Activation::Sigmoid)`.
    pub fn loss(mut self, loss: Loss) -> Self {
        self.loss = loss;
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
        self.fixed_last_layer = Some(w_l);
        self
    }

    /// Validates every hyperparameter without consuming them.
    ///
    /// # Errors
    /// [`SimecError::InvalidParam`] naming the first invalid hyperparameter.
    pub fn check_ref(&self) -> Result<(), SimecError> {
        let p = self;
        let invalid = |name, value: String, reason| SimecError::InvalidParam {
            name,
            value,
            reason,
        };
        if p.embedding_dim < 1 {
            return Err(invalid(
                "embedding_dim",
                "0".into(),
                "must be >= 1 (0 is the default: set embedding_dim)",
            ));
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
        p.check_torch_options()?;
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
        Ok(())
    }

    /// Validates every hyperparameter once; the only way to [`SimecValidParams`].
    ///
    /// # Errors
    /// [`SimecError::InvalidParam`] naming the first invalid hyperparameter.
    pub fn check(self) -> Result<SimecValidParams, SimecError> {
        self.check_ref()?;
        Ok(SimecValidParams(self))
    }
}

impl From<SimecValidParams> for SimecParams {
    fn from(p: SimecValidParams) -> Self {
        p.0
    }
}

/// `seed` as a TOML-safe value: an integer up to `i64::MAX`, a decimal string above; reads
/// either.
mod seed_form {
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seed: &u64, s: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(*seed) {
            Ok(v) => s.serialize_i64(v),
            Err(_) => s.serialize_str(&seed.to_string()),
        }
    }

    struct SeedVisitor;

    impl Visitor<'_> for SeedVisitor {
        type Value = u64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a non-negative integer seed (or its decimal string)")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("seed {v} is negative")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            v.trim()
                .parse()
                .map_err(|e| E::custom(format!("seed {v:?}: {e}")))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        d.deserialize_any(SeedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_through_toml() {
        let p = SimecParams::new(7)
            .hidden_layer(1000, Activation::Tanh)
            .hidden_layer(30, Activation::Relu)
            .output_activation(Activation::Sigmoid)
            .loss(Loss::BinaryCrossEntropy)
            .n_slices(3)
            .epochs(9)
            .batch_size(5)
            .learning_rate(0.005)
            .optimizer(OptimizerKind::Adam)
            .l2_reg(1e-4)
            .l2_reg_emb(1e-5)
            .l2_reg_out(1e-7)
            .s_ll_reg(0.5)
            .orth_reg(0.01)
            .seed(u64::MAX)
            .allow_missing(true);
        let text = toml::to_string(&p).unwrap();
        assert!(
            text.contains(r#"hidden = [[1000, "tanh"], [30, "relu"]]"#),
            "{text}"
        );
        assert!(text.contains(r#"loss = "bce""#), "{text}");
        assert!(text.contains(&format!("seed = \"{}\"", u64::MAX)), "{text}");
        assert_eq!(toml::from_str::<SimecParams>(&text).unwrap(), p);
        let small = SimecParams::new(2).seed(7);
        let text = toml::to_string(&small).unwrap();
        assert!(text.contains("seed = 7\n"), "{text}");
        assert_eq!(toml::from_str::<SimecParams>(&text).unwrap(), small);
    }

    #[test]
    fn a_partial_config_takes_the_defaults_and_unknown_keys_are_refused() {
        let p: SimecParams = toml::from_str(
            "hidden = [[25, \"tanh\"], [25, \"TANH\"]]\nlearning_rate = 0.005\ns_ll_reg = 0.5\n",
        )
        .unwrap();
        assert_eq!(
            p,
            SimecParams::default()
                .hidden_layer(25, Activation::Tanh)
                .hidden_layer(25, Activation::Tanh)
                .learning_rate(0.005)
                .s_ll_reg(0.5)
        );
        // The embedding dimension is set per figure point before the one check.
        assert!(matches!(
            p.check_ref(),
            Err(SimecError::InvalidParam {
                name: "embedding_dim",
                ..
            })
        ));
        assert!(p.embedding_dim(3).seed(1).check().is_ok());
        let err = toml::from_str::<SimecParams>("learning_rat = 0.1").unwrap_err();
        assert!(err.to_string().contains("learning_rat"), "{err}");
        let err = toml::from_str::<SimecParams>("hidden = [[5, \"softmax\"]]").unwrap_err();
        assert!(
            err.to_string().contains("tanh, relu, sigmoid, linear"),
            "{err}"
        );
        assert!(toml::from_str::<SimecParams>("seed = -1").is_err());
    }

    #[test]
    fn enum_names_parse_back_and_serialize_as_their_names() {
        for a in Activation::ALL {
            assert_eq!(a.name().to_uppercase().parse::<Activation>().unwrap(), a);
            assert_eq!(toml::Value::try_from(a).unwrap().as_str(), Some(a.name()));
        }
        for l in Loss::ALL {
            assert_eq!(l.name().parse::<Loss>().unwrap(), l);
            assert_eq!(toml::Value::try_from(l).unwrap().as_str(), Some(l.name()));
        }
        for o in OptimizerKind::ALL {
            assert_eq!(format!(" {o} ").parse::<OptimizerKind>().unwrap(), o);
            assert_eq!(toml::Value::try_from(o).unwrap().as_str(), Some(o.name()));
        }
        assert!("softmax".parse::<Activation>().is_err());
    }
}
