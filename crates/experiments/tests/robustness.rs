//! Robustness of the figure binaries (Figure 3's code path at toy size, real MNIST):
//! clear errors with a non-zero exit, no lost work after SIGKILL, bit-identical reruns, a lock
//! against concurrent runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fig3-tiny.toml")
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("simec-robust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fig3(dir: &Path, extra: &[&str]) -> Command {
    fig3_with(dir, &fixture(), "tiny", extra)
}

fn fig3_with(dir: &Path, config: &Path, profile: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fig3"));
    c.arg("--config")
        .arg(config)
        .args(["--profile", profile])
        .arg("--results-dir")
        .arg(dir.join("results"))
        .arg("--figures-dir")
        .arg(dir.join("figures"))
        .args(extra);
    c
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

/// Runs `cmd`, which must fail, and returns what it printed.
fn failure(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    text(&out)
}

/// Runs the `tiny` profile of the fixture config with `from` replaced by `to` (written to
/// `<dir>/<name>.toml` in a fresh `dir`), which must fail; returns `dir` and what it printed.
fn fails_edited(name: &str, from: &str, to: &str) -> (PathBuf, String) {
    let dir = tempdir(name);
    let cfg = dir.join(format!("{name}.toml"));
    let text = std::fs::read_to_string(fixture()).unwrap();
    assert!(text.contains(from), "the fixture has no `{from}`");
    std::fs::write(&cfg, text.replace(from, to)).unwrap();
    let printed = failure(fig3_with(&dir, &cfg, "tiny", &[]));
    (dir, printed)
}

/// The CSV without the timing column, for comparisons across runs.
fn rows_without_timing(csv: &Path) -> Vec<String> {
    std::fs::read_to_string(csv)
        .unwrap()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

#[test]
fn same_seed_gives_bit_identical_results_and_kill_loses_nothing() {
    // Uninterrupted reference run, one SimEc point at a time.
    let a = tempdir("a");
    let out = fig3(&a, &["--jobs", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let full = rows_without_timing(&a.join("results/fig3.csv"));
    assert_eq!(full.len(), 1 + 4 * 9, "header + 9 series x 4 dims");

    // Determinism: a second run with the same seed gives identical rows, also when it trains two
    // points at once (each on its own thread pool).
    let b = tempdir("b");
    let out = fig3(&b, &["--jobs", "2"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(rows_without_timing(&b.join("results/fig3.csv")), full);

    // Kill a run (two points at a time) once some SimEc points are written, then resume.
    let c = tempdir("c");
    let csv = c.join("results/fig3.csv");
    let mut child = fig3(&c, &["--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let before = loop {
        if let Ok(s) = std::fs::read_to_string(&csv) {
            if s.matches("simec_").count() >= 2 {
                break s;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no SimEc point written"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed = std::fs::read_to_string(&csv).unwrap();
    let n_killed = killed.lines().count();
    assert!(
        n_killed < full.len(),
        "the run finished before it was killed; test proves nothing"
    );
    assert!(killed.lines().count() >= before.lines().count());
    // The lock of the killed run is stale (its pid is gone) and is taken over.
    let out = fig3(&c, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let resumed = std::fs::read_to_string(&csv).unwrap();
    // Finished points were not recomputed: their rows, wall time included, are unchanged.
    for line in killed.lines() {
        assert!(
            resumed.lines().any(|l| l == line),
            "row recomputed or lost: {line}"
        );
    }
    assert_eq!(
        rows_without_timing(&csv),
        full,
        "resumed CSV differs from an uninterrupted run"
    );
    assert!(
        text(&out).contains(&format!("{} points computed", full.len() - n_killed)),
        "{}",
        text(&out)
    );
}

#[test]
fn a_concurrent_run_is_refused_with_the_lock_named() {
    let d = tempdir("lock");
    std::fs::create_dir_all(d.join("results")).unwrap();
    // A live process (this test) holds the lock.
    std::fs::write(
        d.join("results/fig3.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let t = failure(fig3(&d, &[]));
    assert!(
        t.contains("fig3.lock") && t.contains(&std::process::id().to_string()),
        "{t}"
    );
}

#[test]
fn unknown_config_key_is_named() {
    let (_, t) = fails_edited("bad", "m_test = 100", "m_test = 100\nepochz = 3");
    assert!(t.contains("epochz") && t.contains("bad.toml"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn unknown_profile_lists_the_valid_ones() {
    let d = tempdir("profile");
    let t = failure(fig3_with(&d, &fixture(), "nope", &[]));
    assert!(t.contains("nope") && t.contains("tiny"), "{t}");
}

#[test]
fn impossible_sizes_are_rejected_before_training() {
    let (d, t) = fails_edited("big", "m_train = 600", "m_train = 9000");
    assert!(t.contains("m_train") && t.contains("9000"), "{t}");
    assert!(!d.join("results/fig3.csv").exists());
}

#[test]
fn missing_data_dir_lists_paths_and_how_to_get_mnist() {
    let d = tempdir("data");
    let t = failure(fig3(
        &d,
        &["--data-dir", d.join("nowhere").to_str().unwrap()],
    ));
    assert!(t.contains("nowhere") && t.contains("just data"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn unwritable_results_dir_fails_before_training() {
    let d = tempdir("ro");
    // A regular file where the results directory should be.
    let blocker = d.join("results");
    std::fs::write(&blocker, "not a directory").unwrap();
    let t0 = Instant::now();
    let t = failure(fig3(&d, &[]));
    assert!(t.contains(blocker.to_str().unwrap()), "{t}");
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "failed only after work was done"
    );
}

#[test]
fn a_completed_run_with_the_same_identity_is_up_to_date_and_writes_nothing() {
    let d = tempdir("uptodate");
    let out = fig3(&d, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let files = [
        d.join("results/fig3.csv"),
        d.join("results/fig3.meta.toml"),
        d.join("figures/fig3.png"),
        d.join("figures/fig3.svg"),
    ];
    let before: Vec<_> = files
        .iter()
        .map(|f| {
            (
                std::fs::read(f).unwrap(),
                f.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    let out = fig3(&d, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.lines().next().unwrap_or("").contains("up to date"), "{t}");
    for (f, (bytes, mtime)) in files.iter().zip(before) {
        assert_eq!(
            std::fs::read(f).unwrap(),
            bytes,
            "{} rewritten",
            f.display()
        );
        assert_eq!(
            f.metadata().unwrap().modified().unwrap(),
            mtime,
            "{} touched",
            f.display()
        );
    }
    // Another seed is another run identity: every point is recomputed, and the run says why.
    let out = fig3(&d, &["--seed", "7"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("the seed changed (42 -> 7)"), "{t}");
    assert!(t.contains("compared with the previous results"), "{t}");
}
