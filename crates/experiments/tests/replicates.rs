//! Replicates (`--replicates N`): a 3-replicate run equals three single runs with base seeds
//! 42, 43, 44 row for row, deterministic series are computed once, and a later run with more
//! replicates computes only the new ones.

use std::path::{Path, PathBuf};
use std::process::Command;

use experiments::results::{ResultRow, ResultsFile};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fig3-tiny.toml")
}

/// The tiny Figure 3 profile cut to two dimensions, in a fresh directory.
fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("simec-replicates-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("fig3.toml");
    let base = std::fs::read_to_string(fixture()).unwrap();
    std::fs::write(
        &config,
        format!("{base}\n[profiles.rep]\nextends = \"tiny\"\nembedding_dims = [2, 3]\n"),
    )
    .unwrap();
    (dir, config)
}

/// Runs fig3's `rep` profile into `<dir>/<out>` with `args`; returns its rows and what it printed.
fn run(dir: &Path, config: &Path, out: &str, args: &[&str]) -> (Vec<ResultRow>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_fig3"))
        .arg("--config")
        .arg(config)
        .args(["--profile", "rep", "--results-dir"])
        .arg(dir.join(out).join("results"))
        .arg("--figures-dir")
        .arg(dir.join(out).join("figures"))
        .args(args)
        .output()
        .unwrap();
    let printed =
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{printed}");
    let csv = dir.join(out).join("results/fig3.csv");
    (ResultsFile::open(csv).unwrap().rows().to_vec(), printed)
}

/// Every column but the timing, with the replicate set aside.
fn key(r: &ResultRow) -> (String, f64, u64, u64, String) {
    (
        r.series.clone(),
        r.x,
        r.mse.to_bits(),
        r.seed,
        r.backend.clone(),
    )
}

#[test]
fn three_replicates_equal_three_single_runs_with_base_seeds_42_43_44() {
    let (dir, config) = setup("three");
    let (reps, _) = run(&dir, &config, "reps", &["--replicates", "3"]);
    let deterministic: Vec<_> = reps.iter().filter(|r| r.seed == 0).map(key).collect();
    assert!(!deterministic.is_empty());
    assert!(reps
        .iter()
        .filter(|r| r.seed == 0)
        .all(|r| r.replicate == 0));
    for (i, base) in [42u64, 43, 44].into_iter().enumerate() {
        let (single, _) = run(
            &dir,
            &config,
            &format!("seed{base}"),
            &["--seed", &base.to_string()],
        );
        assert!(single.iter().all(|r| r.replicate == 0));
        let mut want: Vec<_> = single.iter().filter(|r| r.seed != 0).map(key).collect();
        let mut got: Vec<_> = reps
            .iter()
            .filter(|r| r.seed != 0 && r.replicate == i as u32)
            .map(key)
            .collect();
        want.sort_by(|a, b| a.partial_cmp(b).unwrap());
        got.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert!(want.len() >= 6, "{want:?}");
        assert_eq!(
            got, want,
            "replicate {i} vs a single run with base seed {base}"
        );
        let single_det: Vec<_> = single.iter().filter(|r| r.seed == 0).map(key).collect();
        assert_eq!(
            single_det, deterministic,
            "deterministic rows, base seed {base}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn more_replicates_later_compute_only_the_new_ones() {
    let (dir, config) = setup("more");
    let (one, _) = run(&dir, &config, "out", &["--replicates", "1"]);
    let (two, printed) = run(&dir, &config, "out", &["--replicates", "2"]);
    assert!(printed.contains("lacks for replicates 0-1"), "{printed}");
    let trained = one.iter().filter(|r| r.seed != 0).count();
    assert!(
        printed.contains(&format!("{trained} points computed")),
        "only replicate 1's {trained} trained points: {printed}"
    );
    assert_eq!(two.len(), one.len() + trained);
    for r in &one {
        assert!(two.contains(r), "replicate 0 row kept as is: {r:?}");
    }
    let (_, again) = run(&dir, &config, "out", &["--replicate", "1"]);
    assert!(again.contains("is up to date"), "{again}");
    let summary = std::fs::read_to_string(dir.join("out/results/fig3.summary.csv")).unwrap();
    assert!(
        summary.lines().skip(1).any(|l| l.contains(",2,")),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
