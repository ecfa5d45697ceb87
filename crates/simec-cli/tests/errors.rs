//! Bad input through the binary: a non-zero exit status and a message naming the file (and the
//! line and column where there is one); never a panic.

mod common;

use std::path::{Path, PathBuf};

use common::*;

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut rng = rng(21);
        let (x, s) = clustered(&mut rng, 20, 4);
        write(&dir.join("X.csv"), &x);
        write(&dir.join("S.csv"), &s);
        Self { _tmp: tmp, dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }

    fn file(&self, name: &str, text: &str) -> String {
        std::fs::write(self.dir.join(name), text).unwrap();
        self.path(name)
    }

    fn fit(&self, features: &str, targets: &str, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = vec![
            "fit".into(),
            "--features".into(),
            features.into(),
            "--targets".into(),
            targets.into(),
        ];
        if !extra.contains(&"--embedding-dim") {
            v.extend(["--embedding-dim".to_string(), "2".to_string()]);
        }
        v.extend([
            "--epochs".into(),
            "2".into(),
            "--quiet".into(),
            "--out".into(),
            self.path(&format!("model-{}", extra.len())),
            "--force".into(),
        ]);
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }
}

fn text_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn bad_feature_and_target_files() {
    let f = Fixture::new();
    let (x, s) = (f.path("X.csv"), f.path("S.csv"));
    let ragged = f.file("ragged.csv", "1,2,3,4\n1,2,3\n");
    simec_err(
        f.fit(&ragged, &s, &[]),
        &["ragged.csv: line 2 has 3 columns, expected 4"],
    );
    let mut bad = text_of(&f.dir.join("X.csv"));
    bad = bad.replacen("\n", "\n1,2,oops,4\n", 1);
    let bad = f.file("bad_cell.csv", &bad);
    simec_err(
        f.fit(&bad, &s, &[]),
        &["bad_cell.csv: line 2, column 3", "\"oops\""],
    );
    let nan_x = f.file("nan_x.csv", &with_cell(&f.dir.join("X.csv"), 2, 1, ""));
    simec_err(
        f.fit(&nan_x, &s, &[]),
        &["nan_x.csv: line 3, column 2", "features must be complete"],
    );
    // Targets with a missing cell need --allow-missing.
    let miss = f.file("miss.csv", &with_cell(&f.dir.join("S.csv"), 4, 6, "NaN"));
    simec_err(
        f.fit(&x, &miss, &[]),
        &["miss.csv: line 5, column 7", "--allow-missing"],
    );
    simec_ok(f.fit(&x, &miss, &["--allow-missing"]));
    // Wrong shapes.
    let short = f.file("short.csv", "1,2\n3,4\n");
    simec_err(f.fit(&x, &short, &[]), &["short.csv", "2 x 2", "20 rows"]);
    simec_err(
        f.fit(&x, &s, &["--frozen-last-layer", &short]),
        &["short.csv", "frozen last layer is 2 x 2", "expected 2 x 20"],
    );
    simec_err(
        f.fit(&x, &s, &["--s-ll-reg", "1", "--s-ll", &short]),
        &["short.csv", "S_ll is 2 x 2"],
    );
    let wide = f.file("wide.csv", "1,2,3\n4,5,6\n");
    let tall_x = f.file("tall.csv", "1\n2\n");
    simec_err(
        f.fit(&tall_x, &wide, &["--s-ll-reg", "1"]),
        &["wide.csv", "first n = 3 rows", "--s-ll"],
    );
    simec_err(
        f.fit(&x, &s, &["--embedding-dim", "50"]),
        &["S.csv", "embedding_dim = 50 exceeds n_targets = 20"],
    );
    simec_err(
        f.fit(&x, &s, &["--hidden", "10:softmax"]),
        &["--hidden", "softmax"],
    );
    simec_err(
        f.fit(&x, &s, &["--validation-fraction", "1.5"]),
        &["--validation-fraction 1.5"],
    );
    simec_err(
        f.fit(&x, &s, &["--loss", "bce"]),
        &["S.csv", "outside [0, 1]"],
    );
    simec_err(f.fit(&x, &s, &["--lr=-1"]), &["learning_rate"]);
    // A negative number after a space is the option's value, not an unknown flag.
    simec_err(f.fit(&x, &s, &["--lr", "-1"]), &["learning_rate"]);
    simec_err(
        f.fit(&x, &s, &["--weight-decay", "-0.5"]),
        &["weight_decay"],
    );
    let missing = f.path("does_not_exist.csv");
    simec_err(
        f.fit(&missing, &s, &[]),
        &["does_not_exist.csv", "cannot open"],
    );
    let pi = f.dir.join("int.npy");
    ndarray_npy::write_npy(&pi, &ndarray::arr2(&[[1i32, 2], [3, 4]])).unwrap();
    simec_err(f.fit(pi.to_str().unwrap(), &s, &[]), &["int.npy", "dtype"]);
    // An asymmetric S_ll from the targets is reported with its source.
    let asym = Fixture::new();
    let mut lines: Vec<String> = text_of(&asym.dir.join("S.csv"))
        .lines()
        .map(String::from)
        .collect();
    let mut cells: Vec<String> = lines[0].split(',').map(String::from).collect();
    cells[1] = "5".into();
    lines[0] = cells.join(",");
    let s_asym = asym.file("asym.csv", &(lines.join("\n") + "\n"));
    simec_err(
        asym.fit(&asym.path("X.csv"), &s_asym, &["--s-ll-reg", "1"]),
        &["asym.csv", "not symmetric"],
    );
}

