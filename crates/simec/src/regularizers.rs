//! The penalty terms added to the data loss at every batch step (paper eq. 3 and section 2.2).
//!
//! All functions return a one-element tensor (`[1]`) and are differentiable w.r.t. `w`.

use std::sync::Arc;

use burn::prelude::*;

use crate::data::{fill_and_mask, for_upper_pairs, Matrix, SllPart, SllTarget, TargetMask};
use crate::error::SimecError;
use crate::hyperparams::SimecValidParams;
use crate::model::SimecNet;
use crate::sll_factors::SllFactors;
use crate::streamed::{w_times_symmetric, STREAMED_MAX_D};
use crate::streamed_masked::MaskedSll;
use crate::training::data_loss;

/// `sum(w^2)` (an L2 penalty without its strength).
pub fn sum_squares(w: Tensor<2>) -> Tensor<1> {
    w.square().sum() // [1]
}

/// `mean(((1 - I) o (W W^T))^2)` over the `d x d` entries, `w` = one slice of `W_l` `[d, n]`.
pub fn orth_penalty(w: Tensor<2>) -> Tensor<1> {
    let d = w.dims()[0];
    let off_diagonal = off_diagonal_mask(d, &w.device());
    orth_penalty_masked(w, off_diagonal)
}

/// `1 - I`, `[d, d]`.
fn off_diagonal_mask(d: usize, device: &Device) -> Tensor<2> {
    Tensor::<2>::ones([d, d], device) - Tensor::<2>::eye(d, device)
}

fn orth_penalty_masked(w: Tensor<2>, off_diagonal: Tensor<2>) -> Tensor<1> {
    let wwt = w.clone().matmul(w.transpose()); // [d, d]
    (wwt * off_diagonal).square().mean() // [1]
}

/// `mean((S - W^T W)^2)` in closed form, never forming the `n x n` matrix `W^T W`:
///
/// `mean(S^2) - 2 sum(W o (W S)) / n^2 + ||W W^T||_F^2 / n^2`
///
/// (exact for any `S`, as `sum(W^T W o S)` only sees the symmetric part of `S`).
///
/// * `w`: one slice of `W_l`, `[d, n]`.
/// * `s_sym`: the symmetric part `(S + S^T) / 2` of S_ll, `[n, n]` (S itself when symmetric).
/// * `mean_s2`: `mean(S^2)` of the original S (only shifts the value, not the gradient).
///
/// Cost: one `d x n x n` product per call. `W S` is computed outside the autodiff graph and
/// the gradient `-4 W S / n^2 + 4 W W^T W / n^2` is injected through `2 t - detach(t)` with
/// `t = sum(W o C)`, `C = W S` constant, so the backward pass needs no second `n x n` product.
/// The value suffers f32 cancellation when the fit is very good (three terms of size
/// `mean(S^2)` nearly cancel); the gradient does not depend on `mean_s2`.
pub fn s_ll_closed_form(w: Tensor<2>, s_sym: Tensor<2>, mean_s2: f64) -> Tensor<1> {
    let ws = w.clone().inner().matmul(s_sym.inner()); // [d, n], constant
    closed_form_given_ws(w, ws, mean_s2)
}

/// [`s_ll_closed_form`] with `W S` computed on the host by [`w_times_symmetric`], which reads
/// the symmetric `s_sym` (`[n, n]` row-major) once per call at memory speed (used on the CPU
/// backend, where the host memory is the device's). Same value and gradient up to f32 rounding
/// (another summation order than burn's matmul).
///
/// # Errors
/// [`SimecError::Device`] when `W` cannot be read back.
pub fn s_ll_closed_form_streamed(
    w: Tensor<2>,
    s_sym: &[f32],
    mean_s2: f64,
) -> Result<Tensor<1>, SimecError> {
    let [d, n] = w.dims();
    let plain = w.clone().inner();
    let device = plain.device();
    let w_host = Matrix::from_tensor(plain)?; // [d, n]
    let ws = w_times_symmetric(w_host.data(), s_sym, d, n); // [d, n]
    let ws = Tensor::from_data(TensorData::new(ws, [d, n]), &device);
    Ok(closed_form_given_ws(w, ws, mean_s2))
}

