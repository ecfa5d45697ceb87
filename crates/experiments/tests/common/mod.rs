//! Helpers shared by the figure integration tests: the repository root, a scratch copy of a
//! figure config with an extra test profile, and the `FigureArgs` that run it there.

use std::path::{Path, PathBuf};

use experiments::cli::{BackendArg, FigureArgs};

/// The repository root (`crates/experiments/../..`).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh temp dir holding the figure's config plus a `test` profile extending `quick`.
#[allow(dead_code)] // not every test binary uses every helper
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

#[allow(dead_code)]
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
        backend: BackendArg::Cpu,
        config: Some(config),
        jobs: 0,
    }
}
