//! IDX file reader (the MNIST distribution format), plain or gzipped.
//!
//! Format (big-endian): images `u32 magic = 2051, u32 n, u32 rows, u32 cols`, then `n * rows *
//! cols` pixel bytes; labels `u32 magic = 2049, u32 n`, then `n` label bytes. A file is treated as
//! gzip when it starts with the magic bytes `1f 8b`, whatever its name.

use std::io::Read as _;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use sha2::{Digest as _, Sha256};

use super::DataError;

/// IDX magic number of an unsigned-byte 3-d array (images).
pub const IMAGES_MAGIC: u32 = 2051;
/// IDX magic number of an unsigned-byte 1-d array (labels).
pub const LABELS_MAGIC: u32 = 2049;
pub(super) const IMAGES_HEADER: usize = 16;
pub(super) const LABELS_HEADER: usize = 8;

/// Images read from an IDX file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub n: usize,
    /// Rows per image (28 for MNIST).
    pub rows: usize,
    /// Columns per image (28 for MNIST).
    pub cols: usize,
    /// `n * rows * cols` bytes, image-major then row-major (0 = background, 255 = ink).
    pub pixels: Vec<u8>,
}

/// The uncompressed content of a file: decompressed if it starts with `1f 8b`, else as is.
///
/// # Errors
/// [`DataError::Io`] if the file cannot be read, [`DataError::Gzip`] if it looks gzipped but
/// does not decompress (bad deflate data, wrong CRC or length, truncated stream).
pub fn read_uncompressed(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if raw.len() < 2 || raw[..2] != [0x1f, 0x8b] {
        return Ok(raw);
    }
    // ISIZE (last 4 bytes, little-endian) is the uncompressed length mod 2^32: a capacity hint,
    // capped so that a corrupt trailer cannot request an absurd allocation.
    let hint = raw
        .len()
        .checked_sub(4)
        .and_then(|at| raw.get(at..))
        .map_or(0, |t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize)
        .min(raw.len().saturating_mul(64));
    let mut out = Vec::with_capacity(hint);
    MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(out)
}

/// Lowercase hex SHA-256 of `bytes` (MNIST hashes are over the uncompressed content).
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Checks an IDX header (magic, length, payload size against the dimensions); returns the
/// dimensions. `path` is only used in error messages.
pub(super) fn check_header(
    bytes: &[u8],
    path: &Path,
    kind: &'static str,
    magic: u32,
    header: usize,
) -> Result<Vec<u32>, DataError> {
    // The magic number is checked first (when present) so that a label file passed as images
    // reports the wrong magic rather than a short header.
    if bytes.len() >= 4 {
        let found = be_u32(bytes, 0);
        if found != magic {
            return Err(DataError::BadMagic {
                path: path.to_path_buf(),
                kind,
                expected: magic,
                found,
            });
        }
    }
    if bytes.len() < header {
        return Err(DataError::TruncatedHeader {
            path: path.to_path_buf(),
            kind,
            len: bytes.len(),
            header,
        });
    }
    let dims: Vec<u32> = (4..header).step_by(4).map(|at| be_u32(bytes, at)).collect();
    let expected = dims.iter().map(|&d| u64::from(d)).product::<u64>();
    let actual = (bytes.len() - header) as u64;
    if expected != actual {
        return Err(DataError::SizeMismatch {
            path: path.to_path_buf(),
            dims,
            header,
            expected,
            actual,
        });
    }
    Ok(dims)
}

/// Parses uncompressed IDX image content; `path` is only used in error messages.
///
/// # Errors
/// [`DataError::TruncatedHeader`], [`DataError::BadMagic`] (not 2051) or
/// [`DataError::SizeMismatch`] (payload shorter or longer than `n * rows * cols`).
pub fn parse_idx_images(mut bytes: Vec<u8>, path: &Path) -> Result<IdxImages, DataError> {
    let dims = check_header(&bytes, path, "images", IMAGES_MAGIC, IMAGES_HEADER)?;
    bytes.drain(..IMAGES_HEADER);
    Ok(IdxImages {
        n: dims[0] as usize,
        rows: dims[1] as usize,
        cols: dims[2] as usize,
        pixels: bytes,
    })
}

/// Parses uncompressed IDX label content; `path` is only used in error messages.
///
/// # Errors
/// As [`parse_idx_images`] (magic 2049, payload of `n` bytes), plus [`DataError::BadLabel`] for
/// a value above 9.
pub fn parse_idx_labels(mut bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    check_header(&bytes, path, "labels", LABELS_MAGIC, LABELS_HEADER)?;
    bytes.drain(..LABELS_HEADER);
    if let Some((index, &value)) = bytes.iter().enumerate().find(|(_, &v)| v > 9) {
        return Err(DataError::BadLabel {
            path: path.to_path_buf(),
            index,
            value,
        });
    }
    Ok(bytes)
}

/// Reads an IDX image file (plain or gzipped).
///
/// # Errors
/// See [`read_uncompressed`] and [`parse_idx_images`].
pub fn read_idx_images(path: &Path) -> Result<IdxImages, DataError> {
    parse_idx_images(read_uncompressed(path)?, path)
}

/// Reads an IDX label file (plain or gzipped); every label is checked to be a digit `0..=9`.
///
/// # Errors
/// See [`read_uncompressed`] and [`parse_idx_labels`].
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    parse_idx_labels(read_uncompressed(path)?, path)
}
