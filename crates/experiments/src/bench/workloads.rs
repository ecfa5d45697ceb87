//! The benchmark workloads and their inputs (MNIST when found, else random data of the same
//! shapes), prepared lazily and shared between benchmarks.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use burn::prelude::*;
use nalgebra::DMatrix;
use simec::{Activation, HiddenLayer, SimecParams, SllTarget};

use super::{time_runs, Measured};
use crate::convert::{to_simec, to_simec_block};

/// The paper's RBF bandwidth on the 8,000 training points (Section 4.2); used as is instead of
/// recomputing the median heuristic, which does not change any timing.
pub const RBF_GAMMA: f64 = 0.00475;

/// Problem sizes: the paper's (`full`) or CI-sized (`quick`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Square f32 / f64 matrix product of the peak measurements.
    pub gemm: usize,
    /// Figure 3: training points m and targets n.
    pub fig3_m: usize,
    pub fig3_n: usize,
    /// Figure 4: m = n (all columns of the kernel are targets).
    pub fig4_m: usize,
    /// Figure 7: m = n per slice.
    pub fig7_m: usize,
    /// Order of the top-10 eigenproblem.
    pub eig_top: usize,
    /// Order of the full eigenproblem (at most `fig7_m`: the leading block of the Simpson matrix).
    pub eig_full: usize,
    /// Points of the RBF kernel benchmark (at most `m_train + m_test`).
    pub rbf: usize,
    /// Order of S in the MSE benchmark (at most `fig4_m`).
    pub mse: usize,
    /// Training / test points loaded.
    pub m_train: usize,
    pub m_test: usize,
}

impl Sizes {
    /// The paper's sizes.
    pub fn full() -> Self {
        Self {
            gemm: 2048,
            fig3_m: 8000,
            fig3_n: 2000,
            fig4_m: 8000,
            fig7_m: 5000,
            eig_top: 8000,
            eig_full: 5000,
            rbf: 10_000,
            mse: 8000,
            m_train: 8000,
            m_test: 2000,
        }
    }

    /// Small sizes for a CI smoke test (the whole set in well under a minute).
    pub fn quick() -> Self {
        Self {
            gemm: 512,
            fig3_m: 1000,
            fig3_n: 500,
            fig4_m: 1000,
            fig7_m: 400,
            eig_top: 1000,
            eig_full: 400,
            rbf: 1200,
            mse: 1000,
            m_train: 1000,
            m_test: 250,
        }
    }
}

/// Matrix-product FLOPs of one SimEc training epoch (`2 m n k` per product; elementwise work and
/// the optimizer not counted).
///
/// * `m` rows, `batch` rows per step, `dims` = `[D, hidden..., d]`, `k_total` = outputs (`k n`).
/// * Per row: the forward products, the weight gradients of every layer and the input gradients
///   of every layer but the first (the input needs no gradient).
/// * Per step: the closed-form S_ll term per slice (`W S`: `2 d n^2`; `W W^T` and its gradient
///   `4 (W W^T) W`: `4 d^2 n`), and the orthogonality term (`W W^T` over all `k n` columns and its
///   two gradient products: `6 d^2 k n`).
#[allow(clippy::too_many_arguments)]
pub fn simec_epoch_flops(
    m: usize,
    batch: usize,
    dims: &[usize],
    k_total: usize,
    n: usize,
    slices: usize,
    s_ll: bool,
    orth: bool,
) -> f64 {
    let mut all = dims.to_vec();
    all.push(k_total);
    let sizes: Vec<f64> = all.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
    let total: f64 = sizes.iter().sum();
    let not_first = total - sizes[0];
    let per_row = 2.0 * (2.0 * total + not_first);
    let steps = m.div_ceil(batch) as f64;
    let d = *dims.last().expect("dims non-empty") as f64;
    let (n, k) = (n as f64, k_total as f64);
    let mut per_step = 0.0;
    if s_ll {
        per_step += slices as f64 * (2.0 * d * n * n + 4.0 * d * d * n);
    }
    if orth {
        per_step += 6.0 * d * d * k;
    }
    m as f64 * per_row + steps * per_step
}

/// Cheap deterministic pseudo-random numbers in `[0, 1)` (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn center_columns(x: &mut DMatrix<f64>) {
    for mut c in x.column_iter_mut() {
        let mean = c.mean();
        c.add_scalar_mut(-mean);
    }
}

