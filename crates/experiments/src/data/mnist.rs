//! The 70,000 MNIST images in the paper's row order, verified by SHA-256.
//!
//! The paper (Section 4) loads MNIST with sklearn's old `fetch_mldata('MNIST original')`, whose
//! rows are the 60,000-image training block followed by the 10,000-image test block, **each
//! sorted stably by label**. All paper subsets are drawn by index from that order, so
//! [`load_mnist`] returns exactly it.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use super::diagnose::{diagnose_mismatch, near_misses};
use super::download::Downloader;
use super::idx::{parse_idx_images, parse_idx_labels, read_uncompressed, sha256_hex};
use super::{DataError, SearchedDir};
use crate::root::repo_root;

/// Pixels per image (28 x 28).
pub const PIXELS: usize = 784;
/// Images in the full data set (training block + test block).
pub const N_MNIST: usize = 70_000;
/// Images in the training block (rows `0..60_000` of the paper order).
pub const N_TRAIN_BLOCK: usize = 60_000;
/// Environment variable naming the MNIST directory.
pub const DATA_DIR_ENV: &str = "SIMEC_DATA_DIR";

/// One of the four standard MNIST files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MnistFile {
    /// Base name without `.gz`.
    pub name: &'static str,
    /// SHA-256 (lowercase hex) of the uncompressed content.
    pub sha256: &'static str,
}

/// The four standard files, in load order: training images, training labels, test images, test
/// labels. Hashes as in `shared/data/mnist/SHA256SUMS`.
pub const MNIST_FILES: [MnistFile; 4] = [
    MnistFile {
        name: "train-images-idx3-ubyte",
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    },
    MnistFile {
        name: "train-labels-idx1-ubyte",
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    MnistFile {
        name: "t10k-images-idx3-ubyte",
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    },
    MnistFile {
        name: "t10k-labels-idx1-ubyte",
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
];

/// All MNIST images in the paper's row order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mnist {
    /// `n * 784` raw pixels (0..=255), row-major: image `i` is `images[i * 784..(i + 1) * 784]`.
    pub images: Vec<u8>,
    /// `n` labels `0..=9`.
    pub labels: Vec<u8>,
    /// Number of images (70,000 from [`load_mnist`]).
    pub n: usize,
}

impl Mnist {
    /// The 784 raw pixels of image `i`, or `None` if out of range.
    #[must_use]
    pub fn image(&self, i: usize) -> Option<&[u8]> {
        let start = i.checked_mul(PIXELS)?;
        self.images.get(start..start.checked_add(PIXELS)?)
    }

    /// Checks that `images`, `labels` and `n` agree (useful for hand-built values).
    ///
    /// # Errors
    /// [`DataError::InconsistentMnist`].
    pub fn validate(&self) -> Result<(), DataError> {
        if self.n.checked_mul(PIXELS) != Some(self.images.len()) || self.labels.len() != self.n {
            return Err(DataError::InconsistentMnist {
                n: self.n,
                image_bytes: self.images.len(),
                labels: self.labels.len(),
            });
        }
        Ok(())
    }
}

/// Lexical normalization (`a/b/../c` -> `a/c`, drops `.`); does not touch the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The path of `file` in `dir`: the plain file if present, else `<name>.gz`, else `None`.
pub(super) fn locate(dir: &Path, file: &MnistFile) -> Option<PathBuf> {
    let plain = dir.join(file.name);
    if plain.is_file() {
        return Some(plain);
    }
    let gz = dir.join(format!("{}.gz", file.name));
    gz.is_file().then_some(gz)
}

fn missing_files(dir: &Path) -> Vec<&'static str> {
    MNIST_FILES
        .iter()
        .filter(|f| locate(dir, f).is_none())
        .map(|f| f.name)
        .collect()
}

fn search(candidates: Vec<(PathBuf, String)>) -> Result<PathBuf, DataError> {
    let mut searched: Vec<SearchedDir> = Vec::new();
    for (path, origin) in candidates {
        let path = normalize(&path);
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        let seen = searched
            .iter()
            .any(|s| s.path.canonicalize().unwrap_or_else(|_| s.path.clone()) == key);
        if seen {
            continue;
        }
        let missing = missing_files(&path);
        if missing.is_empty() {
            return Ok(path);
        }
        let near_misses = missing
            .iter()
            .flat_map(|&m| near_misses(&path, m).into_iter().map(move |n| (m, n)))
            .collect();
        searched.push(SearchedDir {
            path,
            origin,
            missing,
            near_misses,
        });
    }
    Err(DataError::DataDirNotFound { searched })
}

