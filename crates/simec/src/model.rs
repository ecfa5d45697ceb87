//! The SimEc network: `x -> hidden dense layers -> Y = f'(x) -> Y W_l`.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation;
use rand::rngs::StdRng;
use rand::Rng;

use crate::hyperparams::{Activation, SimecValidParams};

impl Activation {
    /// Applies the activation elementwise (shape unchanged).
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Tanh => activation::tanh(x),
            Activation::Relu => activation::relu(x),
            Activation::Sigmoid => activation::sigmoid(x),
            Activation::Linear => x,
        }
    }
}

/// The network. `D` = input features, `d` = embedding dimension, `K = k * n` = all targets.
#[derive(Module, Debug)]
pub struct SimecNet {
    /// Hidden dense layers with bias; kernel `[fan_in, units]`.
    pub hidden: Vec<Linear>,
    /// Activation of each hidden layer.
    #[module(skip)]
    pub activations: Vec<Activation>,
    /// Linear embedding layer with bias, no activation; kernel `[last hidden or D, d]`.
    pub embedding: Linear,
    /// Bias-free last layer; kernel `W_l` is `[d, k * n]`, column block j = slice j.
    pub last: Linear,
    /// Activation applied to `Y W_l`.
    #[module(skip)]
    pub output_activation: Activation,
}

/// Keras' glorot-uniform kernel `[fan_in, fan_out]`: `U(-l, l)`, `l = sqrt(6 / (fan_in + fan_out))`.
fn glorot_uniform(rng: &mut StdRng, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    (0..fan_in * fan_out)
        .map(|_| rng.random_range(-limit..limit))
        .collect()
}

fn dense(rng: &mut StdRng, fan_in: usize, fan_out: usize, bias: bool, device: &Device) -> Linear {
    let w = glorot_uniform(rng, fan_in, fan_out);
    Linear {
        weight: Param::from_data(TensorData::new(w, [fan_in, fan_out]), device),
        bias: bias
            .then(|| Param::from_data(TensorData::new(vec![0f32; fan_out], [fan_out]), device)),
    }
}

impl SimecNet {
    /// A freshly initialized network for `input_dim` features and `n_targets * n_slices`
    /// outputs: glorot-uniform kernels drawn in layer order from `rng`, zero biases.
    pub fn init(
        params: &SimecValidParams,
        input_dim: usize,
        n_targets: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Self {
        let mut fan_in = input_dim;
        let mut hidden = Vec::with_capacity(params.hidden_layers().len());
        for layer in params.hidden_layers() {
            hidden.push(dense(rng, fan_in, layer.units, true, device));
            fan_in = layer.units;
        }
        let d = params.embedding_dim();
        let embedding = dense(rng, fan_in, d, true, device);
        let last = dense(rng, d, n_targets * params.n_slices(), false, device);
        Self {
            hidden,
            activations: params
                .hidden_layers()
                .iter()
                .map(|l| l.activation)
                .collect(),
            embedding,
            last,
            output_activation: params.output_activation(),
        }
    }

    /// The embedding `Y = f'(x)`: `[b, D] -> [b, d]`.
    pub fn embed(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = x; // [b, D]
        for (layer, act) in self.hidden.iter().zip(&self.activations) {
            h = act.apply(layer.forward(h)); // [b, units]
        }
        self.embedding.forward(h) // [b, d]
    }

    /// The prediction `act(Y W_l)` from an embedding: `[b, d] -> [b, k * n]`.
    pub fn predict_from_embedding(&self, y: Tensor<2>) -> Tensor<2> {
        self.output_activation.apply(self.last.forward(y)) // [b, k*n]
    }

    /// The pre-activation output `f'(x) W_l`: `[b, D] -> [b, k * n]`.
    pub fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.last.forward(self.embed(x)) // [b, k*n]
    }

    /// `act(f'(x) W_l)`: `[b, D] -> [b, k * n]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.predict_from_embedding(self.embed(x))
    }

    /// `W_l`, `[d, k * n]`.
    pub fn w_l(&self) -> Tensor<2> {
        self.last.weight.val()
    }
}
