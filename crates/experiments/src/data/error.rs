//! Typed errors of the data layer: every variant names the file (or subset), the offending
//! shape or value, and what was expected.

use std::fmt::Write as _;
use std::path::PathBuf;

/// One directory tried while looking for MNIST, and why it was tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchedDir {
    /// The directory (lexically normalized; it may not exist).
    pub path: PathBuf,
    /// Where the candidate came from, e.g. `--data-dir`, `SIMEC_DATA_DIR`, `repository data/mnist`.
    pub origin: String,
    /// The MNIST files (base names) that were not found there, plain or `.gz`.
    pub missing: Vec<&'static str>,
    /// Other spellings of missing files found there: (expected base name, name found), e.g.
    /// (`train-images-idx3-ubyte`, `train-images.idx3-ubyte`).
    pub near_misses: Vec<(&'static str, String)>,
}

/// Errors of MNIST reading, verification and the paper's subsets.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read at all.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// File that failed.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The file starts with the gzip magic bytes `1f 8b` but does not decompress.
    #[error("{}: corrupt gzip stream (expected a valid gzip file since it starts with 1f 8b): {source}", path.display())]
    Gzip {
        /// File that failed.
        path: PathBuf,
        /// Decoder error.
        #[source]
        source: std::io::Error,
    },

    /// The (uncompressed) content is shorter than the IDX header.
    #[error("{}: {len} bytes is shorter than the {header}-byte IDX {kind} header", path.display())]
    TruncatedHeader {
        /// File that failed.
        path: PathBuf,
        /// `"images"` or `"labels"`.
        kind: &'static str,
        /// Uncompressed length in bytes.
        len: usize,
        /// Required header length in bytes (16 for images, 8 for labels).
        header: usize,
    },

    /// The IDX magic number is not the one for this kind of file.
    #[error("{}: IDX magic number {found} ({found:#010x}), expected {expected} ({expected:#010x}) for {kind}", path.display())]
    BadMagic {
        /// File that failed.
        path: PathBuf,
        /// `"images"` or `"labels"`.
        kind: &'static str,
        /// 2051 for images, 2049 for labels.
        expected: u32,
        /// Magic number read from the file.
        found: u32,
    },

    /// The header's dimensions do not match the number of payload bytes.
    #[error(
        "{}: IDX header declares dimensions {dims:?}, i.e. {expected} payload bytes after the \
         {header}-byte header, but the file has {actual} ({})",
        path.display(),
        if actual < expected { "truncated" } else { "trailing bytes" }
    )]
    SizeMismatch {
        /// File that failed.
        path: PathBuf,
        /// Dimensions from the header (`[n, rows, cols]` or `[n]`).
        dims: Vec<u32>,
        /// Header length in bytes.
        header: usize,
        /// Payload bytes implied by `dims`.
        expected: u64,
        /// Payload bytes present.
        actual: u64,
    },

    /// A label outside `0..=9`.
    #[error("{}: label #{index} is {value}, expected a digit 0..=9", path.display())]
    BadLabel {
        /// File that failed.
        path: PathBuf,
        /// 0-based position of the label.
        index: usize,
        /// Offending value.
        value: u8,
    },

    /// Images are not 28 x 28.
    #[error("{}: images are {rows} x {cols}, expected 28 x 28 (784 pixels)", path.display())]
    ImageShape {
        /// File that failed.
        path: PathBuf,
        /// Rows per image from the header.
        rows: u32,
        /// Columns per image from the header.
        cols: u32,
    },

    /// The SHA-256 of the uncompressed content is not the standard MNIST one.
    #[error(
        "{}: not the standard MNIST file: {diagnosis} (SHA-256 of the uncompressed content is \
         {actual}, expected {expected}). Delete it and run `just data` (downloads MNIST into data/mnist), \
         or point SIMEC_DATA_DIR / --data-dir at a good copy",
        path.display()
    )]
    HashMismatch {
        /// File that failed.
        path: PathBuf,
        /// Expected lowercase hex digest.
        expected: String,
        /// Actual lowercase hex digest.
        actual: String,
        /// The most specific cause found (empty file, HTML page, wrong magic number, length
        /// against the header's count, ...); see [`crate::data::diagnose_mismatch`].
        diagnosis: String,
    },

    /// Downloading needs `curl`, which could not be run.
    #[error(
        "MNIST is not on this machine and downloading it into {} needs `curl`, which could not \
         be run ({source}): install curl (e.g. `apt-get install curl`), or copy the four MNIST \
         files into {} by hand, or set SIMEC_DATA_DIR (or pass --data-dir) to a directory \
         holding them",
        dir.display(),
        dir.display()
    )]
    CurlMissing {
        /// The download directory.
        dir: PathBuf,
        /// Why `curl` could not be started.
        #[source]
        source: std::io::Error,
    },

    /// Every mirror failed for one file.
    #[error("{}", format_download_failed(file, dir, attempts))]
    DownloadFailed {
        /// Base name of the file (without `.gz`).
        file: &'static str,
        /// The download directory.
        dir: PathBuf,
        /// One line per mirror tried: the URL and why it failed.
        attempts: Vec<String>,
    },

    /// An image file and its label file disagree on the number of samples.
    #[error(
        "{} holds {n_images} images but {} holds {n_labels} labels; the counts must agree",
        images.display(),
        labels.display()
    )]
    CountMismatch {
        /// Image file.
        images: PathBuf,
        /// Label file.
        labels: PathBuf,
        /// Images in the image file.
        n_images: usize,
        /// Labels in the label file.
        n_labels: usize,
    },

    /// No candidate directory holds the four MNIST files.
    #[error("{}", format_not_found(searched))]
    DataDirNotFound {
        /// Every directory searched, in order.
        searched: Vec<SearchedDir>,
    },

    /// An in-memory [`crate::data::Mnist`] whose fields disagree.
    #[error(
        "inconsistent Mnist value: n = {n}, {image_bytes} image bytes (expected n * 784 = {}), \
         {labels} labels (expected n)",
        n.saturating_mul(784)
    )]
    InconsistentMnist {
        /// Declared sample count.
        n: usize,
        /// Length of `images`.
        image_bytes: usize,
        /// Length of `labels`.
        labels: usize,
    },

    /// The paper subsets index into all 70,000 images in paper order.
    #[error("the paper subsets need all {expected} MNIST images in paper order, got n = {n}")]
    NotFullMnist {
        /// Samples present.
        n: usize,
        /// Samples required (70,000).
        expected: usize,
    },

    /// A requested subset size exceeds what the paper's protocol provides.
    #[error("{what}: requested {requested} samples but at most {available} are available")]
    SubsetTooLarge {
        /// Which part of which subset.
        what: &'static str,
        /// Requested size.
        requested: usize,
        /// Maximum size.
        available: usize,
    },
}