/// Data-directory resolution with every input explicit (what [`resolve_data_dir`] calls).
///
/// - If `explicit` (`--data-dir`) is given, only it is searched; else if `env` (the value of
///   `SIMEC_DATA_DIR`) is given and non-empty, only it is searched: a directory the user named
///   is never silently replaced by another.
/// - Otherwise, for each repository-root candidate in `roots` (in order): `<root>/data/mnist`;
///   then for each root `<root>/../shared/data/mnist`.
///
/// A directory qualifies when it holds all four [`MNIST_FILES`], each plain or `.gz`.
///
/// # Errors
/// [`DataError::DataDirNotFound`] listing every directory searched, what each lacked, other
/// spellings of the missing files found there, and how to get MNIST.
pub fn resolve_data_dir_with(
    explicit: Option<&Path>,
    env: Option<&Path>,
    roots: &[PathBuf],
) -> Result<PathBuf, DataError> {
    if let Some(dir) = explicit {
        return search(vec![(dir.to_path_buf(), "--data-dir".to_owned())]);
    }
    if let Some(dir) = env.filter(|d| !d.as_os_str().is_empty()) {
        return search(vec![(dir.to_path_buf(), DATA_DIR_ENV.to_owned())]);
    }
    let mut candidates = Vec::new();
    for root in roots {
        candidates.push((
            root.join("data/mnist"),
            format!("data/mnist under repository root {}", root.display()),
        ));
    }
    for root in roots {
        candidates.push((
            root.join("../shared/data/mnist"),
            format!(
                "../shared/data/mnist beside repository root {}",
                root.display()
            ),
        ));
    }
    search(candidates)
}

/// Finds the MNIST directory: `--data-dir`, then `SIMEC_DATA_DIR`, then `data/mnist` under the
/// project root ([`repo_root`]: the checkout the command runs in), then `../shared/data/mnist`
/// beside it. See [`resolve_data_dir_with`] for the exact rules; nothing is downloaded.
///
/// # Errors
/// [`DataError::DataDirNotFound`] listing every directory searched.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf, DataError> {
    let env: Option<OsString> = std::env::var_os(DATA_DIR_ENV);
    resolve_data_dir_with(explicit, env.as_deref().map(Path::new), &[repo_root()])
}

/// [`resolve_data_dir_with`] for one project `root`, downloading MNIST into `<root>/data/mnist`
/// with `downloader` when the default search finds nothing. A directory the user named
/// (`explicit` = `--data-dir`, or a non-empty `env` = `SIMEC_DATA_DIR`) is never downloaded
/// into: a typo there must not start a download elsewhere.
///
/// # Errors
/// [`DataError::DataDirNotFound`] for a named directory without the files;
/// the download's errors ([`DataError::CurlMissing`], [`DataError::DownloadFailed`], I/O).
pub fn find_or_download(
    explicit: Option<&Path>,
    env: Option<&Path>,
    root: &Path,
    downloader: &Downloader,
) -> Result<PathBuf, DataError> {
    let named = explicit.is_some() || env.is_some_and(|d| !d.as_os_str().is_empty());
    match resolve_data_dir_with(explicit, env, &[root.to_path_buf()]) {
        Err(DataError::DataDirNotFound { searched }) if !named => {
            let dir = normalize(&root.join("data/mnist"));
            let tried: Vec<String> = searched
                .iter()
                .map(|s| s.path.display().to_string())
                .collect();
            eprintln!(
                "MNIST not found ({}); downloading it into {}",
                tried.join(", "),
                dir.display()
            );
            downloader.fetch(&dir, &MNIST_FILES)?;
            Ok(dir)
        }
        other => other,
    }
}

/// Reads one file, checks its SHA-256 over the uncompressed content.
fn read_verified(dir: &Path, file: &MnistFile) -> Result<(PathBuf, Vec<u8>), DataError> {
    let path = locate(dir, file).ok_or_else(|| DataError::DataDirNotFound {
        searched: vec![SearchedDir {
            path: dir.to_path_buf(),
            origin: "load_mnist_from_dir".to_owned(),
            missing: vec![file.name],
            near_misses: near_misses(dir, file.name)
                .into_iter()
                .map(|n| (file.name, n))
                .collect(),
        }],
    })?;
    let bytes = read_uncompressed(&path)?;
    let actual = sha256_hex(&bytes);
    if actual != file.sha256 {
        // Read again only on this error path, to tell an HTML page from a truncated file.
        let raw = std::fs::read(&path).unwrap_or_default();
        return Err(DataError::HashMismatch {
            diagnosis: diagnose_mismatch(&path, &raw, &bytes, file.name),
            path,
            expected: file.sha256.to_owned(),
            actual,
        });
    }
    Ok((path, bytes))
}

/// Stable counting sort by label: the indices of `labels` ordered by (label, position).
#[must_use]
pub fn stable_label_order(labels: &[u8]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| labels[i]); // `sort_by_key` is stable
    order
}