/// Features of the main split (Figures 3, 4) and of MNIST 0/7 (Figure 7).
struct Inputs {
    x_train: DMatrix<f64>,
    x_test: DMatrix<f64>,
    y_train: Vec<u8>,
    /// `x` and `binary` of MNIST 0/7 (`fig7_m` rows).
    x07: DMatrix<f64>,
    binary07: DMatrix<f64>,
    source: &'static str,
}

impl Inputs {
    fn load(sizes: &Sizes, data_dir: Option<&std::path::Path>, random: bool) -> Result<Self> {
        if !random {
            match crate::data::load_mnist(data_dir) {
                Ok(mnist) => {
                    let split =
                        crate::data::paper_main_split_sized(&mnist, sizes.m_train, sizes.m_test)?;
                    let z = crate::data::mnist_0_7(&mnist, sizes.fig7_m)?;
                    return Ok(Self {
                        x_train: split.x_train,
                        x_test: split.x_test,
                        y_train: split.y_train,
                        x07: z.x,
                        binary07: z.binary,
                        source: "mnist",
                    });
                }
                Err(e) => eprintln!("[bench] MNIST not found ({e}); using random data"),
            }
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut pixels = |m: usize| {
            let mut x = DMatrix::from_fn(m, 784, |_, _| rng.next());
            center_columns(&mut x);
            x
        };
        let x_train = pixels(sizes.m_train);
        let x_test = pixels(sizes.m_test);
        let mut x07 = pixels(sizes.fig7_m);
        let mut binary07 = DMatrix::from_fn(sizes.fig7_m, 784, |_, _| {
            f64::from(u8::from(rng.next() < 0.19))
        });
        for r in 0..sizes.fig7_m {
            binary07[(r, r % 784)] = 1.0; // no empty image
        }
        center_columns(&mut x07);
        let y_train = (0..sizes.m_train)
            .map(|_| (rng.next() * 10.0) as u8)
            .collect();
        Ok(Self {
            x_train,
            x_test,
            y_train,
            x07,
            binary07,
            source: "random",
        })
    }
}

/// Lazily prepared inputs and the benchmark runner.
pub struct Context {
    sizes: Sizes,
    quick: bool,
    runs: Option<usize>,
    data_dir: Option<PathBuf>,
    random: bool,
    backend: &'static str,
    device: Device,
    inputs: Option<Inputs>,
    /// Centered RBF kernel of the first `max(fig4_m, eig_top, mse)` training points.
    rbf_train: Option<DMatrix<f64>>,
    /// Normalized `(S1, S2)` of the centered Simpson similarity of MNIST 0/7, and that matrix.
    simpson: Option<(DMatrix<f64>, DMatrix<f64>, DMatrix<f64>)>,
}

impl Context {
    /// A context for `sizes`; `runs` overrides every benchmark's repetition count.
    pub fn new(
        sizes: Sizes,
        quick: bool,
        runs: Option<usize>,
        data_dir: Option<PathBuf>,
        random: bool,
        backend: &'static str,
        device: Device,
    ) -> Self {
        Self {
            sizes,
            quick,
            runs,
            data_dir,
            random,
            backend,
            device,
            inputs: None,
            rbf_train: None,
            simpson: None,
        }
    }

    fn runs(&self, default: usize) -> usize {
        self.runs
            .unwrap_or(if self.quick { 2 } else { default })
            .max(1)
    }

    fn inputs(&mut self) -> Result<&Inputs> {
        if self.inputs.is_none() {
            let t = Instant::now();
            let inputs = Inputs::load(&self.sizes, self.data_dir.as_deref(), self.random)?;
            eprintln!(
                "[bench] inputs ({}) ready in {:.1} s",
                inputs.source,
                t.elapsed().as_secs_f64()
            );
            self.inputs = Some(inputs);
        }
        Ok(self.inputs.as_ref().expect("just set"))
    }

    fn source(&mut self) -> Result<&'static str> {
        Ok(self.inputs()?.source)
    }

