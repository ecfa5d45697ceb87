//! Times [`baselines::symmetric_eigen_top_k`] on the bench's `eigen_top10_8000` workload: the top
//! 10 eigenpairs of the centered RBF kernel (gamma 0.00475) of the first `n` MNIST training points
//! of the paper's split (images 2000.. of `train-images-idx3-ubyte.gz`, pixels / 255); with
//! `label`, of Figure 3's centered label similarity (`S_ij = [y_i = y_j]`) of the same points.
//!
//! `cargo run --release -p baselines --example krylov_timing -- [MNIST_DIR] [N] [RUNS] [rbf|label]`
//! (defaults `../shared/data/mnist`, 8000, 3, `rbf`). Prints one line per timed solve (after a warm-up
//! on the leading `n/4` block): wall time, the process's CPU time (user + system, all threads;
//! Linux, from `/proc/self/stat`, less sensitive than wall time to other processes on a loaded
//! machine), and a 64-bit FNV hash of the returned eigenvalues' and eigenvectors' bits, so that two
//! builds can be compared for bit-identical results.

use std::error::Error;
use std::io::Read;
use std::time::Instant;

use nalgebra::DMatrix;

/// The bench's RBF width (`experiments::bench::workloads::RBF_GAMMA`).
const GAMMA: f64 = 0.00475;

/// Images before the training points in the paper's split (the test set).
const SKIP: usize = 2000;

/// Pixels per image.
const PIXELS: usize = 784;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().map_or("../shared/data/mnist", String::as_str);
    let n: usize = args.get(1).map_or(Ok(8000), |s| s.parse())?;
    let runs: usize = args.get(2).map_or(Ok(3), |s| s.parse())?;
    let a = match args.get(3).map_or("rbf", String::as_str) {
        "rbf" => rbf(&mnist_rows(
            &format!("{dir}/train-images-idx3-ubyte.gz"),
            SKIP,
            n,
        )?)?,
        "label" => {
            let y = gunzip(&format!("{dir}/train-labels-idx1-ubyte.gz"))?;
            let y = y.get(8 + SKIP..8 + SKIP + n).ok_or("too few labels")?;
            DMatrix::from_fn(n, n, |i, j| f64::from(u8::from(y[i] == y[j])))
        }
        other => return Err(format!("matrix `{other}`: rbf or label").into()),
    };
    let a = baselines::center_kernel_owned(a)?;
    let warm = a.view((0, 0), (n / 4, n / 4)).into_owned();
    baselines::symmetric_eigen_top_k(&warm, 10)?;
    for run in 0..runs {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let e = baselines::symmetric_eigen_top_k(&a, 10)?;
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds().zip(cpu).map(|(end, start)| end - start);
        let bits = e.values.iter().chain(e.vectors.iter());
        let hash = bits.fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
            (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
        });
        println!(
            "run {run}: {secs:.3} s wall, {} s cpu, lambda_1 {:.15e}, lambda_10 {:.15e}, bits {hash:016x}",
            cpu.map_or("?".into(), |c| format!("{c:.2}")),
            e.values[0],
            e.values[9]
        );
    }
    Ok(())
}

/// User + system CPU time of this process so far (all threads), from `/proc/self/stat` in clock
/// ticks of 1/100 s; `None` where that file is not there.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Rows `skip..skip + n` of the gzipped IDX image file, pixels / 255: `[n, 784]`.
fn mnist_rows(path: &str, skip: usize, n: usize) -> Result<DMatrix<f64>, Box<dyn Error>> {
    let raw = gunzip(path)?;
    let count = u32::from_be_bytes(raw[4..8].try_into()?) as usize;
    if raw.len() != 16 + count * PIXELS || skip + n > count {
        return Err(
            format!("{path}: {count} images of 28 x 28 expected, {skip} + {n} asked").into(),
        );
    }
    let pixels = &raw[16 + skip * PIXELS..16 + (skip + n) * PIXELS];
    Ok(DMatrix::from_row_iterator(
        n,
        PIXELS,
        pixels.iter().map(|&p| f64::from(p) / 255.0),
    ))
}

/// The bytes of a gzipped file.
fn gunzip(path: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_end(&mut raw)?;
    Ok(raw)
}

/// `exp(-GAMMA ||x_i - x_j||^2)`: `[n, n]`, the squared distances from one dgemm.
fn rbf(x: &DMatrix<f64>) -> Result<DMatrix<f64>, Box<dyn Error>> {
    let (n, d) = x.shape();
    let ni = i32::try_from(n)?;
    let mut g = DMatrix::<f64>::zeros(n, n); // X X^T
                                             // SAFETY: x is [n, d] column-major (leading dimension n), g is [n, n].
    unsafe {
        blas::dgemm(
            b'N',
            b'T',
            ni,
            ni,
            i32::try_from(d)?,
            1.0,
            x.as_slice(),
            ni,
            x.as_slice(),
            ni,
            0.0,
            g.as_mut_slice(),
            ni,
        );
    }
    let norms: Vec<f64> = (0..n).map(|i| g[(i, i)]).collect();
    Ok(DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            1.0
        } else {
            let d2 = (norms[i] + norms[j] - 2.0 * g[(i.min(j), i.max(j))]).max(0.0);
            (-GAMMA * d2).exp()
        }
    }))
}
