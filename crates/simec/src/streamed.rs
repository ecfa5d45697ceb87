//! `W S` for a symmetric S_ll at memory speed on the CPU (flex) backend, for the dense closed
//! form of the s_ll regularizer ([`crate::regularizers::s_ll_closed_form`]).
//!
//! With `d << n` the product `W S` (`[d, n] x [n, n]`) does `2 d` flops per entry of S, so it is
//! bound by reading S (`4 n^2` bytes per step; 256 MB at `n = 8000`). A general matmul of a
//! `[d, n]` left factor does not stream S once at full bandwidth; here S is cut into row blocks,
//! each multiplied by `W^T` (`[n, d]`, small enough to stay in cache) on its own rayon task:
//! `(S W^T)[rows] = S[rows, :] W^T`, and `W S = (S W^T)^T` because S is symmetric. The per-block
//! products use the `gemm` crate (the one burn's flex matmul uses, with its runtime SIMD
//! dispatch). The summation order differs from burn's matmul, so results agree to f32 rounding,
//! not bit for bit; for a given `n`, `d` and thread count they are deterministic.

use rayon::prelude::*;

/// Largest embedding dimension `d` for which the s_ll term streams `W S` on the host. Beyond it
/// the product does enough flops per byte of S to be compute-bound, where burn's matmul (one
/// parallel gemm) is faster: `fig7_stacked_d100_epoch` (d = 100) took 63 s streamed against 50 s
/// with burn's matmul, while `fig4_n8000_epoch` (d = 10) took 23 s against 62 s.
pub(crate) const STREAMED_MAX_D: usize = 32;

/// Rows of S per task: 32 rows of 8000 columns is 1 MB of S, and `n / 32` tasks balance two to
/// many cores.
const BLOCK_ROWS: usize = 32;

/// `W S` (`[d, n]`, row-major) of `w` (`[d, n]`, row-major) and a symmetric `s` (`[n, n]`,
/// row-major; only `S = S^T` makes the result `W S` rather than `W S^T`).
///
/// # Panics
/// If `w.len() != d * n` or `s.len() != n * n` (internal callers uphold both).
pub(crate) fn w_times_symmetric(w: &[f32], s: &[f32], d: usize, n: usize) -> Vec<f32> {
    assert_eq!(w.len(), d * n, "W must be d x n");
    assert_eq!(s.len(), n * n, "S must be n x n");
    let mut swt = vec![0.0f32; n * d]; // [n, d] = S W^T
    if d == 0 || n == 0 {
        return swt;
    }
    swt.par_chunks_mut(BLOCK_ROWS * d)
        .enumerate()
        .for_each(|(block, out)| {
            let r0 = block * BLOCK_ROWS;
            let rows = out.len() / d;
            rows_times_wt(out, &s[r0 * n..(r0 + rows) * n], w, d, n);
        });
    transposed_scaled(&swt, d, n, 1.0) // [d, n]
}

/// `scale * A^T` (`[d, n]`, row-major) of `a` (`[n, d]`, row-major).
pub(crate) fn transposed_scaled(a: &[f32], d: usize, n: usize, scale: f32) -> Vec<f32> {
    let mut t = vec![0.0f32; d * n]; // [d, n]
    for (i, row) in a.chunks_exact(d.max(1)).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            t[j * n + i] = scale * v;
        }
    }
    t
}

