//! Exports a small MNIST subset as CSV for the `simec` command-line example (`just example-cli`).
//!
//! `cargo run --release -p experiments --example export_cli_example -- --out DIR
//!  [--train 1000] [--test 500] [--data-dir DIR]`
//!
//! Writes to DIR (created):
//! - `X_train.csv`, `X_test.csv`: pixels / 255 of the first `--train` training and `--test` test
//!   images of the paper's main split (uncentered: the `simec` tool centers with the training
//!   mean itself);
//! - `S_train.csv` (`train x train`), `S_test.csv` (`test x test`): the centered class-label
//!   similarity `H 1[y_i = y_j] H` of each split, as in the paper's Figure 3;
//! - `labels_train.csv`, `labels_test.csv`: the digit of each row.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use experiments::data::{load_mnist, paper_main_split_sized};
use experiments::similarity::label_similarity;
use nalgebra::DMatrix;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Export a small MNIST subset and its class-label similarities as CSV.
#[derive(Debug, Parser)]
struct Args {
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Training images (at most 8000).
    #[arg(long, default_value_t = 1000)]
    train: usize,
    /// Test images (at most 2000).
    #[arg(long, default_value_t = 500)]
    test: usize,
    /// MNIST directory (default: $SIMEC_DATA_DIR, data/mnist, ../shared/data/mnist).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Writes `m` (plus `shift` per column) as comma-separated text without a header.
fn write_csv(path: &Path, m: &DMatrix<f64>, shift: Option<&[f64]>) -> Result<()> {
    let file =
        fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut w = BufWriter::new(file);
    let mut line = String::new();
    for r in 0..m.nrows() {
        line.clear();
        for c in 0..m.ncols() {
            if c > 0 {
                line.push(',');
            }
            let v = m[(r, c)] + shift.map_or(0.0, |s| s[c]);
            // f32 precision is all the SimEc uses; shortest form keeps the files small.
            line.push_str(&format!("{}", v as f32));
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()
        .with_context(|| format!("{}: cannot write", path.display()))
}

fn write_labels(path: &Path, labels: &[u8]) -> Result<()> {
    let text: String = labels.iter().map(|l| format!("{l}\n")).collect();
    fs::write(path, text).with_context(|| format!("{}: cannot write", path.display()))
}

fn main() -> Result<()> {
    let a = Args::parse();
    let mnist = load_mnist(a.data_dir.as_deref())?;
    let split = paper_main_split_sized(&mnist, a.train, a.test)?;
    fs::create_dir_all(&a.out).with_context(|| format!("{}: cannot create", a.out.display()))?;
    // The split is centered with the training mean; add it back to export pixels / 255.
    let mean = Some(split.train_mean.as_slice());
    write_csv(&a.out.join("X_train.csv"), &split.x_train, mean)?;
    write_csv(&a.out.join("X_test.csv"), &split.x_test, mean)?;
    let s_train = baselines::center_kernel(&label_similarity(&split.y_train))?;
    let s_test = baselines::center_kernel(&label_similarity(&split.y_test))?;
    write_csv(&a.out.join("S_train.csv"), &s_train, None)?;
    write_csv(&a.out.join("S_test.csv"), &s_test, None)?;
    write_labels(&a.out.join("labels_train.csv"), &split.y_train)?;
    write_labels(&a.out.join("labels_test.csv"), &split.y_test)?;
    println!(
        "exported {} training and {} test images (784 features) and their centered label \
         similarities to {}",
        a.train,
        a.test,
        a.out.display()
    );
    Ok(())
}
