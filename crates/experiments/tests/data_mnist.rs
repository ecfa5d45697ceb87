//! MNIST directory resolution, SHA-256 verification and the diagnosis of bad files, paper row
//! order; real-data checks on the copy the loader finds (`SIMEC_DATA_DIR`, `data/mnist`,
//! `../shared/data/mnist`, else downloaded).

mod common;
use common::{assert_mentions, gzip, labels_bytes, scratch as temp_dir};

use std::path::{Path, PathBuf};
use std::time::Instant;

use experiments::data::idx::sha256_hex;
use experiments::data::mnist::{
    load_mnist_from_dir, load_mnist_from_dir_with, resolve_data_dir_with, stable_label_order,
    MnistFile, MNIST_FILES, N_MNIST, PIXELS,
};
use experiments::data::{load_mnist, mnist_dir, DataError};

fn real_mnist_dir() -> PathBuf {
    mnist_dir(None).expect("real MNIST (found or downloaded)")
}

fn images_bytes(pixels_per_image: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [2051u32, pixels_per_image.len() as u32, 28, 28] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    for &p in pixels_per_image {
        b.extend(std::iter::repeat_n(p, PIXELS));
    }
    b
}

/// Writes a tiny fake MNIST (28 x 28 images, image `i` filled with a marker value) and returns
/// the file table with its own hashes.
fn write_fake(dir: &Path, gz: bool, train: &[u8], test: &[u8]) -> [MnistFile; 4] {
    let marks = |n: usize, base: u8| (0..n).map(|i| base + i as u8).collect::<Vec<u8>>();
    let contents = [
        images_bytes(&marks(train.len(), 0)),
        labels_bytes(train),
        images_bytes(&marks(test.len(), 100)),
        labels_bytes(test),
    ];
    let mut files = MNIST_FILES;
    for (f, c) in files.iter_mut().zip(&contents) {
        let (name, bytes) = if gz {
            (format!("{}.gz", f.name), gzip(c))
        } else {
            (f.name.to_owned(), c.clone())
        };
        std::fs::write(dir.join(name), bytes).unwrap();
        f.sha256 = Box::leak(sha256_hex(c).into_boxed_str());
    }
    files
}

#[test]
fn resolution_error_lists_every_searched_path_and_how_to_get_mnist() {
    let base = temp_dir("resolve-none");
    let roots = [base.join("repo_a"), base.join("repo_b")];
    let err = resolve_data_dir_with(None, None, &roots).unwrap_err();
    let DataError::DataDirNotFound { searched } = &err else {
        panic!("expected DataDirNotFound, got {err:?}");
    };
    let paths: Vec<PathBuf> = searched.iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        vec![
            base.join("repo_a/data/mnist"),
            base.join("repo_b/data/mnist"),
            base.join("shared/data/mnist"),
        ],
        "both roots share the same ../shared/data/mnist, listed once"
    );
    assert!(searched.iter().all(|s| s.missing.len() == 4));
    let msg = err.to_string();
    for p in &paths {
        assert!(msg.contains(&p.display().to_string()), "{msg}");
    }
    assert_mentions(&msg, &["just data", "SIMEC_DATA_DIR"]);
}

#[test]
fn explicit_and_env_dirs_are_searched_alone() {
    let base = temp_dir("resolve-explicit");
    let good = base.join("repo/data/mnist");
    std::fs::create_dir_all(&good).unwrap();
    write_fake(&good, true, &[1], &[2]);
    let roots = [base.join("repo")];
    assert_eq!(resolve_data_dir_with(None, None, &roots).unwrap(), good);

    let empty = base.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    // An explicit --data-dir without the files is an error even though the default would work.
    let err = resolve_data_dir_with(Some(&empty), None, &roots).unwrap_err();
    let msg = err.to_string();
    assert_mentions(&msg, &[&empty.display().to_string(), "--data-dir"]);
    assert!(!msg.contains(&good.display().to_string()), "{msg}");
    // Same for SIMEC_DATA_DIR.
    let err = resolve_data_dir_with(None, Some(&empty), &roots).unwrap_err();
    assert!(err.to_string().contains("SIMEC_DATA_DIR"), "{err}");
    // Explicit beats env.
    assert_eq!(
        resolve_data_dir_with(Some(&good), Some(&empty), &roots).unwrap(),
        good
    );
    assert_eq!(resolve_data_dir_with(None, Some(&good), &[]).unwrap(), good);
}

#[test]
fn partial_directory_reports_missing_files() {
    let dir = temp_dir("partial");
    write_fake(&dir, false, &[1], &[2]);
    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte")).unwrap();
    let err = resolve_data_dir_with(Some(&dir), None, &[]).unwrap_err();
    let DataError::DataDirNotFound { searched } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(searched[0].missing, vec!["t10k-labels-idx1-ubyte"]);
}

