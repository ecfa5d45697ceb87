//! Linear-algebra workloads: sgemm / dgemm peaks, top-k and full eigendecomposition, the RBF
//! kernel, the blocked MSE.

use anyhow::{bail, Result};
use burn::prelude::*;
use nalgebra::DMatrix;

use super::{time_runs, Measured, Rng, Workloads, RBF_GAMMA};

impl Workloads {
    pub(super) fn sgemm_peak(&mut self) -> Result<Measured> {
        let g = self.settings.sizes.gemm;
        let mut rng = Rng(7);
        let mut mat = |dev: &Device| {
            let v: Vec<f32> = (0..g * g).map(|_| rng.next() as f32 - 0.5).collect();
            Tensor::<2>::from_data(TensorData::new(v, [g, g]), dev)
        };
        let a = mat(&self.settings.device);
        let b = mat(&self.settings.device);
        let runs = self.runs(5);
        let times = time_runs(true, runs, || {
            let c = a.clone().matmul(b.clone()); // [g, g]
            let _ = c.narrow(0, 0, 1).narrow(1, 0, 1).into_scalar::<f32>();
            Ok(())
        })?;
        Ok(Measured {
            backend: self.settings.backend.to_string(),
            times,
            flops: 2.0 * (g as f64).powi(3),
            bytes: 3.0 * 4.0 * (g * g) as f64,
            single: None,
            threads: rayon::current_num_threads(),
            size: format!("{g}x{g}x{g} f32"),
            data: "random".into(),
            timing: "one matmul (burn Tensor::matmul), 1 warm-up".into(),
        })
    }

    pub(super) fn dgemm_peak(&mut self) -> Result<Measured> {
        let g = self.settings.sizes.gemm;
        let mut rng = Rng(11);
        let a: Vec<f64> = (0..g * g).map(|_| rng.next() - 0.5).collect();
        let b: Vec<f64> = (0..g * g).map(|_| rng.next() - 0.5).collect();
        let mut c = vec![0.0f64; g * g];
        let gi = i32::try_from(g)?;
        let runs = self.runs(5);
        let times = time_runs(true, runs, || {
            // SAFETY: a, b, c are g x g column-major with leading dimension g.
            unsafe {
                blas::dgemm(b'N', b'N', gi, gi, gi, 1.0, &a, gi, &b, gi, 0.0, &mut c, gi);
            }
            Ok(())
        })?;
        Ok(Measured {
            backend: "openblas".into(),
            times,
            flops: 2.0 * (g as f64).powi(3),
            bytes: 3.0 * 8.0 * (g * g) as f64,
            single: None,
            threads: openblas_threads(),
            size: format!("{g}x{g}x{g} f64"),
            data: "random".into(),
            timing: "one dgemm (OpenBLAS via the blas crate), 1 warm-up".into(),
        })
    }

    /// The Figure 3 2hl SimEc at d = 10: params, inputs (f32) and the FLOPs of one epoch.
    /// Top 10 of the centered RBF kernel: [`baselines::symmetric_eigen_top_k`] (block Krylov with
    /// a residual check, `dsyevr` fallback) or, with `dsyevr`, the LAPACK path alone.
    pub(super) fn eigen_top(&mut self, dsyevr: bool) -> Result<Measured> {
        let n = self.settings.sizes.eig_top;
        let runs = self.runs(3);
        let source = self.source()?;
        let k = self.rbf_train()?;
        let a = k.view((0, 0), (n, n)).into_owned();
        let warm = a.view((0, 0), (n / 4, n / 4)).into_owned();
        let solve = if dsyevr {
            baselines::symmetric_eigen_top_k_dsyevr
        } else {
            baselines::symmetric_eigen_top_k
        };
        solve(&warm, 10)?;
        let times = time_runs(false, runs, || {
            solve(&a, 10)?;
            Ok(())
        })?;
        let nf = n as f64;
        let (flops, bytes, timing) = if dsyevr {
            (
                4.0 / 3.0 * nf.powi(3) + 2.0 * nf * nf * 10.0,
                2.0 * 8.0 * nf * nf,
                format!(
                    "baselines::symmetric_eigen_top_k_dsyevr (dsyevr RANGE=I, copy + symmetry \
                     check included), warm-up on the leading {0}x{0} block; flops: dsytrd \
                     4/3 n^3 + back-transform 2 n^2 k; bytes: A read and overwritten once",
                    n / 4
                ),
            )
        } else {
            (
                // One cycle of the Krylov solver: 8 block products A V of width 16.
                8.0 * 2.0 * nf * nf * 16.0,
                8.0 * 8.0 * nf * nf,
                format!(
                    "baselines::symmetric_eigen_top_k (block Krylov, block 16 x depth 8, \
                     residual <= 1e-12 max|lambda|, dsyevr fallback; symmetry check included, \
                     no copy), warm-up on the leading {0}x{0} block; flops: one Krylov cycle \
                     (8 products 2 n^2 16), a lower bound when more cycles run; bytes: A read \
                     once per product",
                    n / 4
                ),
            )
        };
        Ok(Measured {
            backend: "openblas".into(),
            times,
            flops,
            bytes,
            single: Some(false),
            threads: openblas_threads(),
            size: format!("n={n} k=10 f64"),
            data: format!("{source} (centered RBF kernel, gamma {RBF_GAMMA})"),
            timing,
        })
    }

