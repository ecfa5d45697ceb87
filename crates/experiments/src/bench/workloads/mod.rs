//! The benchmark workloads and their inputs (MNIST when found, else random data of the same
//! shapes), prepared lazily and shared between benchmarks. The SimEc epochs are in
//! [`simec_epochs`], the linear algebra in [`linalg`].

mod linalg;
mod simec_epochs;

pub(crate) use simec_epochs::epochs_of_fit;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use baselines::SllApprox;
use burn::prelude::*;
use nalgebra::DMatrix;

use super::{time_runs, Measured};

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
    /// f64 elements of the streaming-read benchmark (far beyond the caches at full size).
    pub stream: usize,
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
            stream: 1 << 26,
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
            stream: 1 << 22,
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

/// Bytes one SimEc training epoch (f32) must move between memory and the cores at least: the
/// inputs and targets once (`4 m (D + k n)`), and per step the S_ll term's operands once
/// (`4 s_ll_elems`: `n^2` per dense slice, `2 n r` per factored one, whose U is read for `W U` and
/// again for `(.) U^T`) and the weights, their gradient and the optimizer's two moments each read
/// and written once (`32` bytes per weight). Activations of a batch stay in cache and are not
/// counted.
///
/// * `m` rows, `batch` rows per step, `dims` = `[D, hidden..., d]`, `k_total` = outputs (`k n`).
pub fn simec_epoch_bytes(
    m: usize,
    batch: usize,
    dims: &[usize],
    k_total: usize,
    s_ll_elems: f64,
) -> f64 {
    let mut all = dims.to_vec();
    all.push(k_total);
    let weights: f64 = all.windows(2).map(|w| (w[0] * w[1]) as f64).sum();
    let steps = m.div_ceil(batch) as f64;
    let (m, input) = (m as f64, dims[0] as f64);
    4.0 * m * (input + k_total as f64) + steps * (4.0 * s_ll_elems + 32.0 * weights)
}

/// Cheap deterministic pseudo-random numbers in `[0, 1)` (xorshift64*), seeded by its state.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next value in `[0, 1)`.
    pub(crate) fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Rng {
    /// The next value in `[-0.5, 0.5)`, as f32.
    pub(crate) fn uniform_f32(&mut self) -> f32 {
        (self.next() - 0.5) as f32
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

/// How a bench run is set up: its sizes, repetitions, data and SimEc backend.
pub struct Settings {
    /// The workload sizes.
    pub sizes: Sizes,
    /// `--quick`: two runs per benchmark unless `runs` says otherwise.
    pub quick: bool,
    /// `--runs`: overrides every benchmark's repetition count.
    pub runs: Option<usize>,
    /// `--data-dir`: where MNIST is searched first.
    pub data_dir: Option<PathBuf>,
    /// `--random-data`: random inputs of the same shapes even when MNIST is available.
    pub random: bool,
    /// The SimEc backend's name, for the rows.
    pub backend: &'static str,
    /// The SimEc backend's device.
    pub device: Device,
}

/// Lazily prepared inputs and the benchmark runner.
pub struct Workloads {
    settings: Settings,
    inputs: Option<Inputs>,
    /// Centered RBF kernel of the first `max(fig4_m, eig_top, mse)` training points.
    rbf_train: Option<DMatrix<f64>>,
    /// Normalized `(S1, S2)` of the centered Simpson similarity of MNIST 0/7, and that matrix.
    simpson: Option<(DMatrix<f64>, DMatrix<f64>, DMatrix<f64>)>,
}

impl Workloads {
    /// The runner for `settings`; inputs are prepared when a benchmark first needs them.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            inputs: None,
            rbf_train: None,
            simpson: None,
        }
    }

    fn runs(&self, default: usize) -> usize {
        self.settings
            .runs
            .unwrap_or(if self.settings.quick { 2 } else { default })
            .max(1)
    }

    fn inputs(&mut self) -> Result<&Inputs> {
        if self.inputs.is_none() {
            let t = Instant::now();
            let inputs = Inputs::load(
                &self.settings.sizes,
                self.settings.data_dir.as_deref(),
                self.settings.random,
            )?;
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
            let s = self.settings.sizes;
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
            let n = eig.values.len();
            let crate::similarity::NormalizedParts { s1, s2, .. } =
                crate::similarity::normalized_parts(&eig)?;
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
            "stream_read" => self.stream_read(),
            "fig3_2hl_epoch" => self.fig3_epoch(false),
            "fig3_2hl_epoch_factored" => self.fig3_epoch(true),
            "fig3_2hl_2points_intraop" => self.fig3_two_points(false),
            "fig3_2hl_2points_pointpar" => self.fig3_two_points(true),
            "fig4_n8000_epoch" => self.fig4_epoch(),
            "fig4_missing_f09_epoch" => self.fig4_missing_epoch(),
            "fig7_stacked_d100_epoch" => self.fig7_epoch(SllApprox::Dense, SllApprox::Dense),
            "fig7_stacked_d100_epoch_s1factored" => {
                self.fig7_epoch(SllApprox::Residual(1e-6), SllApprox::Dense)
            }
            "fig7_stacked_d100_epoch_s2rank1000" => {
                self.fig7_epoch(SllApprox::Residual(1e-6), SllApprox::Rank(1000))
            }
            "eigen_top10_8000" => self.eigen_top(false),
            "eigen_top10_8000_dsyevr" => self.eigen_top(true),
            "eigen_full_5000" => self.eigen_full(),
            "rbf_kernel_10000" => self.rbf(),
            "mse_yyt_8000" => self.mse(),
            _ => bail!("no workload named {name}"),
        }
    }
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
    fn epoch_bytes_count_inputs_once_and_s_ll_and_weights_per_step() {
        // 64 rows of batch 32 = 2 steps; weights 4*3 + 3*5 = 27.
        let b = simec_epoch_bytes(64, 32, &[4, 3], 5, 25.0);
        assert_eq!(
            b,
            4.0 * 64.0 * (4.0 + 5.0) + 2.0 * (4.0 * 25.0 + 32.0 * 27.0)
        );
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