/// [`s_ll_closed_form`] for a factored `S = U diag(lambda) U^T`: `W S = (W U)(diag(lambda) U^T)`,
/// two `d x n x r` products per call instead of one `d x n x n`, the same value and injected
/// gradient (exactly those of the dense form of `U diag(lambda) U^T`, up to float rounding).
///
/// * `w`: one slice of `W_l`, `[d, n]`.
/// * `u`: `U`, `[n, r]`.
/// * `scaled_ut`: `diag(lambda) U^T`, `[r, n]`.
/// * `mean_s2`: `mean(S^2)` of the full S_ll (only shifts the value). With a truncated
///   factorization `S_r` of S this is `mean((S - W^T W)^2) - 2 <S - S_r, W^T W> / n^2`: the
///   gradient is that of `mean((S_r - W^T W)^2)`.
pub fn s_ll_factored(w: Tensor<2>, u: Tensor<2>, scaled_ut: Tensor<2>, mean_s2: f64) -> Tensor<1> {
    let wu = w.clone().inner().matmul(u.inner()); // [d, r]
    let ws = wu.matmul(scaled_ut.inner()); // [d, n], constant
    closed_form_given_ws(w, ws, mean_s2)
}

/// The closed form of [`s_ll_closed_form`] given the constant `ws = W S` (`[d, n]`, off the
/// autodiff graph).
fn closed_form_given_ws(w: Tensor<2>, mut ws: Tensor<2>, mean_s2: f64) -> Tensor<1> {
    let n = w.dims()[1];
    let n2 = (n as f64) * (n as f64);
    if w.is_autodiff() {
        ws = ws.autodiff();
    }
    let t = (w.clone() * ws).sum(); // [1] = sum(W o (W S)); d/dW = W S
    let cross = t.clone().mul_scalar(2.0) - t.detach(); // [1] value t, d/dW = 2 W S
    let wwt = w.clone().matmul(w.transpose()); // [d, d]
    let gram = wwt.square().sum(); // [1] = ||W W^T||_F^2
    cross
        .mul_scalar(-2.0 / n2)
        .add(gram.mul_scalar(1.0 / n2))
        .add_scalar(mean_s2) // [1]
}

/// [`s_ll_elementwise`] with a mask, computed on the host in one pass over S_ll
/// ([`MaskedSll`], used on the CPU backend, where the host memory is the device's): the same
/// value and gradient up to f32 rounding, without the `n x n` temporaries of the tensor form.
/// The gradient is injected as that of `t - detach(t) + V` with `t = sum(W o G)`, `G = dV/dW`
/// constant.
///
/// # Errors
/// [`SimecError::Device`] when `W` cannot be read back.
pub(crate) fn s_ll_masked_streamed(w: Tensor<2>, s: &MaskedSll) -> Result<Tensor<1>, SimecError> {
    let [d, n] = w.dims();
    debug_assert_eq!(n, s.n());
    let plain = w.clone().inner();
    let device = plain.device();
    let w_host = Matrix::from_tensor(plain)?; // [d, n]
    let (value, grad) = s.value_and_grad(w_host.data(), d);
    let mut grad = Tensor::<2>::from_data(TensorData::new(grad, [d, n]), &device); // [d, n]
    if w.is_autodiff() {
        grad = grad.autodiff();
    }
    let t = (w * grad).sum(); // [1]; d/dW = dV/dW
    Ok((t.clone() - t.detach()).add_scalar(value)) // [1] value V
}

/// The S_ll term of the paper's Keras code (`simec.py`, `LastLayerReg`), forming `W^T W`
/// (`[n, n]`): `K.mean(masked_mse(S_ll, W^T W))`, i.e. per row `i` of S_ll
/// `sum_c mask_ic (S_ic - (W^T W)_ic)^2 / max(sum_c mask_ic, 1)`, then the mean over the `n`
/// rows -- the same masked MSE as the data loss ([`data_loss`]). Rows with many missing entries
/// weigh as much as full rows; without a mask this is `mean((S - W^T W)^2)`.
///
/// * `w`: one slice of `W_l`, `[d, n]`.
/// * `s`: S_ll with missing entries set to anything finite (e.g. 0), `[n, n]`.
/// * `mask`: the present entries of S_ll and their per-row weights; `None` = all present.
pub fn s_ll_elementwise(w: Tensor<2>, s: Tensor<2>, mask: Option<&TargetMask>) -> Tensor<1> {
    let wtw = w.clone().transpose().matmul(w); // [n, n]
    data_loss(wtw, s, mask) // [1]
}

/// One slice of the uploaded S_ll target.
#[derive(Debug, Clone)]
enum SllSlice {
    /// No missing entries: the closed form, on a device tensor.
    Closed { s_sym: Tensor<2>, mean_s2: f64 },
    /// No missing entries, CPU (flex) backend: the closed form with `W S` streamed on the host
    /// (`s_sym`: `[n, n]` row-major).
    Streamed { s_sym: Arc<[f32]>, mean_s2: f64 },
    /// Some entries missing: the masked elementwise form.
    Masked { s: Tensor<2>, mask: Box<TargetMask> },
    /// Some entries missing, CPU (flex) backend: the masked form in one pass on the host.
    HostMasked(Arc<MaskedSll>),
    /// Factored `U diag(lambda) U^T`.
    Factored(Box<FactoredSlice>),
}

