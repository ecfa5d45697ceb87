//! `W S` for a symmetric S_ll at memory speed on the CPU (flex) backend, for the dense closed
//! form of the s_ll regularizer ([`crate::regularizers::s_ll_closed_form`]).
//!
//! With `d << n` the product `W S` (`[d, n] x [n, n]`) does `2 d` flops per entry of S, so it is
//! bound by reading S (`4 n^2` bytes per step; 256 MB at `n = 8000`) once the flops run at the
//! machine's vector width. A general matmul does neither here: the `gemm` crate packs every row
//! block of S (a copy) and, built without its `nightly` feature, runs 256-bit kernels even where
//! the CPU has 512-bit ones. This kernel reads S exactly once, in place:
//! `(W S)[j, c] = sum_k W[j, k] S[k, c]` accumulates whole rows of S, so each read is a
//! contiguous segment of a row. The columns are cut into tiles (one rayon task each) whose
//! accumulators `[d, width]` stay in the L2 cache while `ROWS_PER_PASS` rows of S at a time are
//! folded in, each row's stream prefetched ahead of its loads.
//!
//! Every entry is one sequential chain of f32 fused multiply-adds over `k = 0..n`, whatever the
//! tile, the thread count or the SIMD width (AVX-512, AVX2 + FMA, or the portable
//! [`f32::mul_add`]); so the result is the same bit for bit on every CPU and equals the plain
//! scalar loop `acc = S[k, c].mul_add(W[j, k], acc)`. S need not be symmetric for this product;
//! the caller's S_ll is, which makes `W S` the regularizer's gradient.

use rayon::prelude::*;

/// Largest embedding dimension `d` for which the s_ll term streams `W S` on the host. Beyond it
/// the product does enough flops per byte of S to be compute-bound, where burn's matmul (one
/// parallel gemm) is as fast; Figure 7's d = 100 stays with it.
pub(crate) const STREAMED_MAX_D: usize = 32;

/// Most columns of `W S` per rayon task. The columns are split into one tile per thread (long
/// row segments stream best), more where a tile would exceed this: its accumulators
/// (`d x 4096` f32, 160 KB at d = 10) must stay in the L2 cache.
const TILE_COLS: usize = 4096;

/// The tile width for `n` columns on `threads` threads: equal tiles, a multiple of 32 columns
/// (whole vector steps). Any width gives the same bits; it only moves work between threads.
fn tile_cols(n: usize, threads: usize) -> usize {
    let tiles = threads.max(1).max(n.div_ceil(TILE_COLS));
    n.div_ceil(tiles).next_multiple_of(32)
}

/// Rows of S folded into the accumulators per pass over a tile: each accumulator is loaded and
/// stored once per 16 fused multiply-adds, and 16 rows are streamed side by side.
const ROWS_PER_PASS: usize = 16;

/// `W S` (`[d, n]`, row-major) of `w` (`[d, n]`, row-major) and `s` (`[n, n]`, row-major), each
/// entry the sequential FMA chain `sum_{k = 0..n} S[k, c] W[j, k]` (see the module docs). The
/// caller's S is symmetric, which makes this the s_ll regularizer's `W S`.
///
/// # Panics
/// If `w.len() != d * n` or `s.len() != n * n` (internal callers uphold both).
pub(crate) fn w_times_symmetric(w: &[f32], s: &[f32], d: usize, n: usize) -> Vec<f32> {
    assert_eq!(w.len(), d * n, "W must be d x n");
    assert_eq!(s.len(), n * n, "S must be n x n");
    if d == 0 || n == 0 {
        return vec![0.0; d * n];
    }
    let wt = transposed_scaled(w, n, d, 1.0); // [n, d]: the d weights of row k of S, contiguous
    let cols = tile_cols(n, rayon::current_num_threads());
    let simd = Simd::detect();
    let mut tiles = vec![0.0f32; d * n]; // tile-major: tile t is [d, width_t]
    tiles
        .par_chunks_mut(d * cols)
        .enumerate()
        .for_each(|(t, acc)| accumulate_tile(simd, acc, s, &wt, d, n, t * cols, acc.len() / d));
    let mut ws = vec![0.0f32; d * n]; // [d, n]
    for (t, tile) in tiles.chunks(d * cols).enumerate() {
        let (c0, width) = (t * cols, tile.len() / d);
        for j in 0..d {
            ws[j * n + c0..j * n + c0 + width].copy_from_slice(&tile[j * width..(j + 1) * width]);
        }
    }
    ws
}

