//! `--jobs` changes the wall time only: every figure binary, on its quick profile cut to a few
//! trained points, writes the same CSV (every column but `wall_s`) with one point at a time and
//! with two at once (each on its own thread pool).

mod common;
use common::scratch_config_as;

use std::path::Path;
use std::process::Command;

/// The CSV without the timing column.
fn rows_without_timing(csv: &Path) -> Vec<String> {
    std::fs::read_to_string(csv)
        .unwrap_or_else(|e| panic!("{}: {e}", csv.display()))
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

fn run(bin: &str, figure: &str, dir: &Path, config: &Path, jobs: &str) -> Vec<String> {
    let out_dir = dir.join(format!("jobs{jobs}"));
    let out = Command::new(bin)
        .arg("--config")
        .arg(config)
        .args(["--profile", "test", "--jobs", jobs])
        .arg("--results-dir")
        .arg(out_dir.join("results"))
        .arg("--figures-dir")
        .arg(out_dir.join("figures"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{figure} --jobs {jobs}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    rows_without_timing(&out_dir.join(format!("results/{figure}.csv")))
}

fn same_with_one_and_two_jobs(bin: &str, figure: &str, cut: &str) {
    let (dir, config) = scratch_config_as(
        &format!("{figure}-jobs"),
        figure,
        &format!("[profiles.test]\nextends = \"quick\"\n{cut}\n"),
    );
    let one = run(bin, figure, &dir, &config, "1");
    let two = run(bin, figure, &dir, &config, "2");
    assert!(one.len() > 2, "{figure}: {one:?}");
    assert_eq!(one, two, "{figure}: --jobs 1 and --jobs 2 differ");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn jobs_do_not_change_fig4_lambda() {
    same_with_one_and_two_jobs(
        env!("CARGO_BIN_EXE_fig4_lambda"),
        "fig4_lambda",
        "lambdas = [0.0, 1.0]",
    );
}

#[test]
fn jobs_do_not_change_fig4_targets() {
    same_with_one_and_two_jobs(
        env!("CARGO_BIN_EXE_fig4_targets"),
        "fig4_targets",
        "n_targets = [250, 1000]",
    );
}

#[test]
fn jobs_do_not_change_fig4_missing() {
    same_with_one_and_two_jobs(
        env!("CARGO_BIN_EXE_fig4_missing"),
        "fig4_missing",
        "fractions = [0.0, 0.9]",
    );
}

#[test]
fn jobs_do_not_change_fig5_simpson() {
    same_with_one_and_two_jobs(env!("CARGO_BIN_EXE_fig5_simpson"), "fig5_simpson", "");
}

#[test]
fn jobs_do_not_change_fig6_nonmetric() {
    same_with_one_and_two_jobs(
        env!("CARGO_BIN_EXE_fig6_nonmetric"),
        "fig6_nonmetric",
        "embedding_dims = [2, 10]",
    );
}

#[test]
fn jobs_do_not_change_fig7_s1s2() {
    same_with_one_and_two_jobs(
        env!("CARGO_BIN_EXE_fig7_s1s2"),
        "fig7_s1s2",
        "embedding_dims = [5]",
    );
}
