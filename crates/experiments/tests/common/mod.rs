//! Helpers shared by the integration tests: scratch directories, IDX / gzip test files, the
//! repository root, a scratch copy of a figure config with an extra test profile, the
//! `FigureArgs` that run it there and a finished quick run. Not every test binary uses every
//! helper.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty directory under the system temp dir, unique per call and test process.
pub fn scratch(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let k = N.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("simec-test-{}-{tag}-{k}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An IDX1 labels file (magic 2049, count, one byte per label).
pub fn labels_bytes(labels: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&2049u32.to_be_bytes());
    b.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    b.extend_from_slice(labels);
    b
}

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

use experiments::cli::{BackendArg, FigureArgs};

/// The repository root (`crates/experiments/../..`).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh temp dir holding the figure's config plus a `test` profile extending `quick`.
pub fn scratch_config(figure: &str, extra: &str) -> (PathBuf, PathBuf) {
    scratch_config_as(figure, figure, extra)
}

/// [`scratch_config`] in a temp dir named after `name` (several per test binary).
pub fn scratch_config_as(name: &str, figure: &str, extra: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("simec-{name}-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let base =
        std::fs::read_to_string(repo().join("experiments").join(format!("{figure}.toml"))).unwrap();
    let config = dir.join(format!("{figure}.toml"));
    std::fs::write(&config, format!("{base}\n{extra}")).unwrap();
    (dir, config)
}

/// Arguments running the `test` profile of `config` with real MNIST, outputs under `dir`.
pub fn args(dir: &Path, config: PathBuf) -> FigureArgs {
    FigureArgs {
        profile: "test".into(),
        // Real MNIST as the binaries find it (SIMEC_DATA_DIR, data/mnist, ../shared, download).
        data_dir: None,
        root: None,
        results_dir: Some(dir.join("results")),
        figures_dir: Some(dir.join("figures")),
        force: true,
        seed: None,
        replicates: None,
        replicate: Vec::new(),
        backend: BackendArg::Cpu,
        config: Some(config),
        jobs: 0,
        shard: None,
        merge: false,
    }
}

/// A finished run of figure `F`'s `quick` profile with some keys overridden, in a scratch
/// directory that is removed when the value is dropped.
pub struct QuickRun {
    /// The scratch directory (`results/`, `figures/` below it).
    pub dir: PathBuf,
    /// The run's results CSV.
    pub results: experiments::results::ResultsFile,
}

impl QuickRun {
    /// Runs the `test` profile (`quick` plus the TOML lines `overrides`) of `F` through the
    /// library entry point and checks what every run must leave: rows naming the figure and its
    /// x, the metadata file and the drawn SVG and PNG.
    pub fn of<F: experiments::figures::sweep::Figure>(overrides: &str) -> Self {
        let extra = format!("[profiles.test]\nextends = \"quick\"\n{overrides}\n");
        let (dir, config) = scratch_config(F::NAME, &extra);
        experiments::figures::run_figure::<F>(&args(&dir, config)).unwrap();
        let results = dir.join(format!("results/{}.csv", F::NAME));
        let results = experiments::results::ResultsFile::open(results).unwrap();
        assert!(results
            .rows()
            .iter()
            .all(|r| r.figure == F::NAME && r.x_name == F::X_NAME));
        for file in ["results/{}.meta.toml", "figures/{}.svg", "figures/{}.png"] {
            let path = dir.join(file.replace("{}", F::NAME));
            assert!(path.exists(), "{} is missing", path.display());
        }
        Self { dir, results }
    }

    /// The MSE of `series` at `x` (panics naming them when the point is missing).
    pub fn mse(&self, series: &str, x: f64) -> f64 {
        let row = self.results.get(series, x, 0);
        row.unwrap_or_else(|| panic!("{series} {x}")).mse
    }
}

impl Drop for QuickRun {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every profile of `experiments/<F::NAME>.toml`, by name (sorted), each loaded as `F`.
pub fn profiles<F: experiments::figures::sweep::Figure>() -> Vec<(String, F)> {
    let path = repo().join(format!("experiments/{}.toml", F::NAME));
    let names = experiments::config::profile_names(&path).unwrap();
    let load = |name: String| {
        let profile = experiments::config::load_profile(&path, &name);
        let profile = profile.unwrap_or_else(|e| panic!("profile {name}: {e}"));
        (name, profile)
    };
    names.into_iter().map(load).collect()
}

/// Asserts that the message `msg` contains every one of `needles`, naming the first missing.
pub fn assert_mentions(msg: &str, needles: &[&str]) {
    for needle in needles {
        assert!(msg.contains(needle), "no `{needle}` in: {msg}");
    }
}