/// An uploaded factored S_ll slice.
#[derive(Debug, Clone)]
struct FactoredSlice {
    /// `U`, `[n, r]`.
    u: Tensor<2>,
    /// `diag(lambda) U^T`, `[r, n]`.
    scaled_ut: Tensor<2>,
    mean_s2: f64,
}

/// All penalty terms of a fit, with S_ll uploaded once.
#[derive(Debug, Clone)]
pub struct Penalty {
    l2_reg: f64,
    l2_reg_emb: f64,
    l2_reg_out: f64,
    orth_reg: f64,
    s_ll_reg: f64,
    n_targets: usize,
    slices: Vec<SllSlice>,
    off_diagonal: Option<Tensor<2>>,
}

impl Penalty {
    /// Prepares the penalties of `params`. `s_ll` must already be validated (one `n x n` matrix
    /// or factors of `n` rows per slice); it is uploaded only when `s_ll_reg > 0`. A dense slice
    /// without NaN uses [`s_ll_closed_form`] ([`s_ll_closed_form_streamed`] on the CPU (flex)
    /// backend for `embedding_dim <= 32`, where it keeps S_ll in host memory), one with NaN uses
    /// [`s_ll_elementwise`] with its mask (on the CPU backend the same term computed on the host,
    /// `s_ll_masked_streamed`), a factored one [`s_ll_factored`].
    pub fn new(
        params: &SimecValidParams,
        n_targets: usize,
        s_ll: Option<&SllTarget<'_>>,
        device: &Device,
    ) -> Self {
        // On the CPU backend the host memory is the device's: W S is streamed there while the
        // product is bound by reading S (small d).
        let d = params.embedding_dim();
        let host = device.clone().without_autodiff() == Device::flex();
        let streamed = host && d <= STREAMED_MAX_D;
        let slices = match s_ll {
            Some(target) if params.s_ll_reg() > 0.0 => target
                .as_slice()
                .iter()
                .map(|part| match part {
                    SllPart::Dense(s) => upload_slice(s, host, streamed, device),
                    SllPart::Factored(f) => upload_factors(f, device),
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            l2_reg: params.l2_reg(),
            l2_reg_emb: params.l2_reg_emb(),
            l2_reg_out: params.l2_reg_out(),
            orth_reg: params.orth_reg(),
            s_ll_reg: params.s_ll_reg(),
            n_targets,
            slices,
            off_diagonal: (params.orth_reg() > 0.0).then(|| off_diagonal_mask(d, device)),
        }
    }

    /// The S_ll term `sum_j mean((S_j - W_j^T W_j)^2)` (without its strength), or `None` when
    /// there is no S_ll term.
    ///
    /// # Errors
    /// [`SimecError::Device`] when a streamed slice cannot read `W` back.
    pub fn s_ll_term(&self, w_l: Tensor<2>) -> Result<Option<Tensor<1>>, SimecError> {
        let d = w_l.dims()[0];
        let n = self.n_targets;
        let mut total: Option<Tensor<1>> = None;
        for (j, slice) in self.slices.iter().enumerate() {
            let w = w_l.clone().narrow(1, j * n, n); // [d, n]
            debug_assert_eq!(w.dims(), [d, n]);
            let term = match slice {
                SllSlice::Closed { s_sym, mean_s2 } => s_ll_closed_form(w, s_sym.clone(), *mean_s2),
                SllSlice::Streamed { s_sym, mean_s2 } => {
                    s_ll_closed_form_streamed(w, s_sym, *mean_s2)?
                }
                SllSlice::Masked { s, mask } => s_ll_elementwise(w, s.clone(), Some(mask)),
                SllSlice::HostMasked(s) => s_ll_masked_streamed(w, s)?,
                SllSlice::Factored(f) => {
                    s_ll_factored(w, f.u.clone(), f.scaled_ut.clone(), f.mean_s2)
                }
            };
            total = Some(match total {
                Some(t) => t + term,
                None => term,
            });
        }
        Ok(total)
    }

    /// The orthogonality term (without its strength) summed over the slices of `W_l`
    /// (`[d, k n]`): `sum_j mean(((1 - I) o (W_j W_j^T))^2)`, as the paper's Keras code does for
    /// stacked similarities (one Gram matrix per slice, not one of the whole `W_l`).
    fn orth_term(&self, w_l: Tensor<2>, off_diagonal: &Tensor<2>) -> Tensor<1> {
        let n = self.n_targets;
        let k = w_l.dims()[1] / n.max(1);
        if k <= 1 {
            return orth_penalty_masked(w_l, off_diagonal.clone());
        }
        (0..k)
            .map(|j| orth_penalty_masked(w_l.clone().narrow(1, j * n, n), off_diagonal.clone()))
            .reduce(|a, b| a + b)
            .expect("k >= 2 slices")
    }

    /// The same penalties without the orthogonality term (for the epochs before
    /// [`crate::SimecParams::orth_reg_start`]).
    pub(crate) fn without_orth(&self) -> Self {
        Self {
            orth_reg: 0.0,
            off_diagonal: None,
            ..self.clone()
        }
    }

    /// The weighted sum of all penalty terms of `net`, or `None` when all strengths are 0.
    ///
    /// # Errors
    /// As [`Penalty::s_ll_term`].
    pub fn total(&self, net: &SimecNet) -> Result<Option<Tensor<1>>, SimecError> {
        let mut terms: Vec<Tensor<1>> = Vec::new();
        if self.l2_reg > 0.0 {
            for layer in &net.hidden {
                terms.push(sum_squares(layer.weight.val()).mul_scalar(self.l2_reg));
            }
        }
        if self.l2_reg_emb > 0.0 {
            terms.push(sum_squares(net.embedding.weight.val()).mul_scalar(self.l2_reg_emb));
        }
        if self.l2_reg_out > 0.0 {
            terms.push(sum_squares(net.w_l()).mul_scalar(self.l2_reg_out));
        }
        if self.s_ll_reg > 0.0 {
            if let Some(t) = self.s_ll_term(net.w_l())? {
                terms.push(t.mul_scalar(self.s_ll_reg));
            }
        }
        if let Some(off) = &self.off_diagonal {
            terms.push(self.orth_term(net.w_l(), off).mul_scalar(self.orth_reg));
        }
        Ok(terms.into_iter().reduce(|a, b| a + b))
    }
}

/// One dense slice: masked when it holds NaN (on the host when `host`), else the closed form
/// (streamed on the host when `streamed`).
fn upload_slice(s: &Matrix, host: bool, streamed: bool, device: &Device) -> SllSlice {
    let n = s.rows();
    let data = s.data();
    let masked = data.iter().any(|v| v.is_nan());
    if masked && host {
        SllSlice::HostMasked(Arc::new(MaskedSll::new(data, n)))
    } else if masked {
        let (filled, mask) = fill_and_mask(s);
        SllSlice::Masked {
            s: Tensor::from_data(TensorData::new(filled, [n, n]), device),
            mask: Box::new(TargetMask::from_mask(mask, n, n, device)),
        }
    } else {
        let mean_s2 =
            data.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / (n as f64 * n as f64);
        let mut sym = data.to_vec();
        for_upper_pairs(n, |r, c| {
            let v = 0.5 * (data[r * n + c] + data[c * n + r]);
            sym[r * n + c] = v;
            sym[c * n + r] = v;
        });
        if streamed {
            SllSlice::Streamed {
                s_sym: sym.into(),
                mean_s2,
            }
        } else {
            SllSlice::Closed {
                s_sym: Tensor::from_data(TensorData::new(sym, [n, n]), device),
                mean_s2,
            }
        }
    }
}

fn upload_factors(f: &SllFactors, device: &Device) -> SllSlice {
    let (n, r) = (f.n(), f.rank());
    SllSlice::Factored(Box::new(FactoredSlice {
        u: Tensor::from_data(TensorData::new(f.u().data().to_vec(), [n, r]), device),
        scaled_ut: Tensor::from_data(TensorData::new(f.scaled_ut(), [r, n]), device),
        mean_s2: f.mean_s2(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(slice: SllSlice) -> &'static str {
        match slice {
            SllSlice::Closed { .. } => "closed",
            SllSlice::Streamed { .. } => "streamed",
            SllSlice::Masked { .. } => "masked",
            SllSlice::HostMasked(_) => "host-masked",
            SllSlice::Factored(_) => "factored",
        }
    }

    /// A dense slice takes the masked form exactly when an entry is missing (NaN), on the host
    /// when the backend's memory is the host's; a complete one keeps the closed form (the masked
    /// form would give the same numbers up to rounding, only slower).
    #[test]
    fn a_slice_is_masked_exactly_when_an_entry_is_missing() {
        let device = Device::flex();
        let full = Matrix::new(2, 2, vec![1.0, 0.5, 0.5, 1.0]).unwrap();
        let gap = Matrix::new(2, 2, vec![1.0, f32::NAN, 0.5, 1.0]).unwrap();
        for host in [false, true] {
            for streamed in [false, true] {
                let complete = form(upload_slice(&full, host, streamed, &device));
                let missing = form(upload_slice(&gap, host, streamed, &device));
                let case = format!("host {host}, streamed {streamed}");
                assert_eq!(
                    complete,
                    if streamed { "streamed" } else { "closed" },
                    "{case}"
                );
                assert_eq!(
                    missing,
                    if host { "host-masked" } else { "masked" },
                    "{case}"
                );
            }
        }
    }
}