    fn rbf_train(&mut self) -> Result<&DMatrix<f64>> {
        if self.rbf_train.is_none() {
            let s = self.sizes;
            let m = s.fig4_m.max(s.eig_top).max(s.mse);
            let x = self.inputs()?.x_train.rows(0, m).into_owned();
            let t = Instant::now();
            let k = baselines::center_kernel_owned(crate::similarity::rbf_kernel(&x, RBF_GAMMA)?)?;
            eprintln!(
                "[bench] centered RBF kernel {m} x {m} ready in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            self.rbf_train = Some(k);
        }
        Ok(self.rbf_train.as_ref().expect("just set"))
    }

    fn simpson(&mut self) -> Result<&(DMatrix<f64>, DMatrix<f64>, DMatrix<f64>)> {
        if self.simpson.is_none() {
            let t = Instant::now();
            let s = baselines::center_kernel_owned(crate::similarity::simpson_similarity(
                &self.inputs()?.binary07,
            )?)?;
            let eig = baselines::symmetric_eigen_full(&s)?;
            let (mut s1, mut s2) = baselines::split_by_sign(&eig);
            let n = eig.values.len();
            let top = eig.values[0];
            let bottom = eig.values[n - 1];
            if top > 0.0 {
                s1 /= top;
            }
            if bottom < 0.0 {
                s2 /= -bottom;
            }
            let max_abs = s1.amax().max(s2.amax());
            if max_abs > 0.0 {
                s1 /= max_abs;
                s2 /= max_abs;
            }
            eprintln!(
                "[bench] normalized Simpson parts {n} x {n} ready in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            self.simpson = Some((s1, s2, s));
        }
        Ok(self.simpson.as_ref().expect("just set"))
    }

    /// Runs one benchmark by name.
    ///
    /// # Errors
    /// Unknown name, data or model failures.
    pub fn run(&mut self, name: &str) -> Result<Measured> {
        match name {
            "sgemm_peak" => self.sgemm_peak(),
            "dgemm_peak" => self.dgemm_peak(),
            "fig3_2hl_epoch" => self.fig3_epoch(),
            "fig3_2hl_2points_intraop" => self.fig3_two_points(false),
            "fig3_2hl_2points_pointpar" => self.fig3_two_points(true),
            "fig4_n8000_epoch" => self.fig4_epoch(),
            "fig7_stacked_d100_epoch" => self.fig7_epoch(),
            "eigen_top10_8000" => self.eigen_top(false),
            "eigen_top10_8000_dsyevr" => self.eigen_top(true),
            "eigen_full_5000" => self.eigen_full(),
            "rbf_kernel_10000" => self.rbf(),
            "mse_yyt_8000" => self.mse(),
            _ => bail!("no workload named {name}"),
        }
    }

    fn sgemm_peak(&mut self) -> Result<Measured> {
        let g = self.sizes.gemm;
        let mut rng = Rng(7);
        let mut mat = |dev: &Device| {
            let v: Vec<f32> = (0..g * g).map(|_| rng.next() as f32 - 0.5).collect();
            Tensor::<2>::from_data(TensorData::new(v, [g, g]), dev)
        };
        let a = mat(&self.device);
        let b = mat(&self.device);
        let runs = self.runs(5);
        let times = time_runs(true, runs, || {
            let c = a.clone().matmul(b.clone()); // [g, g]
            let _ = c.narrow(0, 0, 1).narrow(1, 0, 1).into_scalar::<f32>();
            Ok(())
        })?;
        Ok(Measured {
            backend: self.backend.to_string(),
            times,
            flops: 2.0 * (g as f64).powi(3),
            single: None,
            threads: rayon::current_num_threads(),
            size: format!("{g}x{g}x{g} f32"),
            data: "random".into(),
            timing: "one matmul (burn Tensor::matmul), 1 warm-up".into(),
        })
    }

    fn dgemm_peak(&mut self) -> Result<Measured> {
        let g = self.sizes.gemm;
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
            single: None,
            threads: openblas_threads(),
            size: format!("{g}x{g}x{g} f64"),
            data: "random".into(),
            timing: "one dgemm (OpenBLAS via the blas crate), 1 warm-up".into(),
        })
    }

