//! The identity of a figure run: what determines its numbers. Two runs with the same identity
//! compute the same CSV (on the same kind of machine, up to float noise across CPUs), so a
//! completed run with the current identity is up to date, an interrupted one is resumed, and one
//! with another identity is a reference to compare with, not a partial result.
//!
//! The identity is the hash of the resolved profile (the `[profiles.NAME]` table after
//! `extends`, as TOML with sorted keys), [`NUMERICS_VERSION`], the figure's own numerics
//! revision (`Figure::NUMERICS_REVISION`), the backend and the base seed.
//! The git commit is recorded beside it but is not part of it: a documentation commit never forces
//! a rerun.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the numerical code shared by every figure. Bump it in the commit that changes the
/// numbers of every figure for the same profile and seed (a model fix every figure trains
/// through, a new default); a change that moves one figure's numbers bumps that figure's
/// `Figure::NUMERICS_REVISION` instead, so the other figures' committed runs stay up to date.
/// The regression check (`just check-regression`) fails on either change until the quick
/// references are regenerated in the same commit. Version 1: the numerics of commit c514fc2.
pub const NUMERICS_VERSION: u32 = 1;

/// What determines a run's numbers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RunIdentity {
    /// SHA-256 (hex, first 16 digits) of the resolved profile.
    pub config_hash: String,
    /// [`NUMERICS_VERSION`] of the code that ran.
    pub numerics_version: u32,
    /// The figure's own numerics revision (`Figure::NUMERICS_REVISION`); 0 in meta files written
    /// before it existed, which is what every figure's revision was then.
    #[serde(default)]
    pub figure_numerics: u32,
    /// The compute backend (`flex-cpu`, ...).
    pub backend: String,
    /// The base seed (as a decimal string: TOML integers stop at `i64::MAX`).
    pub seed: String,
}

impl RunIdentity {
    /// The identity of a run of the resolved profile `config` of a figure whose numerics
    /// revision is `figure_numerics`, on `backend` with base `seed`.
    pub fn new(config: &toml::Table, figure_numerics: u32, backend: &str, seed: u64) -> Self {
        Self {
            config_hash: hash_hex(&toml::to_string(config).unwrap_or_default()),
            numerics_version: NUMERICS_VERSION,
            figure_numerics,
            backend: backend.to_string(),
            seed: seed.to_string(),
        }
    }

    /// What differs from `other`, in words (empty when the identities are equal).
    pub fn differences(&self, other: &RunIdentity) -> Vec<String> {
        // (what changed, then the old and the new value)
        let fields = [
            (
                "the profile changed (config hash ",
                &other.config_hash,
                &self.config_hash,
            ),
            (
                "the numerics version changed (",
                &other.numerics_version.to_string(),
                &self.numerics_version.to_string(),
            ),
            (
                "the figure's numerics revision changed (",
                &other.figure_numerics.to_string(),
                &self.figure_numerics.to_string(),
            ),
            ("the backend changed (", &other.backend, &self.backend),
            ("the seed changed (", &other.seed, &self.seed),
        ];
        fields
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .map(|(what, old, new)| format!("{what}{old} -> {new})"))
            .collect()
    }
}

fn hash_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    /// Key order does not matter; any value, the backend and the seed do.
    #[test]
    fn identity_depends_on_values_backend_and_seed_only() {
        let a = RunIdentity::new(&table("m = 1\nlr = 0.5\n"), 0, "flex-cpu", 42);
        let b = RunIdentity::new(&table("lr = 0.5\nm = 1\n"), 0, "flex-cpu", 42);
        assert_eq!(a, b);
        assert!(a.differences(&b).is_empty());
        let c = RunIdentity::new(&table("m = 1\nlr = 0.25\n"), 0, "flex-cpu", 42);
        assert_eq!(c.differences(&a).len(), 1, "{:?}", c.differences(&a));
        assert!(c.differences(&a)[0].contains("profile"));
        let d = RunIdentity::new(&table("m = 1\nlr = 0.5\n"), 0, "tch-cpu", 43);
        assert_eq!(d.differences(&a).len(), 2);
        let e = RunIdentity::new(&table("m = 1\nlr = 0.5\n"), 1, "flex-cpu", 42);
        assert_eq!(e.differences(&a).len(), 1, "{:?}", e.differences(&a));
        assert!(e.differences(&a)[0].contains("revision"));
    }

    /// A meta file written before the per-figure revision existed reads as revision 0, so the
    /// figures whose revision is still 0 stay up to date.
    #[test]
    fn identity_without_figure_revision_reads_as_revision_0() {
        let old = "config_hash = \"0123456789abcdef\"\nnumerics_version = 1\n\
                   backend = \"flex-cpu\"\nseed = \"42\"\n";
        let parsed: RunIdentity = toml::from_str(old).unwrap();
        assert_eq!(parsed.figure_numerics, 0);
        assert_eq!(parsed.numerics_version, 1);
    }
}