    pub(super) fn eigen_full(&mut self) -> Result<Measured> {
        let n = self.settings.sizes.eig_full;
        let runs = self.runs(3);
        let source = self.source()?;
        let (_, _, s) = self.simpson()?;
        if n > s.nrows() {
            bail!("eig_full {n} exceeds the Simpson matrix ({})", s.nrows());
        }
        let a = s.view((0, 0), (n, n)).into_owned();
        let warm = a.view((0, 0), (n / 4, n / 4)).into_owned();
        baselines::symmetric_eigen_full(&warm)?;
        let times = time_runs(false, runs, || {
            baselines::symmetric_eigen_full(&a)?;
            Ok(())
        })?;
        let nf = n as f64;
        Ok(Measured {
            backend: "openblas".into(),
            times,
            flops: 10.0 / 3.0 * nf.powi(3),
            bytes: 2.0 * 8.0 * nf * nf,
            single: Some(false),
            threads: openblas_threads(),
            size: format!("n={n} f64"),
            data: format!("{source} (centered Simpson similarity of MNIST 0/7)"),
            timing: format!(
                "baselines::symmetric_eigen_full (dsyevd, copy + symmetry check included), \
                 warm-up on the leading {0}x{0} block; flops: dsytrd 4/3 n^3 + back-transform \
                 2 n^3 (dstedc not counted); bytes: A read and the eigenvectors written once",
                n / 4
            ),
        })
    }

    pub(super) fn rbf(&mut self) -> Result<Measured> {
        let m = self.settings.sizes.rbf;
        let inputs = self.inputs()?;
        let (mt, me) = (inputs.x_train.nrows(), inputs.x_test.nrows());
        if m > mt + me {
            bail!("rbf size {m} exceeds the {} loaded points", mt + me);
        }
        let x = DMatrix::from_fn(m, 784, |r, c| {
            if r < mt {
                inputs.x_train[(r, c)]
            } else {
                inputs.x_test[(r - mt, c)]
            }
        });
        let source = inputs.source;
        let runs = self.runs(3);
        let times = time_runs(true, runs, || {
            crate::similarity::rbf_kernel(&x, RBF_GAMMA)?;
            Ok(())
        })?;
        let mf = m as f64;
        Ok(Measured {
            backend: "nalgebra-rayon".into(),
            times,
            flops: mf * mf * 784.0,
            bytes: 8.0 * (mf * 784.0 + mf * mf),
            single: Some(false),
            threads: rayon::current_num_threads(),
            size: format!("{m} x 784 f64"),
            data: format!("{source} (train then test points)"),
            timing: "similarity::rbf_kernel, 1 warm-up; flops: the upper-triangle blocks of X X^T \
                     (m^2 p), exp not counted; bytes: X read and K written once"
                .into(),
        })
    }

    pub(super) fn mse(&mut self) -> Result<Measured> {
        let m = self.settings.sizes.mse;
        let source = self.source()?;
        let k = self.rbf_train()?;
        let s = k.view((0, 0), (m, m)).into_owned();
        let mut rng = Rng(13);
        let y = DMatrix::from_fn(m, 10, |_, _| 0.1 * (rng.next() - 0.5)); // [m, 10]
        let runs = self.runs(5);
        let times = time_runs(true, runs, || {
            baselines::mse_gram(&y, &s)?;
            Ok(())
        })?;
        let mf = m as f64;
        Ok(Measured {
            backend: "nalgebra-rayon".into(),
            times,
            flops: 2.0 * mf * mf * 10.0 + 3.0 * mf * mf,
            bytes: 8.0 * (mf * mf + mf * 10.0),
            single: Some(false),
            threads: rayon::current_num_threads(),
            size: format!("Y {m} x 10, S {m} x {m} f64"),
            data: format!("{source} (S: centered RBF kernel; Y random)"),
            timing: "baselines::mse_gram (blocked, never forms Y Y^T), 1 warm-up; flops: \
                     2 m^2 d + 3 m^2 (difference, square, sum); bytes: S and Y read once"
                .into(),
        })
    }
}

impl Workloads {
    /// The streaming read bandwidth: a parallel sum over an f64 array far larger than the caches
    /// (rayon, all threads, eight independent accumulators per chunk so that the adds keep up
    /// with memory); the reference for every row's share of bandwidth.
    pub(super) fn stream_read(&mut self) -> Result<Measured> {
        use rayon::prelude::*;
        let n = self.settings.sizes.stream;
        let v: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect(); // pages touched
        let runs = self.runs(5);
        let mut total = 0.0;
        let times = time_runs(true, runs, || {
            total += v.par_chunks(1 << 16).map(sum8).sum::<f64>();
            Ok(())
        })?;
        std::hint::black_box(total);
        Ok(Measured {
            backend: "rayon".into(),
            times,
            flops: n as f64,
            bytes: 8.0 * n as f64,
            single: None,
            threads: rayon::current_num_threads(),
            size: format!("{n} f64 ({} MiB)", (8 * n) >> 20),
            data: "synthetic".into(),
            timing: "parallel sum (64 Ki-element chunks, 8 accumulators each), 1 warm-up".into(),
        })
    }
}

/// The sum of `c` with eight independent accumulators (so that the adds vectorize and overlap).
fn sum8(c: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut blocks = c.chunks_exact(8);
    for b in &mut blocks {
        for (a, x) in acc.iter_mut().zip(b) {
            *a += x;
        }
    }
    acc.iter().sum::<f64>() + blocks.remainder().iter().sum::<f64>()
}

extern "C" {
    fn openblas_get_num_threads() -> std::os::raw::c_int;
}

/// OpenBLAS's thread count.
fn openblas_threads() -> usize {
    // SAFETY: a plain getter of the linked OpenBLAS (system library, see baselines/build.rs).
    let n = unsafe { openblas_get_num_threads() };
    usize::try_from(n).unwrap_or(1).max(1)
}