#[test]
fn sha_mismatch_names_the_file_and_both_hashes() {
    let dir = temp_dir("sha");
    let own = write_fake(&dir, true, &[3, 1], &[0]);
    let err = load_mnist_from_dir(&dir).unwrap_err();
    match &err {
        DataError::HashMismatch {
            path,
            expected,
            actual,
            ..
        } => {
            assert_eq!(path, &dir.join("train-images-idx3-ubyte.gz"));
            assert_eq!(expected, MNIST_FILES[0].sha256);
            assert_eq!(actual, own[0].sha256);
        }
        other => panic!("expected HashMismatch, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("train-images-idx3-ubyte.gz"), "{msg}");
    assert_mentions(&msg, &[MNIST_FILES[0].sha256, own[0].sha256]);
}

#[test]
fn fake_mnist_is_loaded_in_paper_order_plain_and_gz() {
    let train = [3u8, 1, 3, 0, 1];
    let test = [9u8, 2, 2];
    let plain = temp_dir("fake-plain");
    let gz = temp_dir("fake-gz");
    let files = write_fake(&plain, false, &train, &test);
    let files_gz = write_fake(&gz, true, &train, &test);
    assert_eq!(files, files_gz, "hashes are over the uncompressed content");
    let a = load_mnist_from_dir_with(&plain, &files).unwrap();
    let b = load_mnist_from_dir_with(&gz, &files_gz).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.n, 8);
    assert_eq!(a.labels, vec![0, 1, 1, 3, 3, 2, 2, 9]);
    // Each image moved with its label; stable within equal labels (markers 1 before 4 etc.).
    let marks: Vec<u8> = (0..a.n).map(|i| a.image(i).unwrap()[0]).collect();
    assert_eq!(marks, vec![3, 1, 4, 0, 2, 101, 102, 100]);
    assert!(a.image(8).is_none());
    a.validate().unwrap();
}

#[test]
fn count_mismatch_and_image_shape_are_errors() {
    let dir = temp_dir("count");
    let mut files = write_fake(&dir, false, &[1, 2], &[3]);
    let short = labels_bytes(&[1]);
    std::fs::write(dir.join("train-labels-idx1-ubyte"), &short).unwrap();
    files[1].sha256 = Box::leak(sha256_hex(&short).into_boxed_str());
    match load_mnist_from_dir_with(&dir, &files).unwrap_err() {
        DataError::CountMismatch {
            n_images, n_labels, ..
        } => assert_eq!((n_images, n_labels), (2, 1)),
        other => panic!("expected CountMismatch, got {other:?}"),
    }

    let dir = temp_dir("shape");
    let mut files = write_fake(&dir, false, &[1], &[3]);
    let mut img = Vec::new();
    for v in [2051u32, 1, 2, 2] {
        img.extend_from_slice(&v.to_be_bytes());
    }
    img.extend_from_slice(&[0; 4]);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), &img).unwrap();
    files[2].sha256 = Box::leak(sha256_hex(&img).into_boxed_str());
    assert!(matches!(
        load_mnist_from_dir_with(&dir, &files),
        Err(DataError::ImageShape {
            rows: 2,
            cols: 2,
            ..
        })
    ));
}

#[test]
fn stable_label_order_is_stable() {
    assert_eq!(stable_label_order(&[2, 0, 2, 1, 0]), vec![1, 4, 3, 0, 2]);
}