fn format_not_found(searched: &[SearchedDir]) -> String {
    let mut s = String::from(
        "MNIST not found: no searched directory holds all four files (train-images-idx3-ubyte, \
         train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or \
         .gz). Searched, in order:",
    );
    for d in searched {
        let _ = write!(s, "\n  - {} (from {})", d.path.display(), d.origin);
        if !d.missing.is_empty() {
            let _ = write!(s, ": missing {}", d.missing.join(", "));
        }
        for (expected, found) in &d.near_misses {
            let _ = write!(
                s,
                "\n      found {found}, expected {expected} or {expected}.gz (rename it if it \
                 is that file)"
            );
        }
    }
    s.push_str(
        "\nWithout --data-dir or SIMEC_DATA_DIR a run downloads MNIST into data/mnist at the \
         project root (`just data` does only that); or set SIMEC_DATA_DIR (or pass --data-dir) to \
         a directory holding the four files.",
    );
    s
}

fn format_download_failed(file: &str, dir: &std::path::Path, attempts: &[String]) -> String {
    let mut s = format!(
        "MNIST is not on this machine and downloading {file}.gz into {} failed from every mirror:",
        dir.display()
    );
    for a in attempts {
        let _ = write!(s, "\n  - {a}");
    }
    let _ = write!(
        s,
        "\nCheck the network or proxy and rerun (the download resumes), or set \
         SIMEC_MNIST_MIRROR to another mirror (a URL prefix; file:// works), or copy the four \
         MNIST files into {} by hand, or set SIMEC_DATA_DIR (or pass --data-dir) to a directory \
         holding them.",
        dir.display()
    );
    s
}
