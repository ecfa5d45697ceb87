//! Result CSVs, locks and metadata: exact round trips, replacement, atomicity, error messages.

mod common;
use common::scratch;

use std::fs;
use std::path::{Path, PathBuf};

use experiments::results::{
    format_rfc3339_utc, MetadataFile, ResultRow, ResultsError, ResultsFile, RunLock, RunMetadata,
};

fn row(figure: &str, series: &str, x: f64, mse: f64) -> ResultRow {
    ResultRow {
        figure: figure.into(),
        series: series.into(),
        x_name: "embedding_dim".into(),
        x,
        mse,
        seed: 42,
        replicate: 0,
        backend: "flex".into(),
        wall_s: 1.5,
    }
}

/// `<scratch>/fig3.csv` holding one saved row of `series` (x 2, MSE 0.5): its path, the open
/// file and its bytes.
fn one_saved_row(tag: &str, series: &str) -> (PathBuf, ResultsFile, Vec<u8>) {
    let path = scratch(tag).join("fig3.csv");
    let mut f = ResultsFile::open(&path).unwrap();
    f.push_and_save(&[row("fig3", series, 2.0, 0.5)]).unwrap();
    let bytes = fs::read(&path).unwrap();
    (path, f, bytes)
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn tmp_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.tmp", path.display()))
}

#[test]
fn csv_round_trip_preserves_exact_f64() {
    let dir = scratch("roundtrip");
    let path = dir.join("fig3.csv");
    let tricky = [
        0.1,
        1.0 / 3.0,
        5.60426e-27,
        f64::MIN_POSITIVE,
        5e-324,
        1e300,
        -0.0,
        0.1 + 0.2,
        std::f64::consts::PI,
        f64::NAN,
        f64::INFINITY,
    ];
    let mut rows = Vec::new();
    for (i, &v) in tricky.iter().enumerate() {
        let mut r = row("fig3", "s", i as f64 + 1.0 / 7.0, v);
        r.wall_s = v;
        r.seed = u64::MAX - i as u64;
        r.backend = "tch, \"cpu\"".into();
        rows.push(r);
    }
    let mut f = ResultsFile::open(&path).unwrap();
    f.push_and_save(&rows).unwrap();
    let back = ResultsFile::open(&path).unwrap();
    assert_eq!(back.rows().len(), rows.len());
    for (a, b) in rows.iter().zip(back.rows()) {
        assert!(same_bits(a.x, b.x), "x {} != {}", a.x, b.x);
        assert!(same_bits(a.mse, b.mse), "mse {} != {}", a.mse, b.mse);
        assert!(same_bits(a.wall_s, b.wall_s));
        assert_eq!((a.seed, &a.backend), (b.seed, &b.backend));
    }
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("figure,series,x_name,x,mse,seed,replicate,backend,wall_s\n"));
}

#[test]
fn push_and_save_replaces_same_key_and_sorts() {
    let dir = scratch("replace");
    let path = dir.join("fig4.csv");
    let mut f = ResultsFile::open(&path).unwrap();
    f.push_and_save(&[row("fig4_missing", "simec_train", 0.3, 1.0)])
        .unwrap();
    f.push_and_save(&[
        row("fig4_targets", "simec_train", 0.3, 2.0),
        row("fig4_missing", "b", 5.0, 3.0),
        row("fig4_missing", "b", 2.0, 4.0),
    ])
    .unwrap();
    // 0.1 * 3 is 0.30000000000000004: the same point as 0.3.
    f.push_and_save(&[row("fig4_missing", "simec_train", 0.1 * 3.0, 9.0)])
        .unwrap();
    let back = ResultsFile::open(&path).unwrap();
    let keys: Vec<(String, String, f64, f64)> = back
        .rows()
        .iter()
        .map(|r| (r.figure.clone(), r.series.clone(), r.x, r.mse))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("fig4_missing".into(), "b".into(), 2.0, 4.0),
            ("fig4_missing".into(), "b".into(), 5.0, 3.0),
            ("fig4_missing".into(), "simec_train".into(), 0.1 * 3.0, 9.0),
            ("fig4_targets".into(), "simec_train".into(), 0.3, 2.0),
        ]
    );
    // Lookups match any figure id (a results file holds one figure).
    assert!(back.contains("simec_train", 0.3, 0) && back.contains("b", 5.0, 0));
    assert!(!back.contains("simec_train", 2.0, 0));
    assert!(!back.contains("b", 5.0, 1));
    assert_eq!(back.get("b", 2.0, 0).unwrap().mse, 4.0);
    // Within one batch the later row wins.
    let mut f = back;
    f.push_and_save(&[row("x", "s", 1.0, 1.0), row("x", "s", 1.0, 2.0)])
        .unwrap();
    assert_eq!(f.get("s", 1.0, 0).unwrap().mse, 2.0);
    assert_eq!(ResultsFile::open(&path).unwrap().rows().len(), 5);
}