/// Real MNIST. Per-block label counts are the standard ones (NumPy `np.bincount` on the IDX
/// label files); pixel sums were printed by NumPy 2.4.6 on the same paper order
/// (`X[i].sum()` of pixels/255 for rows 0, 60000, 69999).
#[test]
fn real_mnist_loads_fast_in_paper_order() {
    let t = Instant::now();
    let m = load_mnist(Some(&real_mnist_dir())).unwrap();
    let secs = t.elapsed().as_secs_f64();
    eprintln!("load_mnist (4 gz files, SHA-256 verified, paper order): {secs:.3} s");
    assert_eq!(m.n, N_MNIST);
    m.validate().unwrap();
    assert_eq!(m.labels[..5], [0, 0, 0, 0, 0]);
    assert_eq!(m.labels[59_995..60_005], [9, 9, 9, 9, 9, 0, 0, 0, 0, 0]);
    assert_eq!(m.labels[N_MNIST - 1], 9);
    let hist = |ls: &[u8]| {
        let mut h = [0usize; 10];
        for &l in ls {
            h[l as usize] += 1;
        }
        h
    };
    assert_eq!(
        hist(&m.labels[..60_000]),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        hist(&m.labels[60_000..]),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert!(m.labels[..60_000].windows(2).all(|w| w[0] <= w[1]));
    assert!(m.labels[60_000..].windows(2).all(|w| w[0] <= w[1]));
    let sum = |i: usize| {
        m.image(i)
            .unwrap()
            .iter()
            .map(|&p| f64::from(p) / 255.0)
            .sum::<f64>()
    };
    for (i, expected) in [
        (0, 121.94117647058823),
        (60_000, 145.1529411764706),
        (69_999, 117.01176470588236),
    ] {
        assert!(
            (sum(i) - expected).abs() < 1e-9,
            "row {i}: {} vs {expected}",
            sum(i)
        );
    }
    // Generous bound (the target is < 1 s in release); only catches pathological slowness.
    assert!(secs < 20.0, "loading took {secs} s");
}

#[test]
fn real_mnist_default_resolution_finds_a_copy() {
    // With no --data-dir: SIMEC_DATA_DIR if set, else data/mnist or ../shared/data/mnist, else
    // a download into data/mnist.
    let m = load_mnist(None).unwrap();
    assert_eq!(m.n, N_MNIST);
}

/// A fake MNIST in `dir` (gzipped), then `name` replaced by `bytes`; the load error's message.
fn load_error_with(tag: &str, name: &str, bytes: &[u8]) -> (PathBuf, String) {
    let dir = temp_dir(tag);
    let files = write_fake(&dir, true, &[1, 2, 3], &[4]);
    let base = name.trim_end_matches(".gz");
    std::fs::remove_file(dir.join(format!("{base}.gz"))).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    let err = load_mnist_from_dir_with(&dir, &files).unwrap_err();
    assert!(matches!(err, DataError::HashMismatch { .. }), "{err:?}");
    (dir, err.to_string())
}

#[test]
fn html_page_saved_as_gz_is_diagnosed_as_html() {
    let page = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n";
    let (dir, msg) = load_error_with("html", "train-images-idx3-ubyte.gz", page);
    assert_mentions(
        &msg,
        &[&dir.join("train-images-idx3-ubyte.gz").display().to_string()],
    );
    assert_mentions(&msg, &["named .gz but is not gzip", "HTML"]);
    assert!(msg.contains("<!DOCTYPE html>"), "quotes the start: {msg}");
}

#[test]
fn empty_file_is_diagnosed_as_empty() {
    let (_, msg) = load_error_with("empty", "t10k-labels-idx1-ubyte.gz", b"");
    assert!(msg.contains("t10k-labels-idx1-ubyte.gz"), "{msg}");
    assert!(msg.contains("the file is empty (0 bytes)"), "{msg}");
}

#[test]
fn truncated_uncompressed_file_reports_length_against_header_count() {
    // Three images declared, two and a half present (the plain file shadows the .gz).
    let full = images_bytes(&[7, 8, 9]);
    let cut = &full[..16 + 2 * PIXELS + PIXELS / 2];
    let (_, msg) = load_error_with("trunc", "train-images-idx3-ubyte", cut);
    assert_mentions(
        &msg,
        &[
            "dimensions [3, 28, 28], i.e. 2352 payload bytes",
            "the file has 1960 (truncated)",
        ],
    );
}

#[test]
fn labels_file_under_an_images_name_reports_the_magic_number() {
    let (_, msg) = load_error_with("magic", "t10k-images-idx3-ubyte", &labels_bytes(&[1, 2]));
    assert_mentions(
        &msg,
        &[
            "not an IDX images file",
            "IDX magic number 2049 (0x00000801), expected 2051",
        ],
    );
}

#[test]
fn plain_text_under_an_idx_name_is_quoted() {
    let (_, msg) = load_error_with("text", "train-labels-idx1-ubyte", b"see the README\n");
    assert_mentions(&msg, &["looks like text", "\"see the README\""]);
}

#[test]
fn well_formed_idx_with_other_content_says_so() {
    let dir = temp_dir("other");
    write_fake(&dir, false, &[1, 2], &[3]);
    let err = load_mnist_from_dir(&dir).unwrap_err();
    let msg = err.to_string();
    assert_mentions(
        &msg,
        &[
            "well-formed IDX images file (dimensions [2, 28, 28])",
            "not the standard MNIST content",
        ],
    );
}

#[test]
fn near_miss_names_are_listed_beside_the_expected_ones() {
    let dir = temp_dir("near-miss");
    write_fake(&dir, false, &[1], &[2]);
    // The spellings of other MNIST packagings and of an interrupted download.
    std::fs::rename(
        dir.join("train-images-idx3-ubyte"),
        dir.join("train-images.idx3-ubyte"),
    )
    .unwrap();
    std::fs::rename(
        dir.join("t10k-labels-idx1-ubyte"),
        dir.join("t10k-labels-idx1-ubyte.gz.part"),
    )
    .unwrap();
    let err = resolve_data_dir_with(Some(&dir), None, &[]).unwrap_err();
    let DataError::DataDirNotFound { searched } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        searched[0].near_misses,
        vec![
            (
                "train-images-idx3-ubyte",
                "train-images.idx3-ubyte".to_owned()
            ),
            (
                "t10k-labels-idx1-ubyte",
                "t10k-labels-idx1-ubyte.gz.part".to_owned()
            ),
        ]
    );
    let msg = err.to_string();
    assert_mentions(
        &msg,
        &["missing train-images-idx3-ubyte, t10k-labels-idx1-ubyte"],
    );
    assert_mentions(
        &msg,
        &[
            "found train-images.idx3-ubyte, expected train-images-idx3-ubyte or \
             train-images-idx3-ubyte.gz",
        ],
    );
    assert_mentions(
        &msg,
        &["found t10k-labels-idx1-ubyte.gz.part, expected t10k-labels-idx1-ubyte"],
    );
}
