//! Sharded runs (`--shard I/N`, `--merge`) on real MNIST: the shards of any N partition every
//! figure's sweep exactly; a sweep run as three shards, one of them killed mid-run and rerun,
//! merges into the CSV a single process writes, bit for bit.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{args, assert_mentions, repo, scratch_config};
use experiments::figures::shard::{shard_tasks, Shard};
use experiments::figures::simpson::{Fig6Profile, Fig7Profile};
use experiments::figures::sweep::{Figure, RunContext};
use experiments::figures::{replicate_tasks, run_figure};
use experiments::results::{MetadataFile, ResultRow, ResultsFile};

/// Every point of every replicate of `F`'s quick profile (3 replicates) is in exactly one shard,
/// for every N from 1 to one more than the number of tasks.
fn shards_partition<F: Figure>() {
    let path = repo().join(format!("experiments/{}.toml", F::NAME));
    let profile: F = experiments::config::load_profile(&path, "quick").unwrap();
    let ctx = RunContext {
        data_dir: None,
        results_dir: std::env::temp_dir(),
        device: burn::tensor::Device::flex(),
    };
    let points = |tasks: &[experiments::figures::sweep::Task<F::Key>]| -> Vec<String> {
        let mut p: Vec<String> = tasks
            .iter()
            .flat_map(|t| {
                t.points
                    .iter()
                    .map(move |(s, x)| format!("{s}@{x}#{}", t.replicate))
            })
            .collect();
        p.sort();
        p
    };
    let all = || replicate_tasks(&profile, profile.base_seed(), &[0, 1, 2], &ctx).unwrap();
    let want = points(&all());
    for count in 1..=all().len() + 1 {
        let mut got = Vec::new();
        for index in 0..count {
            let shard = Shard { index, count };
            got.extend(points(&shard_tasks(&profile, all(), shard)));
        }
        got.sort();
        assert_eq!(got, want, "{} split into {count} shards", F::NAME);
    }
}

#[test]
fn the_shards_of_any_n_partition_every_figure_sweep() {
    use experiments::figures::*;
    shards_partition::<fig3::Fig3Profile>();
    shards_partition::<fig4_lambda::Fig4LambdaProfile>();
    shards_partition::<fig4_targets::Fig4TargetsProfile>();
    shards_partition::<fig4_missing::Fig4MissingProfile>();
    shards_partition::<fig5_simpson::Fig5Profile>();
    shards_partition::<Fig6Profile>();
    shards_partition::<Fig7Profile>();
}