/// `out = A W^T` (`[rows, d]`, row-major) of `a` (`[rows, n]`, row-major) and `w` (`[d, n]`,
/// row-major), single-threaded (callers parallelize over row blocks).
///
/// # Panics
/// If `w.len() != d * n`, `a.len()` is not a multiple of `n` or `out.len() != rows * d`.
pub(crate) fn rows_times_wt(out: &mut [f32], a: &[f32], w: &[f32], d: usize, n: usize) {
    assert_eq!(w.len(), d * n, "W must be d x n");
    let rows = a.len().checked_div(n).unwrap_or(0);
    assert_eq!(a.len(), rows * n, "A must be rows x n");
    assert_eq!(out.len(), rows * d, "out must be rows x d");
    // SAFETY: `out` holds `rows x d` f32 (row stride d, column stride 1); `a` holds `rows x n`
    // (row stride n, column stride 1); `w` read as `W^T` is `n x d` with row stride 1 and column
    // stride n, all within `w`'s `d * n` values (checked above). `out` is a unique borrow.
    unsafe {
        product(
            [rows, d, n],
            out.as_mut_ptr(),
            d,
            (a.as_ptr(), 1, n as isize),
            (w.as_ptr(), n as isize, 1),
        );
    }
}

/// `dst = lhs rhs` for an `[m, k]` lhs and a `[k, n]` rhs given as (pointer, column stride, row
/// stride), into the row-major `dst` (`[m, n]`, row stride `dst_rs`), single-threaded, with
/// the `gemm` crate (burn's flex matmul kernel, runtime SIMD dispatch).
///
/// # Safety
/// Every strided element of `lhs` and `rhs` is readable, `dst` holds `m` rows of stride `dst_rs`
/// and is not aliased.
pub(crate) unsafe fn product(
    [m, n, k]: [usize; 3],
    dst: *mut f32,
    dst_rs: usize,
    lhs: (*const f32, isize, isize),
    rhs: (*const f32, isize, isize),
) {
    // SAFETY: upheld by the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            false,
            lhs.0,
            lhs.1,
            lhs.2,
            rhs.0,
            rhs.1,
            rhs.2,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regularizers::{s_ll_closed_form, s_ll_closed_form_streamed};
    use crate::tests::{assert_close, random, value_and_grad};
    use burn::prelude::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn streamed_closed_form_equals_the_tensor_closed_form_in_value_and_gradient() {
        let (d, n) = (4, 45);
        let mut rng = StdRng::seed_from_u64(10);
        let w = random(&mut rng, d * n);
        let a = random(&mut rng, n * n);
        let s: Vec<f32> = (0..n * n).map(|i| a[i] + a[(i % n) * n + i / n]).collect();
        let s_tensor = Tensor::<2>::from_data(TensorData::new(s.clone(), [n, n]), &Device::flex());
        let (v_tensor, g_tensor) =
            value_and_grad(&w, d, n, |w| s_ll_closed_form(w, s_tensor.clone(), 0.7));
        let (v, g) = value_and_grad(&w, d, n, |w| s_ll_closed_form_streamed(w, &s, 0.7).unwrap());
        assert!(
            (v - v_tensor).abs() <= 1e-5 * v_tensor.abs(),
            "{v} vs {v_tensor}"
        );
        assert_close(&g, &g_tensor, 1e-5, "gradient");
    }

    #[test]
    fn streamed_product_equals_the_f64_product_for_ragged_blocks() {
        let mut rng = StdRng::seed_from_u64(9);
        // n not a multiple of BLOCK_ROWS, d = 1 and a wider d.
        for (d, n) in [(1, 7), (3, 2 * BLOCK_ROWS + 5), (10, 100)] {
            let w: Vec<f32> = (0..d * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let a: Vec<f32> = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let s: Vec<f32> = (0..n * n).map(|i| a[i] + a[(i % n) * n + i / n]).collect();
            let got = w_times_symmetric(&w, &s, d, n);
            for j in 0..d {
                for c in 0..n {
                    let want: f64 = (0..n)
                        .map(|k| w[j * n + k] as f64 * s[k * n + c] as f64)
                        .sum();
                    let g = got[j * n + c] as f64;
                    assert!(
                        (g - want).abs() <= 1e-5 * (n as f64).sqrt() * want.abs().max(1.0),
                        "d {d} n {n} ({j}, {c}): {g} vs {want}"
                    );
                }
            }
        }
    }
}