/// The vector instructions a tile is folded with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Simd {
    /// 16 f32 lanes (AVX-512F with FMA).
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// 8 f32 lanes (AVX2 with FMA).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Scalar [`f32::mul_add`].
    None,
}

impl Simd {
    /// The widest the CPU has.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") {
                return Simd::Avx512;
            }
            if has!("avx2") && has!("fma") {
                return Simd::Avx2;
            }
        }
        Simd::None
    }

    /// Columns per step of a fold: two vectors, so that each broadcast weight serves two FMAs.
    fn step(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => 32,
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => 16,
            Simd::None => 1,
        }
    }

    /// Most rows of the tile folded together: two accumulators each, plus two vectors of S and
    /// a broadcast weight, within the 32 (AVX-512) or 16 (AVX2) vector registers.
    fn max_group(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => 12,
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => 6,
            Simd::None => 1,
        }
    }
}

/// `acc[j, c] += sum_k S[k, c0 + c] wt[k, j]` over all `k` in order, for the `[d, width]` tile
/// `acc` (row-major), with the instructions `simd` (which the CPU must have; every choice gives
/// the same bits): passes of `ROWS_PER_PASS` rows of S, each folded into groups of up to
/// [`GROUP`] rows of the tile.
#[allow(clippy::too_many_arguments)]
fn accumulate_tile(
    simd: Simd,
    acc: &mut [f32],
    s: &[f32],
    wt: &[f32],
    d: usize,
    n: usize,
    c0: usize,
    width: usize,
) {
    let vector_end = width - width % simd.step();
    let mut k = 0;
    while k < n {
        let rows_here = ROWS_PER_PASS.min(n - k);
        // S[k + i, c0..c0 + width]; a short last pass repeats its last row, never read.
        let rows: [&[f32]; ROWS_PER_PASS] = std::array::from_fn(|i| {
            let r = k + i.min(rows_here - 1);
            &s[r * n + c0..r * n + c0 + width]
        });
        let w = &wt[k * d..(k + rows_here) * d]; // [rows_here, d]
        let vectorized = if rows_here == ROWS_PER_PASS && simd != Simd::None {
            // Groups of equal size (d = 10: one of 10, d = 14 with AVX2: 5, 5, 4).
            let groups = d.div_ceil(simd.max_group());
            let mut j0 = 0;
            while j0 < d {
                let group = d.div_ceil(groups).min(d - j0);
                let wg: [[f32; GROUP]; ROWS_PER_PASS] = std::array::from_fn(|i| {
                    std::array::from_fn(|jj| if jj < group { w[i * d + j0 + jj] } else { 0.0 })
                });
                let tile = &mut acc[j0 * width..(j0 + group) * width];
                fold_group(simd, tile, group, width, vector_end, &rows, &wg);
                j0 += group;
            }
            vector_end
        } else {
            0
        };
        // The columns past the last full vector, and every column of a scalar or short pass.
        for j in 0..d {
            let a = &mut acc[j * width..(j + 1) * width];
            for (c, x) in a.iter_mut().enumerate().skip(vectorized) {
                for (i, r) in rows.iter().enumerate().take(rows_here) {
                    *x = r[c].mul_add(w[i * d + j], *x);
                }
            }
        }
        k += rows_here;
    }
}