    /// The Figure 3 2hl SimEc at d = 10: params, inputs (f32) and the FLOPs of one epoch.
    fn fig3_setup(
        &mut self,
    ) -> Result<(
        SimecParams,
        simec::Matrix,
        simec::Matrix,
        simec::Matrix,
        f64,
    )> {
        let (m, n) = (self.sizes.fig3_m, self.sizes.fig3_n);
        let inputs = self.inputs()?;
        let x = to_simec(&inputs.x_train.rows(0, m).into_owned()); // [m, 784]
        let s = baselines::center_kernel_owned(crate::similarity::label_similarity(
            &inputs.y_train[..m],
        ))?; // [m, m]
        let targets = to_simec_block(&s, 0..m, 0..n); // [m, n]
        let s_ll = to_simec_block(&s, 0..n, 0..n); // [n, n]
        let params = SimecParams::new(10)
            .hidden_layers(vec![
                HiddenLayer::new(25, Activation::Tanh),
                HiddenLayer::new(25, Activation::Tanh),
            ])
            .learning_rate(0.005)
            .batch_size(32)
            .s_ll_reg(0.5)
            .l2_reg_emb(1e-5)
            .l2_reg_out(1e-7)
            .orth_reg(0.01)
            .seed(42);
        let flops = simec_epoch_flops(m, 32, &[784, 25, 25, 10], n, n, 1, true, true);
        Ok((params, x, targets, s_ll, flops))
    }

    /// Times `epochs` epochs of one fit after one warm-up epoch (per-epoch seconds from the
    /// training loop: the steps only, not the setup).
    fn epochs_of_fit(
        &self,
        params: SimecParams,
        x: &simec::Matrix,
        targets: &simec::Matrix,
        s_ll: SllTarget<'_>,
        runs: usize,
    ) -> Result<Vec<f64>> {
        let mut secs = Vec::new();
        params.epochs(runs + 1).check()?.fit_with_callback(
            x,
            targets,
            Some(s_ll),
            &self.device,
            &mut |r| {
                eprintln!(
                    "[bench]   epoch {}/{}: {:.3} s, loss {:.6}",
                    r.epoch, r.epochs, r.seconds, r.loss
                );
                secs.push(r.seconds)
            },
        )?;
        Ok(secs[1..].to_vec())
    }

    fn fig3_epoch(&mut self) -> Result<Measured> {
        let (params, x, targets, s_ll, flops) = self.fig3_setup()?;
        let (m, n) = (self.sizes.fig3_m, self.sizes.fig3_n);
        let runs = self.runs(5);
        let times = self.epochs_of_fit(params, &x, &targets, SllTarget::single(&s_ll), runs)?;
        Ok(Measured {
            backend: self.backend.to_string(),
            times,
            flops,
            single: Some(true),
            threads: rayon::current_num_threads(),
            size: format!("m={m} D=784 hidden=25,25 d=10 n={n} b=32"),
            data: format!("{} (centered label similarity)", self.source()?),
            timing: format!(
                "one full epoch ({} steps) of one fit, after 1 warm-up epoch",
                m.div_ceil(32)
            ),
        })
    }

    /// Two sweep points (seeds 1 and 2) of 2 epochs each, fit included: one after the other
    /// with all threads inside each (intra-op), or at once with one thread each (`pointpar`).
    fn fig3_two_points(&mut self, pointpar: bool) -> Result<Measured> {
        let (params, x, targets, s_ll, flops) = self.fig3_setup()?;
        let (m, n) = (self.sizes.fig3_m, self.sizes.fig3_n);
        let device = self.device.clone();
        let fit = |seed: u64| -> Result<()> {
            params.clone().seed(seed).epochs(2).fit(
                &x,
                &targets,
                Some(SllTarget::single(&s_ll)),
                &device,
            )?;
            Ok(())
        };
        let threads = rayon::current_num_threads();
        let runs = self.runs(3);
        let times = time_runs(true, runs, || {
            if pointpar {
                std::thread::scope(|scope| -> Result<()> {
                    let handles: Vec<_> = [1u64, 2]
                        .into_iter()
                        .map(|seed| {
                            let fit = &fit;
                            scope.spawn(move || -> Result<()> {
                                let pool = rayon::ThreadPoolBuilder::new()
                                    .num_threads((threads / 2).max(1))
                                    .build()?;
                                pool.install(|| fit(seed))
                            })
                        })
                        .collect();
                    for h in handles {
                        h.join()
                            .map_err(|_| anyhow::anyhow!("a sweep point panicked"))??;
                    }
                    Ok(())
                })
            } else {
                fit(1)?;
                fit(2)
            }
        })?;
        Ok(Measured {
            backend: self.backend.to_string(),
            times,
            flops: 4.0 * flops,
            single: Some(true),
            threads,
            size: format!("2 points x 2 epochs, m={m} D=784 hidden=25,25 d=10 n={n} b=32"),
            data: format!("{} (centered label similarity)", self.source()?),
            timing: if pointpar {
                format!(
                    "two fits at once, each in its own {}-thread rayon pool; setup included; 1 warm-up",
                    (threads / 2).max(1)
                )
            } else {
                format!("two fits one after the other, {threads} threads each; setup included; 1 warm-up")
            },
        })
    }

