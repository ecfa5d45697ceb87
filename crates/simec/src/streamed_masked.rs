//! The masked S_ll term ([`crate::regularizers::s_ll_elementwise`] with a mask) in one pass over
//! S_ll on the CPU (flex) backend, without the `n x n` temporaries of the tensor form.
//!
//! The Keras term is `V = (1/n) sum_ij A_ij (S_ij - G_ij)^2` with `G = W^T W` (`[n, n]`) and the
//! per-row weights `A_ij = M_ij / max(sum_c M_ic, 1)` (`M` the 0/1 mask of present entries): the
//! per-row masked mean, then the mean over the `n` rows. `G` is symmetric, so with the symmetric
//! `P = A + A^T` and `Q = A o S + (A o S)^T`, precomputed once:
//!
//! - `V = (c + sum_ij (P_ij G_ij / 2 - Q_ij) G_ij) / n`, `c = sum_ij A_ij S_ij^2`;
//! - `dV/dW = -(2/n) W F` with `F = Q - P o G` (symmetric), i.e. `(F W^T)^T`.
//!
//! Each row block of `G` is one small product `W[:, rows]^T W`, turned into `F[rows, :]` in place
//! and multiplied by `W^T`: P and Q are read once per step, and the blocks are independent (no
//! reduction across tasks), so the result does not depend on the thread count.

use rayon::prelude::*;

use crate::streamed::{product, rows_times_wt, transposed_scaled};

/// Rows of S_ll per task (as [`crate::streamed`]).
const BLOCK_ROWS: usize = 32;

/// The precomputed, symmetric form of one masked S_ll slice.
#[derive(Debug, Clone)]
pub(crate) struct MaskedSll {
    n: usize,
    /// `A + A^T`, `[n, n]` row-major.
    p: Vec<f32>,
    /// `A o S + (A o S)^T`, `[n, n]` row-major.
    q: Vec<f32>,
    /// `sum_ij A_ij S_ij^2`.
    c: f64,
}

impl MaskedSll {
    /// From S_ll (`[n, n]` row-major) with NaN at the missing entries.
    ///
    /// # Panics
    /// If `s.len() != n * n` (internal callers uphold it).
    pub(crate) fn new(s: &[f32], n: usize) -> Self {
        assert_eq!(s.len(), n * n, "S_ll must be n x n");
        // Row weights 1 / max(#present, 1); A_ij = weight_i where S_ij is present, else 0.
        let weights: Vec<f32> = s
            .chunks_exact(n.max(1))
            .map(|row| 1.0 / (row.iter().filter(|v| !v.is_nan()).count() as f32).max(1.0))
            .collect();
        let a = |i: usize, j: usize| -> (f32, f32) {
            let v = s[i * n + j];
            if v.is_nan() {
                (0.0, 0.0)
            } else {
                (weights[i], weights[i] * v)
            }
        }; // (A_ij, (A o S)_ij)
        let mut p = vec![0.0f32; n * n]; // [n, n]
        let mut q = vec![0.0f32; n * n]; // [n, n]
        let mut c = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let ((a_ij, as_ij), (a_ji, as_ji)) = (a(i, j), a(j, i));
                p[i * n + j] = a_ij + a_ji;
                q[i * n + j] = as_ij + as_ji;
                if a_ij != 0.0 {
                    let v = s[i * n + j] as f64;
                    c += a_ij as f64 * v * v;
                }
            }
        }
        Self { n, p, q, c }
    }

    /// Order `n` of S_ll.
    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// The term's value `V` and its gradient `dV/dW` (`[d, n]` row-major) at `w` (`[d, n]`
    /// row-major).
    ///
    /// # Panics
    /// If `w.len() != d * n`.
    pub(crate) fn value_and_grad(&self, w: &[f32], d: usize) -> (f64, Vec<f32>) {
        let n = self.n;
        assert_eq!(w.len(), d * n, "W must be d x n");
        let mut fwt = vec![0.0f32; n * d]; // [n, d] = F W^T
        if d == 0 || n == 0 {
            return (self.c / n.max(1) as f64, fwt);
        }
        let sums: Vec<f64> = fwt
            .par_chunks_mut(BLOCK_ROWS * d)
            .enumerate()
            .map(|(block, out)| {
                let r0 = block * BLOCK_ROWS;
                let rows = out.len() / d;
                let mut g = vec![0.0f32; rows * n]; // [rows, n]
                gram_rows(&mut g, w, r0, d, n);
                let (p, q) = (&self.p[r0 * n..], &self.q[r0 * n..]);
                let sum = g
                    .chunks_exact_mut(n)
                    .enumerate()
                    .map(|(i, row)| to_f_row(row, &p[i * n..(i + 1) * n], &q[i * n..(i + 1) * n]))
                    .sum::<f64>();
                rows_times_wt(out, &g, w, d, n); // [rows, d] = F[rows, :] W^T
                sum
            })
            .collect();
        let value = (self.c + sums.iter().sum::<f64>()) / n as f64;
        (value, transposed_scaled(&fwt, d, n, -2.0 / n as f32)) // [d, n]
    }
}