/// Folds one full pass into `group` rows of the tile (`tile`: `[group, width]`) over columns
/// `0..vector_end`.
fn fold_group(
    simd: Simd,
    tile: &mut [f32],
    group: usize,
    width: usize,
    vector_end: usize,
    rows: &[&[f32]; ROWS_PER_PASS],
    wg: &[[f32; GROUP]; ROWS_PER_PASS],
) {
    assert!(tile.len() >= group * width && vector_end <= width && group <= GROUP);
    assert!(rows.iter().all(|r| r.len() >= vector_end));
    let ptrs: [*const f32; ROWS_PER_PASS] = std::array::from_fn(|i| rows[i].as_ptr());
    macro_rules! groups {
        ($f:ident) => {
            // SAFETY: the caller chose `simd` from the CPU's features; every access is within
            // `tile` (`group` rows of `width`) and the rows' first `vector_end` columns
            // (asserted above), in whole vectors below `vector_end`.
            unsafe {
                match group {
                    1 => $f::<1>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    2 => $f::<2>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    3 => $f::<3>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    4 => $f::<4>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    5 => $f::<5>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    6 => $f::<6>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    7 => $f::<7>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    8 => $f::<8>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    9 => $f::<9>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    10 => $f::<10>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    11 => $f::<11>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                    _ => $f::<12>(tile.as_mut_ptr(), width, vector_end, &ptrs, wg),
                }
            }
        };
    }
    match simd {
        #[cfg(target_arch = "x86_64")]
        Simd::Avx512 => groups!(fold_avx512),
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => groups!(fold_avx2),
        Simd::None => unreachable!("the scalar path folds no vectors"),
    }
}

/// Capacity of a group's weights (the largest [`Simd::max_group`]).
const GROUP: usize = 12;

/// Columns ahead (384 bytes) at which each row's stream is prefetched: the hardware prefetcher
/// alone left the 16 streams at about 10 GB/s, this takes them to about 25 GB/s (2 threads,
/// n = 8000; 64 to 128 are all close).
const PREFETCH_AHEAD: usize = 96;

/// Generates a group fold for one instruction set: per step of two vectors of columns, `2 J`
/// accumulators loaded once, `ROWS_PER_PASS` pairs of vectors of S each fused-multiply-added
/// into all of them (`2 J` independent chains hide the FMA latency), then stored.
macro_rules! fold_kernel {
    ($name:ident, $features:literal, $lanes:literal, $vec:ty, $load:ident, $store:ident, $fma:ident, $set1:ident) => {
        /// # Safety
        /// The CPU has the instructions named in the target features; `tile` holds `J` rows of
        /// `width` f32, each row pointer `vector_end` readable f32, `vector_end` is a multiple
        /// of two vectors and at most `width`.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name<const J: usize>(
            tile: *mut f32,
            width: usize,
            vector_end: usize,
            rows: &[*const f32; ROWS_PER_PASS],
            wg: &[[f32; GROUP]; ROWS_PER_PASS],
        ) {
            use std::arch::x86_64::*;
            let mut c = 0;
            while c < vector_end {
                // SAFETY: within the bounds the caller guarantees.
                unsafe {
                    let mut a: [[$vec; 2]; J] = std::array::from_fn(|jj| {
                        let p = tile.add(jj * width + c);
                        [$load(p), $load(p.add($lanes))]
                    });
                    for i in 0..ROWS_PER_PASS {
                        _mm_prefetch::<_MM_HINT_T0>(
                            rows[i].wrapping_add(c + PREFETCH_AHEAD).cast(),
                        );
                        _mm_prefetch::<_MM_HINT_T0>(
                            rows[i].wrapping_add(c + PREFETCH_AHEAD + $lanes).cast(),
                        );
                        let s0 = $load(rows[i].add(c));
                        let s1 = $load(rows[i].add(c + $lanes));
                        for jj in 0..J {
                            let w = $set1(wg[i][jj]);
                            a[jj][0] = $fma(s0, w, a[jj][0]);
                            a[jj][1] = $fma(s1, w, a[jj][1]);
                        }
                    }
                    for jj in 0..J {
                        let p = tile.add(jj * width + c);
                        $store(p, a[jj][0]);
                        $store(p.add($lanes), a[jj][1]);
                    }
                }
                c += 2 * $lanes;
            }
        }
    };
}