/// Appends the images/labels of one block to `out`, reordered stably by label.
fn append_sorted(out: &mut Mnist, pixels: &[u8], labels: &[u8]) {
    for i in stable_label_order(labels) {
        out.images
            .extend_from_slice(&pixels[i * PIXELS..(i + 1) * PIXELS]);
        out.labels.push(labels[i]);
    }
    out.n += labels.len();
}

/// Loads MNIST from `dir` exactly (no search), verified against [`MNIST_FILES`], in paper order.
///
/// # Errors
/// See [`load_mnist_from_dir_with`].
pub fn load_mnist_from_dir(dir: &Path) -> Result<Mnist, DataError> {
    load_mnist_from_dir_with(dir, &MNIST_FILES)
}

/// Loads four IDX files from `dir` (names and expected hashes in `files`, ordered training
/// images, training labels, test images, test labels) into paper order: each image/label block
/// stably sorted by label, blocks concatenated. [`load_mnist_from_dir`] passes [`MNIST_FILES`];
/// tests pass hashes of small synthetic files.
///
/// The files are read and decompressed in parallel; each file's uncompressed content must match
/// its SHA-256. Errors are reported in file order.
///
/// # Errors
/// [`DataError::DataDirNotFound`] if a file is missing; any [`super::idx`] reading error;
/// [`DataError::HashMismatch`]; [`DataError::ImageShape`] unless 28 x 28;
/// [`DataError::CountMismatch`] if an image file and its label file disagree.
pub fn load_mnist_from_dir_with(dir: &Path, files: &[MnistFile; 4]) -> Result<Mnist, DataError> {
    let results: Vec<Result<(PathBuf, Vec<u8>), DataError>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|f| s.spawn(move || read_verified(dir, f)))
            .collect();
        handles
            .into_iter()
            .zip(files.iter())
            .map(|(h, f)| {
                h.join().unwrap_or_else(|_| {
                    Err(DataError::Io {
                        path: dir.join(f.name),
                        source: std::io::Error::other("reader thread panicked"),
                    })
                })
            })
            .collect()
    });
    let mut files = Vec::with_capacity(4);
    for r in results {
        files.push(r?);
    }
    let mut it = files.into_iter();
    let mut blocks = Vec::with_capacity(2);
    while let (Some((img_path, img_bytes)), Some((lab_path, lab_bytes))) = (it.next(), it.next()) {
        let images = parse_idx_images(img_bytes, &img_path)?;
        if images.rows * images.cols != PIXELS {
            return Err(DataError::ImageShape {
                path: img_path,
                rows: images.rows as u32,
                cols: images.cols as u32,
            });
        }
        let labels = parse_idx_labels(lab_bytes, &lab_path)?;
        if labels.len() != images.n {
            return Err(DataError::CountMismatch {
                images: img_path,
                labels: lab_path,
                n_images: images.n,
                n_labels: labels.len(),
            });
        }
        blocks.push((images.pixels, labels));
    }
    let total: usize = blocks.iter().map(|(_, l)| l.len()).sum();
    let mut out = Mnist {
        images: Vec::with_capacity(total * PIXELS),
        labels: Vec::with_capacity(total),
        n: 0,
    };
    for (pixels, labels) in &blocks {
        append_sorted(&mut out, pixels, labels);
    }
    Ok(out)
}

/// Loads all 70,000 MNIST images in the paper's order (training block then test block, each
/// stably sorted by label), verifying every file's SHA-256. The directory is `data_dir`
/// (`--data-dir`), else `SIMEC_DATA_DIR`, else the default search of [`resolve_data_dir`];
/// when that finds nothing, MNIST is downloaded into `<root>/data/mnist` first (mirrors:
/// `SIMEC_MNIST_MIRROR`, else the standard ones; see [`find_or_download`]).
///
/// # Errors
/// See [`find_or_download`] and [`load_mnist_from_dir`].
pub fn load_mnist(data_dir: Option<&Path>) -> Result<Mnist, DataError> {
    load_mnist_from_dir(&mnist_dir(data_dir)?)
}

/// The MNIST directory [`load_mnist`] reads: [`find_or_download`] with `SIMEC_DATA_DIR`, the
/// project root ([`repo_root`]) and [`Downloader::from_env`]. For tests and tools that need the
/// files rather than the loaded images.
///
/// # Errors
/// See [`find_or_download`].
pub fn mnist_dir(data_dir: Option<&Path>) -> Result<PathBuf, DataError> {
    let env: Option<OsString> = std::env::var_os(DATA_DIR_ENV);
    find_or_download(
        data_dir,
        env.as_deref().map(Path::new),
        &repo_root(),
        &Downloader::from_env(),
    )
}