#[test]
fn bad_model_directories() {
    let f = Fixture::new();
    let (x, s) = (f.path("X.csv"), f.path("S.csv"));
    let model = f.path("model-0");
    simec_ok(f.fit(&x, &s, &[]));
    let out = f.path("Y.csv");

    // Features with the wrong number of columns.
    let narrow = f.file("narrow.csv", "1,2,3\n");
    simec_err(
        [
            "transform",
            "--model",
            &model,
            "--features",
            &narrow,
            "--out",
            &out,
        ],
        &["narrow.csv", "3 feature columns", "fitted on 4"],
    );
    // Not a model directory.
    let empty = f.dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    simec_err(
        ["info", "--model", empty.to_str().unwrap()],
        &["not a simec model directory"],
    );
    // config.toml of another format version.
    let cfg = f.dir.join("model-0").join("config.toml");
    let text = text_of(&cfg);
    std::fs::write(
        &cfg,
        text.replace("format_version = 1", "format_version = 2"),
    )
    .unwrap();
    simec_err(
        [
            "transform",
            "--model",
            &model,
            "--features",
            &x,
            "--out",
            &out,
        ],
        &["config.toml", "format_version 2 is not supported"],
    );
    std::fs::write(&cfg, &text).unwrap();
    // model.toml of another format version.
    let mt = f.dir.join("model-0").join("model.toml");
    let mtext = text_of(&mt);
    std::fs::write(
        &mt,
        mtext.replace(
            &format!("format_version = {}", simec::MODEL_FORMAT_VERSION),
            "format_version = 7",
        ),
    )
    .unwrap();
    simec_err(
        ["info", "--model", &model],
        &["model.toml", "format_version 7 is not supported"],
    );
    std::fs::write(&mt, &mtext).unwrap();
    // Corrupt weights and feature means.
    let w = f.dir.join("model-0").join("weights.bpk");
    let wbytes = std::fs::read(&w).unwrap();
    std::fs::write(&w, &wbytes[..wbytes.len() / 2]).unwrap();
    simec_err(["info", "--model", &model], &["weights.bpk"]);
    std::fs::write(&w, &wbytes).unwrap();
    let fm = f.dir.join("model-0").join("feature_mean.csv");
    std::fs::write(&fm, "1,2\n").unwrap();
    simec_err(
        ["info", "--model", &model],
        &["feature_mean.csv", "expected 1 x 4"],
    );
    std::fs::remove_file(&fm).unwrap();
    simec_err(
        ["info", "--model", &model],
        &["feature_mean.csv", "missing"],
    );
    // Unwritable output.
    simec_ok(f.fit(&x, &s, &[]));
    let bad_out = f.dir.join("no_such_dir").join("Y.csv");
    simec_err(
        [
            "transform",
            "--model",
            &model,
            "--features",
            &x,
            "--out",
            bad_out.to_str().unwrap(),
        ],
        &["no_such_dir", "cannot create"],
    );
    // clap rejects unknown values with a non-zero status.
    simec_err(f.fit(&x, &s, &["--backend", "cuda"]), &["cuda"]);
    simec_err(f.fit(&x, &s, &["--optimizer", "sgd"]), &["sgd"]);
}

/// Output into a closed pipe (`simec evaluate ... | head -0`) ends the process quietly (SIGPIPE),
/// never with a panic and its backtrace.
#[cfg(unix)]
#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("simec-cli-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (y, s) = (dir.join("y.csv"), dir.join("s.csv"));
    std::fs::write(&y, "1,0\n0,1\n1,1\n").unwrap(); // [3, 2]
    std::fs::write(&s, "1,0,1\n0,1,1\n1,1,2\n").unwrap(); // [3, 3] = Y Y^T
    let mut child = Command::new(env!("CARGO_BIN_EXE_simec"))
        .arg("evaluate")
        .arg("--embedding")
        .arg(&y)
        .arg("--similarity")
        .arg(&s)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the child writes its (long) help text.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert_ne!(status.code(), Some(101), "stderr: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of the CSV at `path` with cell (`line`, `col`) (0-based) replaced by `value`.
fn with_cell(path: &Path, line: usize, col: usize, value: &str) -> String {
    let mut lines: Vec<String> = text_of(path).lines().map(String::from).collect();
    let mut cells: Vec<&str> = lines[line].split(',').collect();
    cells[col] = value;
    lines[line] = cells.join(",");
    lines.join("\n") + "\n"
}
