//! Downloads the four MNIST files into `data/mnist` of the project root (or `--dir DIR`) and
//! verifies them (`just data`). The figure binaries and the tests do the same on their own when
//! no directory holds MNIST; this only does it ahead of time.
//!
//! `cargo run --release -p experiments --example download_mnist -- [--dir DIR]`
//! Mirrors: `SIMEC_MNIST_MIRROR` (a URL prefix, `file://` works), else the standard ones.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use experiments::data::mnist::{load_mnist_from_dir, MNIST_FILES};
use experiments::data::Downloader;
use experiments::results::repo_root;

/// Download and verify MNIST.
#[derive(Debug, Parser)]
struct Args {
    /// Target directory [default: <project root>/data/mnist].
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let dir = args.dir.unwrap_or_else(|| repo_root().join("data/mnist"));
    Downloader::from_env().fetch(&dir, &MNIST_FILES)?;
    let m = load_mnist_from_dir(&dir).with_context(|| format!("verifying {}", dir.display()))?;
    println!("MNIST ok: {} images in {}", m.n, dir.display());
    Ok(())
}