fold_kernel!(
    fold_avx512,
    "avx512f,fma",
    16,
    __m512,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_set1_ps
);
fold_kernel!(
    fold_avx2,
    "avx2,fma",
    8,
    __m256,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_set1_ps
);

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

    /// The plain scalar chain the kernel promises to reproduce bit for bit.
    fn scalar_chain(w: &[f32], s: &[f32], d: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; d * n];
        for j in 0..d {
            for c in 0..n {
                let mut acc = 0.0f32;
                for k in 0..n {
                    acc = s[k * n + c].mul_add(w[j * n + k], acc);
                }
                out[j * n + c] = acc;
            }
        }
        out
    }

    fn symmetric(rng: &mut StdRng, n: usize) -> Vec<f32> {
        let a: Vec<f32> = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
        (0..n * n).map(|i| a[i] + a[(i % n) * n + i / n]).collect()
    }

    #[test]
    fn streamed_product_is_the_sequential_fma_chain_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(9);
        // Ragged in every blocking: n below ROWS_PER_PASS, n not a multiple of ROWS_PER_PASS or
        // of the 32-column step, d = 1, above one group, the figures' 10 and the maximum; on 1,
        // 2 and 3 threads, i.e. 1 to 3 tiles of different widths.
        let shapes = [
            (1, 5),
            (3, ROWS_PER_PASS + 3),
            (10, 3 * ROWS_PER_PASS + 37),
            (GROUP + 1, 2 * ROWS_PER_PASS + 70),
            (STREAMED_MAX_D, 200),
        ];
        for threads in 1..=3 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for (d, n) in shapes {
                let w: Vec<f32> = (0..d * n).map(|_| rng.random_range(-1.0..1.0)).collect();
                let s = symmetric(&mut rng, n);
                let got = pool.install(|| w_times_symmetric(&w, &s, d, n));
                let want = scalar_chain(&w, &s, d, n);
                let differ = got
                    .iter()
                    .zip(&want)
                    .filter(|(g, w)| g.to_bits() != w.to_bits())
                    .count();
                assert_eq!(differ, 0, "{threads} threads, d {d} n {n}: {differ} differ");
            }
        }
    }

    #[test]
    fn tiles_are_one_per_thread_in_whole_steps_and_at_most_tile_cols() {
        assert_eq!(tile_cols(8000, 2), 4000);
        assert_eq!(tile_cols(8000, 1), 4000); // two tiles of TILE_COLS at most
        assert_eq!(tile_cols(32000, 2), 4000);
        assert_eq!(tile_cols(100, 3), 64);
        assert_eq!(tile_cols(5, 0), 32);
    }

    #[test]
    fn every_simd_path_gives_the_same_bits() {
        let mut rng = StdRng::seed_from_u64(7);
        // d above one group, n with a short last pass; a tile of whole steps and a ragged one.
        let (d, n) = (GROUP + 3, 2 * ROWS_PER_PASS + 67);
        let w: Vec<f32> = (0..d * n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let s = symmetric(&mut rng, n);
        let wt = transposed_scaled(&w, n, d, 1.0);
        let chain = scalar_chain(&w, &s, d, n);
        let mut paths = vec![Simd::None, Simd::detect()];
        #[cfg(target_arch = "x86_64")]
        if Simd::detect() == Simd::Avx512 {
            paths.push(Simd::Avx2); // AVX-512 implies AVX2 and FMA
        }
        for simd in paths {
            for (c0, width) in [(0, 64), (64, n - 64)] {
                let mut acc = vec![0.0f32; d * width];
                accumulate_tile(simd, &mut acc, &s, &wt, d, n, c0, width);
                for j in 0..d {
                    for c in 0..width {
                        assert_eq!(
                            acc[j * width + c].to_bits(),
                            chain[j * n + c0 + c].to_bits(),
                            "{simd:?} tile at {c0}: ({j}, {c})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn streamed_product_equals_the_f64_product() {
        let mut rng = StdRng::seed_from_u64(8);
        for (d, n) in [(1, 7), (3, 2 * ROWS_PER_PASS + 5), (10, 100)] {
            let w: Vec<f32> = (0..d * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let s = symmetric(&mut rng, n);
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

    /// No rows of W (d = 0) or an empty S (n = 0): an empty product, not a zero-sized chunk.
    #[test]
    fn empty_operands_give_an_empty_product() {
        let s = symmetric(&mut StdRng::seed_from_u64(1), 5);
        assert!(w_times_symmetric(&[], &s, 0, 5).is_empty());
        assert!(w_times_symmetric(&[], &[], 3, 0).is_empty());
    }
}