/// `g = W[:, r0..r0 + rows]^T W` (`[rows, n]`, row-major; `rows = g.len() / n`) of `w` (`[d, n]`,
/// row-major): rows `r0..` of `G = W^T W`.
///
/// # Panics
/// If `w.len() != d * n`, `g.len()` is not a multiple of `n` or the rows exceed `n`.
fn gram_rows(g: &mut [f32], w: &[f32], r0: usize, d: usize, n: usize) {
    assert_eq!(w.len(), d * n, "W must be d x n");
    let rows = g.len() / n.max(1);
    assert!(g.len() == rows * n && r0 + rows <= n, "G rows out of range");
    // SAFETY: `g` holds `rows x n` f32 (row stride n, column stride 1); `W[:, r0..r0 + rows]^T`
    // is `rows x d` with row stride 1 and column stride n, starting at `w[r0]`, its last value
    // `w[(d - 1) n + r0 + rows - 1]` within `w` (checked above); `W` is `d x n` (row stride n).
    unsafe {
        product(
            [rows, n, d],
            g.as_mut_ptr(),
            n,
            (w.as_ptr().add(r0), n as isize, 1),
            (w.as_ptr(), 1, n as isize),
        );
    }
}

/// Lanes of the row sums: independent f32 accumulators, so that the loop vectorizes.
const LANES: usize = 16;