    fn fig4_epoch(&mut self) -> Result<Measured> {
        let m = self.sizes.fig4_m;
        let x = to_simec(&self.inputs()?.x_train.rows(0, m).into_owned()); // [m, 784]
        let k = self.rbf_train()?;
        let kk = to_simec_block(k, 0..m, 0..m); // [m, m]: targets and S_ll
        let params = SimecParams::new(10)
            .hidden_layers(vec![HiddenLayer::new(1000, Activation::Tanh)])
            .learning_rate(0.0005)
            .batch_size(32)
            .s_ll_reg(1.0)
            .l2_reg(1e-8)
            .l2_reg_emb(1e-5)
            .l2_reg_out(1e-7)
            .seed(42);
        let runs = self.runs(3);
        let times = self.epochs_of_fit(params, &x, &kk, SllTarget::single(&kk), runs)?;
        Ok(Measured {
            backend: self.backend.to_string(),
            times,
            flops: simec_epoch_flops(m, 32, &[784, 1000, 10], m, m, 1, true, false),
            single: Some(true),
            threads: rayon::current_num_threads(),
            size: format!("m={m} D=784 hidden=1000 d=10 n={m} b=32"),
            data: format!(
                "{} (centered RBF kernel, gamma {RBF_GAMMA})",
                self.source()?
            ),
            timing: format!(
                "one full epoch ({} steps) of one fit, after 1 warm-up epoch",
                m.div_ceil(32)
            ),
        })
    }

    fn fig7_epoch(&mut self) -> Result<Measured> {
        let m = self.sizes.fig7_m;
        let x = to_simec(&self.inputs()?.x07.clone()); // [m, 784]
        let (s1, s2, _) = self.simpson()?;
        let targets = simec::Matrix::from_fn(m, 2 * m, |r, c| {
            if c < m {
                s1[(r, c)] as f32
            } else {
                s2[(r, c - m)] as f32
            }
        }); // [m, 2m]
        let (l1, l2) = (to_simec(s1), to_simec(s2)); // [m, m] each
        let params = SimecParams::new(100)
            .hidden_layers(vec![HiddenLayer::new(200, Activation::Tanh)])
            .n_slices(2)
            .learning_rate(0.0008)
            .batch_size(32)
            .s_ll_reg(1.0)
            .l2_reg(1e-7)
            .l2_reg_emb(1e-4)
            .l2_reg_out(1e-7)
            .seed(42);
        let runs = self.runs(3);
        let times = self.epochs_of_fit(
            params,
            &x,
            &targets,
            SllTarget::slices(vec![&l1, &l2]),
            runs,
        )?;
        Ok(Measured {
            backend: self.backend.to_string(),
            times,
            flops: simec_epoch_flops(m, 32, &[784, 200, 100], 2 * m, m, 2, true, false),
            single: Some(true),
            threads: rayon::current_num_threads(),
            size: format!("m={m} D=784 hidden=200 d=100 k=2 n={m} b=32"),
            data: format!(
                "{} (MNIST 0/7 Simpson, normalized S1 and S2)",
                self.source()?
            ),
            timing: format!(
                "one full epoch ({} steps) of one fit, after 1 warm-up epoch",
                m.div_ceil(32)
            ),
        })
    }