/// The rows of a results CSV sorted by key, as `(series, x, replicate, seed, mse bits)`.
fn keyed(path: &Path) -> Vec<(String, u64, u32, u64, u64)> {
    let file = ResultsFile::open(path).unwrap();
    let mut rows: Vec<_> = file
        .rows()
        .iter()
        .map(|r: &ResultRow| {
            (
                r.series.clone(),
                r.x.to_bits(),
                r.replicate,
                r.seed,
                r.mse.to_bits(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Runs the `test` profile of `config` into `out` (resuming, never forcing) as a whole run, as
/// `shard`, or (`merge`) as the merge, with `replicates` replicates and one point at a time.
fn run<F: Figure>(
    config: &Path,
    out: &Path,
    replicates: u32,
    shard: Option<Shard>,
    merge: bool,
) -> anyhow::Result<()> {
    let mut a = args(out, config.to_path_buf());
    a.force = false;
    a.replicates = Some(replicates);
    a.jobs = 1;
    a.shard = shard;
    a.merge = merge;
    run_figure::<F>(&a)
}

#[test]
fn a_sharded_run_with_a_killed_shard_merges_into_the_single_run_csv() {
    // Figure 6's quick profile (3 dims), 2 replicates, 15 epochs: 6 SimEc points and the
    // deterministic baselines, split into 3 shards.
    let extra = "[profiles.test]\nextends = \"quick\"\n[profiles.test.simec]\nepochs = 15\n";
    let (dir, config) = scratch_config("fig6_nonmetric", extra);
    let run = |out: &Path, shard, merge| run::<Fig6Profile>(&config, out, 2, shard, merge);
    let single = dir.join("single");
    run(&single, None, false).unwrap();

    let sharded = dir.join("sharded");
    let fragment = sharded.join("results/fig6_nonmetric.shards/1-of-3.csv");
    // Shard 1, killed as soon as its first task is saved.
    let mut child = Command::new(env!("CARGO_BIN_EXE_fig6_nonmetric"))
        .args(["--profile", "test", "--replicates", "2", "--jobs", "1"])
        .args(["--shard", "1/3", "--config"])
        .arg(&config)
        .arg("--results-dir")
        .arg(sharded.join("results"))
        .arg("--figures-dir")
        .arg(sharded.join("figures"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let meta = fragment.with_extension("meta.toml");
    // Its record counts the points of every saved task as it goes.
    let saved = |p: &Path| {
        MetadataFile::open(p).is_ok_and(|m| m.runs().last().is_some_and(|r| r.points_computed > 0))
    };
    while !saved(&meta) {
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "shard 1 saved nothing"
        );
        assert!(child.try_wait().unwrap().is_none(), "shard 1 exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let runs = MetadataFile::open(&meta).unwrap().runs().to_vec();
    assert!(
        !runs[0].completed,
        "shard 1 finished before it was killed: the test needs a larger shard"
    );
    assert_eq!(runs[0].shard.as_deref(), Some("1/3"));
    // The killed shard left a valid fragment and a lock of a dead process; its record says how
    // far it got.
    let partial = ResultsFile::open(&fragment).unwrap().rows().len();
    assert!(runs[0].points_computed >= 1 && runs[0].points_computed <= partial);
    assert!(runs[0].total_wall_s > 0.0);

    run(&sharded, Some(Shard { index: 0, count: 3 }), false).unwrap();
    run(&sharded, Some(Shard { index: 2, count: 3 }), false).unwrap();
    let err = run(&sharded, None, true).unwrap_err().to_string();
    assert_mentions(&err, &["shard 1/3 did not finish", "--shard 1/3"]);
    // While its lock names a live process (pid 1, this host), the shard counts as running.
    let lock = sharded.join("results/fig6_nonmetric.shards/1-of-3.lock");
    let host = experiments::results::local_hostname();
    std::fs::write(&lock, format!("1 {host}\n")).unwrap();
    let err = run(&sharded, None, true).unwrap_err().to_string();
    assert_mentions(&err, &["shard 1/3 is still running", "pid 1", &host]);
    std::fs::remove_file(&lock).unwrap();

    // Resubmitting only shard 1 resumes it (the points it saved are kept), then the merge.
    run(&sharded, Some(Shard { index: 1, count: 3 }), false).unwrap();
    let runs = MetadataFile::open(&meta).unwrap().runs().to_vec();
    assert_eq!(runs.len(), 2);
    assert!(runs[1].completed);
    assert!(ResultsFile::open(&fragment).unwrap().rows().len() > partial);
    run(&sharded, None, true).unwrap();

    let merged = sharded.join("results/fig6_nonmetric.csv");
    assert_eq!(
        keyed(&merged),
        keyed(&single.join("results/fig6_nonmetric.csv")),
        "the merged CSV equals the single run's, mse bit for bit"
    );
    let record = MetadataFile::open(merged.with_extension("meta.toml"))
        .unwrap()
        .runs()
        .last()
        .cloned()
        .unwrap();
    assert!(record.completed);
    assert_eq!(
        record.shards.len(),
        4,
        "shards 0 and 2, and both runs of shard 1"
    );
    for f in [
        "figures/fig6_nonmetric.svg",
        "results/fig6_nonmetric.summary.csv",
    ] {
        assert!(sharded.join(f).is_file(), "{f}");
    }
    // The merged figure is up to date for a single run with the same arguments.
    run(&sharded, None, false).unwrap();
    assert_eq!(
        MetadataFile::open(merged.with_extension("meta.toml"))
            .unwrap()
            .runs()
            .len(),
        1,
        "nothing recomputed after the merge"
    );

    // A fragment of another split is refused, naming both counts.
    std::fs::copy(
        &fragment,
        sharded.join("results/fig6_nonmetric.shards/0-of-2.csv"),
    )
    .unwrap();
    let err = run(&sharded, None, true).unwrap_err().to_string();
    assert_mentions(&err, &["2 shard counts", "N = 2", "N = 3"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// More shards than tasks: the empty shards leave empty fragments that count at the merge, and
/// Figure 5's files (the scatter embeddings its tasks write) and its setup-drawn figure come out
/// as from a single run.
#[test]
fn more_shards_than_tasks_merge_with_empty_fragments() {
    use experiments::figures::fig5_simpson::Fig5Profile;
    let extra = "[profiles.test]\nextends = \"quick\"\n[profiles.test.simec]\nepochs = 5\n";
    let (dir, config) = scratch_config("fig5_simpson", extra);
    let run = |out: &Path, shard, merge| run::<Fig5Profile>(&config, out, 1, shard, merge);
    let single = dir.join("single");
    run(&single, None, false).unwrap();
    let sharded = dir.join("sharded");
    for index in 0..4 {
        run(&sharded, Some(Shard { index, count: 4 }), false).unwrap();
    }
    let sizes: Vec<usize> = (0..4)
        .map(|i| {
            let p = sharded.join(format!("results/fig5_simpson.shards/{i}-of-4.csv"));
            ResultsFile::open(p).unwrap().rows().len()
        })
        .collect();
    assert_eq!(sizes.iter().filter(|&&n| n == 0).count(), 2, "{sizes:?}");
    run(&sharded, None, true).unwrap();
    assert_eq!(
        keyed(&sharded.join("results/fig5_simpson.csv")),
        keyed(&single.join("results/fig5_simpson.csv"))
    );
    assert!(sharded.join("figures/fig5_simpson.png").is_file());
    // The side files came from the shards' fragments directory, equal to the single run's.
    for which in ["eig_largest", "simec"] {
        let name = format!("results/fig5_simpson_{which}.csv");
        let read = |d: &Path| std::fs::read(d.join(&name)).unwrap();
        assert_eq!(read(&sharded), read(&single), "{name}");
    }

    // The split depends on the replicates: continuing a shard with others is refused, and so
    // is a shard of another N beside these fragments.
    let with = |shard, replicates: &[u32]| {
        let mut a = args(&sharded, config.clone());
        a.force = false;
        a.replicate = replicates.to_vec();
        a.shard = shard;
        a.merge = shard.is_none();
        run_figure::<Fig5Profile>(&a)
    };
    let err = with(Some(Shard { index: 0, count: 4 }), &[0, 1])
        .unwrap_err()
        .to_string();
    assert_mentions(&err, &["split with replicates 0", "asks for 0-1"]);
    let err = with(Some(Shard { index: 0, count: 2 }), &[1])
        .unwrap_err()
        .to_string();
    assert_mentions(
        &err,
        &["fragments of another split than N = 2", "0-of-4.csv"],
    );

    // Adding replicate 1 by shards (after clearing the old split) keeps replicate 0's points.
    std::fs::remove_dir_all(sharded.join("results/fig5_simpson.shards")).unwrap();
    with(Some(Shard { index: 0, count: 2 }), &[1]).unwrap();
    with(Some(Shard { index: 1, count: 2 }), &[1]).unwrap();
    with(None, &[1]).unwrap();
    let merged = ResultsFile::open(sharded.join("results/fig5_simpson.csv")).unwrap();
    let replicates: Vec<u32> = merged.rows().iter().map(|r| r.replicate).collect();
    assert!(
        replicates.contains(&0) && replicates.contains(&1),
        "{replicates:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