/// Turns one row of `G` into the same row of `F = Q - P o G` in place and returns the row's
/// `sum_j (P_ij G_ij / 2 - Q_ij) G_ij` (f32 lanes, added in f64).
fn to_f_row(g: &mut [f32], p: &[f32], q: &[f32]) -> f64 {
    let mut acc = [0.0f32; LANES];
    let step = |g: &mut [f32], p: &[f32], q: &[f32], acc: &mut [f32]| {
        for (((gv, &pv), &qv), a) in g.iter_mut().zip(p).zip(q).zip(acc.iter_mut()) {
            *a += (0.5 * pv * *gv - qv) * *gv;
            *gv = qv - pv * *gv;
        }
    };
    let whole = g.len() / LANES * LANES;
    let (g_body, g_tail) = g.split_at_mut(whole);
    for ((gc, pc), qc) in g_body
        .chunks_exact_mut(LANES)
        .zip(p.chunks_exact(LANES))
        .zip(q.chunks_exact(LANES))
    {
        step(gc, pc, qc, &mut acc);
    }
    step(g_tail, &p[whole..], &q[whole..], &mut acc);
    acc.iter().map(|&a| a as f64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::TargetMask;
    use crate::regularizers::{s_ll_elementwise, s_ll_masked_streamed};
    use crate::tests::{assert_close, random, value_and_grad};
    use burn::prelude::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// S (`[n, n]`, not symmetric) with a non-symmetric pattern of NaN, one row all missing.
    fn masked_s(rng: &mut StdRng, n: usize, fraction: f64) -> Vec<f32> {
        let mut s = random(rng, n * n);
        for (k, v) in s.iter_mut().enumerate() {
            if k / n == 1 || rng.random_bool(fraction) {
                *v = f32::NAN;
            }
        }
        s
    }

    #[test]
    fn value_and_gradient_equal_the_tensor_form_of_the_keras_term() {
        let mut rng = StdRng::seed_from_u64(21);
        // n around block boundaries, d = 1 and wider, sparse and dense masks.
        for (d, n, fraction) in [(3, 7, 0.5), (1, 2 * BLOCK_ROWS + 5, 0.9), (10, 70, 0.2)] {
            let w = random(&mut rng, d * n);
            let s = masked_s(&mut rng, n, fraction);
            let filled: Vec<f32> = s
                .iter()
                .map(|v| if v.is_nan() { 0.0 } else { *v })
                .collect();
            let mask: Vec<f32> = s.iter().map(|v| f32::from(!v.is_nan())).collect();
            let device = Device::flex();
            let s_t = Tensor::<2>::from_data(TensorData::new(filled, [n, n]), &device);
            let m = TargetMask::from_mask(mask, n, n, &device);
            let (v_t, g_t) = value_and_grad(&w, d, n, |w| {
                let m = if w.is_autodiff() {
                    TargetMask {
                        mask: m.mask.clone().autodiff(),
                        inv_counts: m.inv_counts.clone().autodiff(),
                    }
                } else {
                    m.clone()
                };
                let s = if w.is_autodiff() {
                    s_t.clone().autodiff()
                } else {
                    s_t.clone()
                };
                s_ll_elementwise(w, s, Some(&m))
            });
            let host = MaskedSll::new(&s, n);
            let (v, g) = host.value_and_grad(&w, d);
            assert!(
                (v - v_t).abs() <= 1e-5 * v_t.abs(),
                "d {d} n {n}: {v} vs {v_t}"
            );
            assert_close(&g, &g_t, 1e-5, "gradient");
            // The same through the autodiff graph, as training sees it (the injected gradient).
            let (v_a, g_a) = value_and_grad(&w, d, n, |w| s_ll_masked_streamed(w, &host).unwrap());
            assert!(
                (v_a - v_t).abs() <= 1e-5 * v_t.abs(),
                "autodiff d {d} n {n}: {v_a} vs {v_t}"
            );
            assert_close(&g_a, &g_t, 1e-5, "autodiff gradient");
        }
    }

    #[test]
    fn value_is_the_f64_definition_and_a_perfect_fit_has_zero_gradient() {
        let (d, n) = (2, 9);
        let mut rng = StdRng::seed_from_u64(5);
        let w = random(&mut rng, d * n);
        // S = W^T W exactly where present: V = 0 and dV/dW = 0.
        let mut s: Vec<f32> = (0..n * n)
            .map(|k| (0..d).map(|r| w[r * n + k / n] * w[r * n + k % n]).sum())
            .collect();
        for k in (0..n * n).step_by(3) {
            s[k] = f32::NAN;
        }
        let (v, g) = MaskedSll::new(&s, n).value_and_grad(&w, d);
        assert!(v.abs() < 1e-6, "{v}");
        assert!(g.iter().all(|x| x.abs() < 1e-5), "{g:?}");
        // Shift the present entries of row 0 by 1: V = (1/n) * 1 (row 0's masked mean of 1^2).
        for v in s[..n].iter_mut().filter(|v| !v.is_nan()) {
            *v += 1.0;
        }
        let (v, _) = MaskedSll::new(&s, n).value_and_grad(&w, d);
        assert!((v - 1.0 / n as f64).abs() < 1e-5, "{v}");
    }

    /// With no rows of W (d = 0), `W^T W = 0`: the value is the mean over rows of each row's
    /// masked mean of `S^2`, and the gradient is empty.
    #[test]
    fn an_empty_w_leaves_the_masked_mean_of_s_squared() {
        let n = 6;
        let s = masked_s(&mut StdRng::seed_from_u64(3), n, 0.4);
        let want = s
            .chunks_exact(n)
            .map(|row| {
                let present: Vec<f64> = row
                    .iter()
                    .filter(|v| !v.is_nan())
                    .map(|&v| v as f64)
                    .collect();
                present.iter().map(|v| v * v).sum::<f64>() / (present.len().max(1) as f64)
            })
            .sum::<f64>()
            / n as f64;
        let (v, g) = MaskedSll::new(&s, n).value_and_grad(&[], 0);
        assert!(g.is_empty());
        assert!((v - want).abs() <= 1e-6 * want, "{v} vs {want}");
    }
}