    /// Top 10 of the centered RBF kernel: [`baselines::symmetric_eigen_top_k`] (block Krylov with
    /// a residual check, `dsyevr` fallback) or, with `dsyevr`, the LAPACK path alone.
    fn eigen_top(&mut self, dsyevr: bool) -> Result<Measured> {
        let n = self.sizes.eig_top;
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
        let (flops, timing) = if dsyevr {
            (
                4.0 / 3.0 * nf.powi(3) + 2.0 * nf * nf * 10.0,
                format!(
                    "baselines::symmetric_eigen_top_k_dsyevr (dsyevr RANGE=I, copy + symmetry \
                     check included), warm-up on the leading {0}x{0} block; flops: dsytrd \
                     4/3 n^3 + back-transform 2 n^2 k",
                    n / 4
                ),
            )
        } else {
            (
                // One cycle of the Krylov solver: 8 block products A V of width 16.
                8.0 * 2.0 * nf * nf * 16.0,
                format!(
                    "baselines::symmetric_eigen_top_k (block Krylov, block 16 x depth 8, \
                     residual <= 1e-12 max|lambda|, dsyevr fallback; symmetry check included, \
                     no copy), warm-up on the leading {0}x{0} block; flops: one Krylov cycle \
                     (8 products 2 n^2 16), a lower bound when more cycles run",
                    n / 4
                ),
            )
        };
        Ok(Measured {
            backend: "openblas".into(),
            times,
            flops,
            single: Some(false),
            threads: openblas_threads(),
            size: format!("n={n} k=10 f64"),
            data: format!("{source} (centered RBF kernel, gamma {RBF_GAMMA})"),
            timing,
        })
    }

    fn eigen_full(&mut self) -> Result<Measured> {
        let n = self.sizes.eig_full;
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
            single: Some(false),
            threads: openblas_threads(),
            size: format!("n={n} f64"),
            data: format!("{source} (centered Simpson similarity of MNIST 0/7)"),
            timing: format!(
                "baselines::symmetric_eigen_full (dsyevd, copy + symmetry check included), \
                 warm-up on the leading {0}x{0} block; flops: dsytrd 4/3 n^3 + back-transform \
                 2 n^3 (dstedc not counted)",
                n / 4
            ),
        })
    }

    fn rbf(&mut self) -> Result<Measured> {
        let m = self.sizes.rbf;
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
            single: Some(false),
            threads: rayon::current_num_threads(),
            size: format!("{m} x 784 f64"),
            data: format!("{source} (train then test points)"),
            timing: "similarity::rbf_kernel, 1 warm-up; flops: the upper-triangle blocks of X X^T \
                     (m^2 p), exp not counted"
                .into(),
        })
    }

    fn mse(&mut self) -> Result<Measured> {
        let m = self.sizes.mse;
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
            single: Some(false),
            threads: rayon::current_num_threads(),
            size: format!("Y {m} x 10, S {m} x {m} f64"),
            data: format!("{source} (S: centered RBF kernel; Y random)"),
            timing: "baselines::mse_gram (blocked, never forms Y Y^T), 1 warm-up; flops: \
                     2 m^2 d + 3 m^2 (difference, square, sum)"
                .into(),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_flops_of_the_figure_3_network() {
        // 784-25-25-10 -> 2000 outputs, one row: forward 2*40475, weight grads 2*40475,
        // input grads 2*(40475 - 19600).
        let per_row = 2.0 * (2.0 * 40_475.0 + 20_875.0);
        let f = simec_epoch_flops(1, 32, &[784, 25, 25, 10], 2000, 2000, 1, false, false);
        assert_eq!(f, per_row);
        // One step of the S_ll term: W S and the d x d gram products.
        let s = simec_epoch_flops(1, 32, &[784, 25, 25, 10], 2000, 2000, 1, true, false) - f;
        assert_eq!(s, 2.0 * 10.0 * 2000.0 * 2000.0 + 4.0 * 100.0 * 2000.0);
        // 8000 rows of batch 32 = 250 steps.
        let e = simec_epoch_flops(8000, 32, &[784, 25, 25, 10], 2000, 2000, 1, true, true);
        assert_eq!(e, 8000.0 * per_row + 250.0 * (s + 6.0 * 100.0 * 2000.0));
    }

    #[test]
    fn rng_is_uniform_enough() {
        let mut r = Rng(1);
        let v: Vec<f64> = (0..10_000).map(|_| r.next()).collect();
        assert!(v.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }
}
