//! Why an MNIST file is not the standard one: the cause behind a SHA-256 mismatch, and the
//! near-miss file names (other spellings of the four files) in a directory that lacks them.

use std::path::Path;

use super::idx::{check_header, IMAGES_HEADER, IMAGES_MAGIC, LABELS_HEADER, LABELS_MAGIC};

/// The most specific cause of a hash mismatch, as a sentence fragment for an error message.
///
/// `raw` is the file as stored, `content` its uncompressed content (equal to `raw` unless gzip),
/// `name` the expected base name (its `images` / `labels` part picks the IDX kind). In order:
/// empty file; a `.gz` name holding something else than gzip (HTML, other text, or bytes);
/// content that is not IDX of the expected kind (wrong magic number, short header, payload
/// length against the header's count); else a well-formed IDX file with other content.
#[must_use]
pub fn diagnose_mismatch(path: &Path, raw: &[u8], content: &[u8], name: &str) -> String {
    if raw.is_empty() {
        return "the file is empty (0 bytes), e.g. an interrupted or failed download".to_owned();
    }
    let is_gz = raw.starts_with(&[0x1f, 0x8b]);
    let named_gz = path.extension().is_some_and(|e| e == "gz");
    if named_gz && !is_gz {
        return format!(
            "the file is named .gz but is not gzip (no 1f 8b magic bytes): it {}",
            looks_like(raw)
        );
    }
    let (kind, magic, header) = if name.contains("labels") {
        ("labels", LABELS_MAGIC, LABELS_HEADER)
    } else {
        ("images", IMAGES_MAGIC, IMAGES_HEADER)
    };
    let shape = match check_header(content, path, kind, magic, header) {
        // The caller's message names the file already.
        Err(e) => {
            let msg = e.to_string();
            let prefix = format!("{}: ", path.display());
            msg.strip_prefix(&prefix).unwrap_or(&msg).to_owned()
        }
        Ok(dims) => {
            return format!(
                "it is a well-formed IDX {kind} file (dimensions {dims:?}) but not the standard \
                 MNIST content (another data set or a modified copy)"
            );
        }
    };
    if content.len() >= 4 && content[..4] != magic.to_be_bytes() {
        format!(
            "it is not an IDX {kind} file: {}; it {}",
            shape,
            looks_like(content)
        )
    } else {
        shape
    }
}

/// A short description of what `bytes` look like: an HTML/XML page, other text (quoting the
/// start), or binary data (its first bytes in hex).
fn looks_like(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(200)];
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start().to_ascii_lowercase();
    let first_line: String = text
        .trim_start()
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    let printable = head
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if [
        "<!doctype html",
        "<html",
        "<?xml",
        "<head",
        "<body",
        "<error",
    ]
    .iter()
    .any(|p| trimmed.starts_with(p))
    {
        format!(
            "looks like an HTML/XML page (starts with {first_line:?}), e.g. an error page saved \
             by a download"
        )
    } else if printable {
        format!("looks like text (starts with {first_line:?})")
    } else {
        let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("holds binary data starting with {}", hex.join(" "))
    }
}

/// Letters and digits of `s`, lowercased: `Train-Images.IDX3-ubyte` -> `trainimagesidx3ubyte`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Entries of `dir` that look like another spelling of `expected` (an MNIST base name such as
/// `train-images-idx3-ubyte`) but are not one of the two accepted names (`expected` or
/// `expected.gz`): other separators or case (`train-images.idx3-ubyte`), leftovers
/// (`.gz.part`, `(1).gz`), or the short names of other MNIST packagings (`train-images.gz`,
/// `test-images...` for `t10k-images...`). Sorted; empty when `dir` cannot be read.
#[must_use]
pub fn near_misses(dir: &Path, expected: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let split = if expected.starts_with("t10k") {
        ["t10k", "test"]
    } else {
        ["train", "train"]
    };
    let kind = if expected.contains("labels") {
        "label"
    } else {
        "image"
    };
    let gz = format!("{expected}.gz");
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != expected && *n != gz)
        .filter(|n| {
            let s = squash(n);
            split.iter().any(|p| s.starts_with(p)) && s.contains(kind)
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_page_is_named_as_html() {
        let page = b"<!DOCTYPE html>\n<html><body>404 Not Found</body></html>";
        let why = diagnose_mismatch(Path::new("x/t.gz"), page, page, "train-images-idx3-ubyte");
        assert!(why.contains("not gzip") && why.contains("HTML"), "{why}");
    }

    #[test]
    fn binary_junk_is_shown_in_hex() {
        let junk = [0u8, 1, 2, 3, 200, 201];
        let why = diagnose_mismatch(Path::new("t"), &junk, &junk, "train-labels-idx1-ubyte");
        assert!(why.contains("magic number 66051"), "{why}");
        assert!(why.contains("00 01 02 03 c8 c9"), "{why}");
    }

    #[test]
    fn near_misses_match_other_spellings_only_of_the_same_file() {
        let d = std::env::temp_dir().join(format!("simec-nearmiss-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for n in [
            "train-images.idx3-ubyte",
            "Train-Images-IDX3-UBYTE.GZ",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz.part",
            "test-images.gz",
            "README",
        ] {
            std::fs::write(d.join(n), b"").unwrap();
        }
        assert_eq!(
            near_misses(&d, "train-images-idx3-ubyte"),
            ["Train-Images-IDX3-UBYTE.GZ", "train-images.idx3-ubyte"]
        );
        assert_eq!(
            near_misses(&d, "train-labels-idx1-ubyte"),
            ["train-labels-idx1-ubyte.gz.part"]
        );
        assert_eq!(
            near_misses(&d, "t10k-images-idx3-ubyte"),
            ["test-images.gz"]
        );
        assert!(near_misses(&d, "t10k-labels-idx1-ubyte").is_empty());
        assert!(near_misses(&d.join("absent"), "t10k-labels-idx1-ubyte").is_empty());
    }
}