/// Replicates of one point are separate rows (sorted after x), each replaced only by its own
/// replicate; a CSV written before the `replicate` column existed reads as replicate 0.
#[test]
fn replicates_are_part_of_the_key_and_old_csvs_read_as_replicate_0() {
    let dir = scratch("replicates");
    let path = dir.join("fig3.csv");
    let mut f = ResultsFile::open(&path).unwrap();
    let rep = |r: u32, mse: f64| {
        let mut row = row("fig3", "simec_2hl_test", 2.0, mse);
        row.replicate = r;
        row
    };
    f.push_and_save(&[rep(1, 1.0), rep(0, 2.0), rep(2, 3.0)])
        .unwrap();
    f.push_and_save(&[rep(1, 4.0)]).unwrap();
    let back = ResultsFile::open(&path).unwrap();
    let got: Vec<(u32, f64)> = back.rows().iter().map(|r| (r.replicate, r.mse)).collect();
    assert_eq!(got, [(0, 2.0), (1, 4.0), (2, 3.0)]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("figure,series,x_name,x,mse,seed,replicate,backend,wall_s\n"),
        "{text}"
    );
    let old = dir.join("old.csv");
    std::fs::write(
        &old,
        "figure,series,x_name,x,mse,seed,backend,wall_s\nfig3,a,d,2.0,0.5,7,flex-cpu,1.0\n",
    )
    .unwrap();
    let rows = ResultsFile::open(&old).unwrap().rows().to_vec();
    assert_eq!((rows[0].replicate, rows[0].seed, rows[0].mse), (0, 7, 0.5));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn leftover_garbage_tmp_does_not_corrupt_the_csv() {
    let (path, _, good) = one_saved_row("tmp", "a");

    // A kill mid-write leaves a half-written temp file: the CSV itself is untouched.
    fs::write(tmp_of(&path), &good[..good.len() / 2]).unwrap();
    let reopened = ResultsFile::open(&path).unwrap();
    assert_eq!(reopened.rows().len(), 1);
    assert_eq!(fs::read(&path).unwrap(), good);

    // Garbage (longer than the next content) in the temp file is fully replaced.
    fs::write(tmp_of(&path), vec![b'#'; 100_000]).unwrap();
    let mut f = reopened;
    f.push_and_save(&[row("fig3", "a", 3.0, 0.25)]).unwrap();
    assert!(!tmp_of(&path).exists(), "temp file must be renamed away");
    let back = ResultsFile::open(&path).unwrap();
    assert_eq!(back.rows().len(), 2);
    assert!(!fs::read_to_string(&path).unwrap().contains('#'));
}

#[test]
fn malformed_csv_error_names_file_and_line() {
    let dir = scratch("malformed");
    let path = dir.join("bad.csv");
    fs::write(
        &path,
        "figure,series,x_name,x,mse,seed,backend,wall_s\n\
         fig3,a,d,2,0.5,1,flex,1.0\n\
         fig3,a,d,3,not-a-number,1,flex,1.0\n",
    )
    .unwrap();
    let err = ResultsFile::open(&path).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("bad.csv"), "{msg}");
    assert!(msg.contains("line 3"), "{msg}");
    assert!(matches!(
        err,
        ResultsError::MalformedCsv { line: Some(3), .. }
    ));

    fs::write(&path, "series,figure,x_name,x,mse\n").unwrap();
    let msg = ResultsFile::open(&path).unwrap_err().to_string();
    assert!(msg.contains("bad.csv") && msg.contains("header"), "{msg}");

    fs::write(
        &path,
        "figure,series,x_name,x,mse,seed,backend,wall_s\n\
         fig3,a,d,2,0.5,1,flex,1.0\n\
         fig3,a,d,2,0.6,1,flex,1.0\n",
    )
    .unwrap();
    let msg = ResultsFile::open(&path).unwrap_err().to_string();
    assert!(msg.contains("duplicate") && msg.contains("line 3"), "{msg}");
}

