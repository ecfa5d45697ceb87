//! Similarity Encoders (SimEc; Horn & Müller 2018, "Predicting pairwise relations with neural
//! similarity encoders") on [burn].
//!
//! A SimEc is a feed-forward network `x -> Y = f'(x) -> Y W_l` trained so that `Y W_l`
//! approximates the rows of one or several similarity matrices; `Y Y^T` then approximates the
//! similarities among the training points and `Y` is a similarity-preserving embedding that
//! extends to new points.
//!
//! ```no_run
//! use burn::prelude::Device;
//! use simec::{Activation, HiddenLayer, Matrix, SimecParams, SllTarget};
//!
//! # fn main() -> Result<(), simec::SimecError> {
//! let (m, dim, n) = (100, 5, 40);
//! let x = Matrix::from_fn(m, dim, |r, c| ((r * 7 + c * 3) % 11) as f32 / 11.0);
//! let s = Matrix::from_fn(m, n, |r, c| if r % 4 == c % 4 { 1.0 } else { 0.0 });
//! let s_ll = Matrix::from_fn(n, n, |r, c| if r % 4 == c % 4 { 1.0 } else { 0.0 });
//! let model = SimecParams::new(3)
//!     .hidden_layers(vec![HiddenLayer::new(25, Activation::Tanh)])
//!     .s_ll_reg(0.5)
//!     .learning_rate(0.005)
//!     .check()?
//!     .fit(&x, &s, Some(SllTarget::single(&s_ll)), &Device::flex())?;
//! let y = model.transform(&x)?; // m x 3
//! let s_hat = model.predict(&x)?; // m x n
//! # Ok(()) }
//! ```
//!
//! # Loss (per mini-batch, all terms at every step)
//!
//! ```text
//! masked_loss(T, Y W_l) + l2_reg sum(W_hidden^2) + l2_reg_emb sum(W_emb^2)
//!   + l2_reg_out sum(W_l^2) + s_ll_reg sum_j masked_mse(S_ll,j, W_l,j^T W_l,j)
//!   + orth_reg sum_j mean(((1 - I) o (W_l,j W_l,j^T))^2)
//! ```
//!
//! where `masked_loss` is the paper's keras loss: an elementwise [`Loss`] (MSE by default,
//! or MAE, or binary cross-entropy on a sigmoid output) between `T` and `act(Y W_l)`, per row
//! the mean over the present entries, then the mean over rows; `W_l,j` is
//! column block j of `W_l` (`d x n`). An S_ll slice without missing entries uses the closed form
//! [`regularizers::s_ll_closed_form`] (one `d x n x n` product per step, `W^T W` never formed);
//! a slice given as factors `U diag(lambda) U^T` ([`SllFactors`], `U`: `[n, r]`) uses
//! [`regularizers::s_ll_factored`] (two `d x n x r` products); a slice with NaN uses the masked
//! elementwise form (always dense), with the same per-row masked mean as the
//! data loss (the Keras code's `masked_mse`). Both S_ll and orthogonality terms are summed over
//! the k slices, as the Keras code does for stacked similarities.
//!
//! # Variants
//!
//! - [`SimecParams::fixed_last_layer`] fixes `W_l` instead of training it: the second SimEc
//!   of a rectangular similarity matrix (paper section 2.2; recipe in its docs).
//! - [`SimecValidParams::fit_with_validation`] reports the MSE on held-out rows after every
//!   epoch ([`EpochReport::val_mse`]).
//! - The PyTorch SimEc's training options (`simec_torch.py`), all off by default:
//!   [`SimecParams::restore_best`], [`SimecParams::lr_schedule`] ([`Plateau`]),
//!   [`SimecParams::weight_decay`], [`SimecParams::orth_reg_start`].
//! - [`Simec::save`] / [`Simec::load`] store a fitted model in a directory (a TOML file with a
//!   `format_version` plus burn's burnpack weights; see [`persist`]).
//!
//! # Missing values
//!
//! NaN in the targets or S_ll is an error unless [`SimecParams::allow_missing`] is on; then NaN
//! entries are masked out of the loss. Features must always be finite.
//!
//! # Determinism
//!
//! Initialization (glorot-uniform kernels, zero biases) and the per-epoch shuffling draw from
//! one `StdRng` seeded by [`SimecParams::seed`]. On flex two fits with the same seed give
//! bit-identical weights (tested); other backends / thread counts may differ in the last bits.
//!
//! No global allocator is set here; binaries should install one (e.g. `mimalloc`), as glibc
//! malloc dominates the per-step temporaries on CPU backends.

pub mod algorithms;
pub mod data;
pub mod device;
pub mod error;
pub mod hyperparams;
pub mod model;
pub mod optim;
pub mod persist;
pub mod regularizers;
mod restore;
mod sll_factors;
mod streamed;
mod streamed_masked;
pub mod training;

pub use algorithms::Simec;
pub use data::{Matrix, SllPart, SllTarget, ValidationSet, SYMMETRY_RTOL};
pub use error::SimecError;
pub use hyperparams::{
    orth_free_epochs, Activation, HiddenLayer, Loss, LrSchedule, OptimizerKind, Plateau,
    RestoreBest, SimecParams, SimecValidParams,
};
pub use optim::Adamax;
pub use persist::MODEL_FORMAT_VERSION;
pub use sll_factors::{SllFactors, SllFactorsParams};
pub use training::EpochReport;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_factored;
#[cfg(test)]
mod tests_masked_prop;