#[test]
fn invalid_rows_are_rejected_without_touching_the_file() {
    let (path, mut f, before) = one_saved_row("invalid", "a");
    let err = f
        .push_and_save(&[row("fig3", "a", 4.0, 0.5), row("fig3", "a", f64::NAN, 0.5)])
        .unwrap_err();
    assert!(matches!(err, ResultsError::InvalidRow { .. }), "{err}");
    assert_eq!(f.rows().len(), 1);
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn create_fresh_overwrites_only_when_the_first_point_lands() {
    let (path, _, _) = one_saved_row("fresh", "old");
    let fresh = ResultsFile::create_fresh(&path).unwrap();
    assert!(fresh.rows().is_empty());
    assert_eq!(ResultsFile::open(&path).unwrap().rows().len(), 1);
    let mut fresh = fresh;
    fresh
        .push_and_save(&[row("fig3", "new", 2.0, 0.1)])
        .unwrap();
    let back = ResultsFile::open(&path).unwrap();
    assert_eq!(back.rows().len(), 1);
    assert_eq!(back.rows()[0].series, "new");
}

#[test]
fn unwritable_results_dir_fails_at_open_naming_it() {
    let dir = scratch("unwritable");
    let blocker = dir.join("not-a-dir");
    fs::write(&blocker, "file").unwrap();
    let path = blocker.join("results").join("fig3.csv");
    let err = ResultsFile::open(&path).unwrap_err();
    assert!(matches!(err, ResultsError::DirNotWritable { .. }), "{err}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
    assert!(RunLock::acquire(&blocker.join("results"), "fig3").is_err());
}

#[test]
fn lock_conflict_names_file_and_pid_and_stale_locks_are_taken_over() {
    let dir = scratch("lock");
    let lock = RunLock::acquire(&dir, "fig3").unwrap();
    let lock_path = dir.join("fig3.lock");
    assert_eq!(lock.path(), lock_path);
    let me = std::process::id();
    let holder = format!("{me} {}", experiments::results::local_hostname());
    assert_eq!(fs::read_to_string(&lock_path).unwrap().trim(), holder);

    // A second run (here: the same process again) is refused.
    let err = RunLock::acquire(&dir, "fig3").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("fig3.lock") && msg.contains(&me.to_string()),
        "{msg}"
    );
    assert!(matches!(err, ResultsError::LockHeld { pid: Some(p), .. } if p == me));

    // Released on drop.
    drop(lock);
    assert!(!lock_path.exists());

    // Held by another live process (pid 1 always exists on Linux).
    if Path::new("/proc/1").exists() {
        fs::write(&lock_path, "1\n").unwrap();
        let err = RunLock::acquire(&dir, "fig3").unwrap_err();
        assert!(
            matches!(err, ResultsError::LockHeld { pid: Some(1), .. }),
            "{err}"
        );
        assert!(err.to_string().contains("process 1"), "{err}");
    }

    // A stale lock (no such process) is taken over.
    fs::write(&lock_path, "999999999\n").unwrap();
    let lock = RunLock::acquire(&dir, "fig3").unwrap();
    assert_eq!(fs::read_to_string(&lock_path).unwrap().trim(), holder);
    drop(lock);

    // Different names do not conflict.
    let a = RunLock::acquire(&dir, "fig3").unwrap();
    let b = RunLock::acquire(&dir, "fig4").unwrap();
    drop((a, b));
}

#[test]
fn metadata_appends_runs_and_round_trips() {
    let dir = scratch("meta");
    let path = dir.join("fig3.meta.toml");
    let mut m = MetadataFile::open(&path).unwrap();
    assert!(m.update_current(|r| r.points_computed = 1).is_err());
    let run = RunMetadata::new("fig3", "paper", u64::MAX, "flex", "cpu");
    assert!(run.started_at.ends_with('Z') && run.started_at.len() == 20);
    assert!(run.machine.cpus >= 1);
    assert!(!run.git_commit.is_empty());
    m.begin_run(run).unwrap();
    m.update_current(|r| {
        r.total_wall_s = 12.25;
        r.points_computed = 7;
        r.completed = true;
    })
    .unwrap();

    // A resumed run appends a second table.
    let mut m2 = MetadataFile::open(&path).unwrap();
    assert_eq!(m2.runs().len(), 1);
    m2.begin_run(RunMetadata::new("fig3", "paper", 3, "flex", "cpu"))
        .unwrap();
    let back = MetadataFile::open(&path).unwrap();
    assert_eq!(back.runs().len(), 2);
    assert_eq!(back.runs()[0].seed, u64::MAX);
    assert_eq!(back.runs()[0].total_wall_s, 12.25);
    assert_eq!(back.runs()[0].points_computed, 7);
    assert!(back.runs()[0].completed);
    assert_eq!(back.runs()[1].seed, 3);
    assert!(!back.runs()[1].completed);
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("[[runs]]").count(), 2, "{text}");

    // The one-shot form used at the end of a run appends a third table.
    let mut last = RunMetadata::collect("fig3", "quick", 5, "flex");
    last.notes.push("fell back to CPU".into());
    last.completed = true;
    last.append_to(&path).unwrap();
    let back = MetadataFile::open(&path).unwrap();
    assert_eq!(back.runs().len(), 3);
    assert_eq!(back.runs()[2].notes, vec!["fell back to CPU".to_string()]);
    assert_eq!(back.runs()[2].profile, "quick");

    fs::write(&path, "runs = 5\n").unwrap();
    let err = MetadataFile::open(&path).unwrap_err();
    assert!(err.to_string().contains("fig3.meta.toml"), "{err}");
}

#[test]
fn rfc3339_formatting() {
    use std::time::{Duration, UNIX_EPOCH};
    assert_eq!(
        format_rfc3339_utc(UNIX_EPOCH + Duration::from_secs(1_519_905_600)),
        "2018-03-01T12:00:00Z"
    );
}
