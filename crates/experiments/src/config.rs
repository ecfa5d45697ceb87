//! Figure configurations: `experiments/<figure>.toml` files holding named profiles.
//!
//! A file has one top-level table `[profiles]`; each profile is a table. A profile may name a base
//! profile with `extends = "NAME"`: the base's tables are merged key by key with the profile's
//! (arrays and scalars are replaced, not merged), then the result is deserialized into the figure's
//! typed configuration, whose structs use `deny_unknown_fields`, so a misspelled key is an error that
//! names the file, the profile and the key.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use toml::{Table, Value};

use crate::results::repo_root;

/// Errors while reading a figure configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has the wrong top-level shape.
    #[error("config file {path} is invalid: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The requested profile does not exist.
    #[error("unknown profile `{profile}` in {path}; valid profiles: {}", valid.join(", "))]
    UnknownProfile {
        /// The file.
        path: PathBuf,
        /// The requested name.
        profile: String,
        /// The names defined in the file.
        valid: Vec<String>,
    },
    /// `extends` chains loop.
    #[error("profile `{profile}` in {path} extends itself through the chain {}", chain.join(" -> "))]
    Cycle {
        /// The file.
        path: PathBuf,
        /// The requested profile.
        profile: String,
        /// The chain of `extends`.
        chain: Vec<String>,
    },
    /// The merged profile does not match the figure's schema (unknown key, wrong type, missing key).
    #[error("profile `{profile}` in {path}: {message}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// The deserializer's message (names the key).
        message: String,
    },
    /// A value is present but impossible (e.g. more test points than the paper subset has).
    #[error("profile `{profile}` in {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// Default location of a figure's configuration: `<repo>/experiments/<figure>.toml`.
pub fn default_config_path(figure: &str) -> PathBuf {
    repo_root()
        .join("experiments")
        .join(format!("{figure}.toml"))
}

/// Names of the profiles defined in a configuration file, sorted.
///
/// # Errors
/// [`ConfigError::Read`] / [`ConfigError::Syntax`] when the file is unreadable or malformed.
pub fn profile_names(path: &Path) -> Result<Vec<String>, ConfigError> {
    let profiles = read_profiles(path)?;
    let mut names: Vec<String> = profiles.keys().cloned().collect();
    names.sort();
    Ok(names)
}

/// Loads profile `profile` of the file at `path`, resolving `extends`, into the typed config `T`.
///
/// # Errors
/// Every [`ConfigError`] variant but `Invalid`: unreadable file, bad TOML, unknown profile (listing
/// the valid ones), an `extends` cycle, or a schema error naming the offending key.
pub fn load_profile<T: DeserializeOwned>(path: &Path, profile: &str) -> Result<T, ConfigError> {
    Ok(load_profile_resolved(path, profile)?.0)
}

/// [`load_profile`], also returning the resolved profile table (after `extends`), which
/// determines a run's [`crate::results::RunIdentity`].
///
/// # Errors
/// As [`load_profile`].
pub fn load_profile_resolved<T: DeserializeOwned>(
    path: &Path,
    profile: &str,
) -> Result<(T, Table), ConfigError> {
    let profiles = read_profiles(path)?;
    let merged = resolve(path, &profiles, profile)?;
    let typed = T::deserialize(Value::Table(merged.clone())).map_err(|e| ConfigError::Schema {
        path: path.to_path_buf(),
        profile: profile.to_string(),
        message: e.to_string().trim().to_string(),
    })?;
    Ok((typed, merged))
}

fn read_profiles(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let syntax = |message: String| ConfigError::Syntax {
        path: path.to_path_buf(),
        message,
    };
    let mut top: Table = text
        .parse()
        .map_err(|e: toml::de::Error| syntax(e.to_string()))?;
    if let Some(key) = top.keys().find(|k| k.as_str() != "profiles") {
        return Err(syntax(format!(
            "unknown top-level key `{key}` (expected only [profiles.NAME] tables)"
        )));
    }
    match top.remove("profiles") {
        Some(Value::Table(t)) => Ok(t),
        _ => Err(syntax("missing [profiles.NAME] tables".to_string())),
    }
}

fn resolve(path: &Path, profiles: &Table, profile: &str) -> Result<Table, ConfigError> {
    let mut chain: Vec<String> = Vec::new();
    let mut layers: Vec<Table> = Vec::new();
    let mut name = profile.to_string();
    loop {
        if chain.contains(&name) {
            chain.push(name);
            return Err(ConfigError::Cycle {
                path: path.to_path_buf(),
                profile: profile.to_string(),
                chain,
            });
        }
        let Some(Value::Table(table)) = profiles.get(&name) else {
            let mut valid: Vec<String> = profiles.keys().cloned().collect();
            valid.sort();
            return Err(ConfigError::UnknownProfile {
                path: path.to_path_buf(),
                profile: name,
                valid,
            });
        };
        let mut table = table.clone();
        let parent = table.remove("extends");
        chain.push(name.clone());
        layers.push(table);
        match parent {
            None => break,
            Some(Value::String(p)) => name = p,
            Some(other) => {
                return Err(ConfigError::Schema {
                    path: path.to_path_buf(),
                    profile: name,
                    message: format!("`extends` must be a profile name, got {other}"),
                })
            }
        }
    }
    let mut merged = layers.pop().unwrap_or_default();
    while let Some(layer) = layers.pop() {
        merge_into(&mut merged, layer);
    }
    Ok(merged)
}

/// Recursively merges `over` into `base`: tables merge key by key, everything else is replaced.
fn merge_into(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge_into(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// One rule of a piecewise-by-d regularization strength.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimRule {
    /// The rule applies for embedding_dim >= from_dim.
    pub from_dim: usize,
    /// The strength.
    pub value: f64,
}

/// The value of the last rule with `from_dim <= d` (0 when none applies).
pub fn piecewise_by_dim(rules: &[DimRule], d: usize) -> f64 {
    rules
        .iter()
        .filter(|r| r.from_dim <= d)
        .max_by_key(|r| r.from_dim)
        .map_or(0.0, |r| r.value)
}

/// A figure's SimEc (the `simec` table of a profile): the model's own hyperparameters, which
/// deserialize into [`simec::SimecParams`] (its keys: `hidden = [[units, "activation"]]`,
/// `learning_rate`, `epochs`, `batch_size`, `s_ll_reg`, `l2_reg`, `l2_reg_emb`, `l2_reg_out`,
/// `optimizer`, ...; unknown keys are refused), plus what the figure decides per sweep point:
/// `n_targets` (targets `S[:, :n]`, `S_ll = S[:n, :n]`) and `orth_reg`, piecewise by d
/// (PAPER_SETUP.md "Common": Adamax, glorot-uniform, keras-style regularizers). `embedding_dim`
/// and `seed` are set per point and may not appear.
#[derive(Debug, Clone)]
pub struct SimecArch {
    /// The hyperparameters as configured (embedding dim and seed unset).
    params: simec::SimecParams,
    /// The same, checked at embedding dim 1, to read them.
    model: simec::SimecValidParams,
    /// Number of target columns n.
    pub n_targets: usize,
    /// Orthogonality regularizer on W_l W_l^T, piecewise by d.
    pub orth_reg: Vec<DimRule>,
}

impl<'de> Deserialize<'de> for SimecArch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = Table::deserialize(d)?;
        for key in ["embedding_dim", "seed"] {
            if table.contains_key(key) {
                return Err(D::Error::custom(format!(
                    "`simec.{key}` is set per sweep point by the figure; remove it"
                )));
            }
        }
        let n_targets: usize = table
            .remove("n_targets")
            .ok_or_else(|| D::Error::missing_field("n_targets"))?
            .try_into()
            .map_err(|e| D::Error::custom(format!("simec.n_targets: {e}")))?;
        let orth_reg: Vec<DimRule> = match table.remove("orth_reg") {
            Some(v) => v
                .try_into()
                .map_err(|e| D::Error::custom(format!("simec.orth_reg: {e}")))?,
            None => Vec::new(),
        };
        let params: simec::SimecParams = Value::Table(table)
            .try_into()
            .map_err(|e| D::Error::custom(format!("simec: {e}")))?;
        let model = params
            .clone()
            .embedding_dim(1)
            .check()
            .map_err(|e| D::Error::custom(format!("simec: {e}")))?;
        Ok(Self {
            params,
            model,
            n_targets,
            orth_reg,
        })
    }
}

impl SimecArch {
    /// The configured hyperparameters (checked at embedding dim 1), to read them.
    pub fn model(&self) -> &simec::SimecValidParams {
        &self.model
    }

    /// SimEc hyperparameters for embedding dimension `d` and training seed `seed`, unchecked, so
    /// that a figure can complete them (`allow_missing`, `n_slices`, a swept `s_ll_reg`) before
    /// the one check.
    pub fn unchecked(&self, d: usize, seed: u64) -> simec::SimecParams {
        self.params
            .clone()
            .embedding_dim(d)
            .orth_reg(piecewise_by_dim(&self.orth_reg, d))
            .seed(seed)
    }

    /// SimEc hyperparameters for embedding dimension `d` and training seed `seed`, checked.
    ///
    /// # Errors
    /// The model's own validation error for impossible values (e.g. a zero learning rate).
    pub fn params(
        &self,
        d: usize,
        seed: u64,
    ) -> Result<simec::SimecValidParams, simec::SimecError> {
        self.unchecked(d, seed).check()
    }
}

/// Derives the seed of one sweep point from the run's base seed, the series name and x, so
/// resuming or skipping points never shifts the seeds of the others (SplitMix64 over FNV-1a).
pub fn point_seed(base: u64, series: &str, x: f64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in series.bytes().chain(x.to_bits().to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = base ^ h;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        a: i64,
        b: Vec<i64>,
        t: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        x: i64,
        y: i64,
    }

    fn write(text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("simec-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("{:x}.toml", point_seed(0, text, 0.0)));
        std::fs::write(&p, text).unwrap();
        p
    }

    const BASE: &str = "[profiles.paper]\na = 1\nb = [1, 2]\n[profiles.paper.t]\nx = 1\ny = 2\n";

    #[test]
    fn extends_merges_tables_and_replaces_arrays() {
        let p = write(&format!(
            "{BASE}[profiles.quick]\nextends = \"paper\"\nb = [9]\n[profiles.quick.t]\ny = 5\n"
        ));
        let d: Demo = load_profile(&p, "quick").unwrap();
        assert_eq!((d.a, d.b, d.t.x, d.t.y), (1, vec![9], 1, 5));
    }

    #[test]
    fn unknown_key_is_named() {
        let p = write(&format!(
            "{BASE}[profiles.bad]\nextends = \"paper\"\nepochz = 3\n"
        ));
        let e = load_profile::<Demo>(&p, "bad").unwrap_err().to_string();
        assert!(e.contains("epochz") && e.contains("bad"), "{e}");
    }

    #[test]
    fn unknown_profile_lists_valid_ones() {
        let p = write(BASE);
        let e = load_profile::<Demo>(&p, "nope").unwrap_err().to_string();
        assert!(e.contains("nope") && e.contains("paper"), "{e}");
    }

    #[test]
    fn extends_cycle_is_an_error() {
        let p = write("[profiles.a]\nextends = \"b\"\n[profiles.b]\nextends = \"a\"\n");
        let e = load_profile::<Demo>(&p, "a").unwrap_err();
        assert!(matches!(e, ConfigError::Cycle { .. }), "{e}");
    }

    #[test]
    fn piecewise_rules() {
        let r = [
            DimRule {
                from_dim: 8,
                value: 0.01,
            },
            DimRule {
                from_dim: 15,
                value: 0.1,
            },
        ];
        assert_eq!(piecewise_by_dim(&r, 7), 0.0);
        assert_eq!(piecewise_by_dim(&r, 8), 0.01);
        assert_eq!(piecewise_by_dim(&r, 10), 0.01);
        assert_eq!(piecewise_by_dim(&r, 15), 0.1);
    }

    #[test]
    fn point_seeds_differ_by_series_and_x() {
        let a = point_seed(42, "simec_2hl", 2.0);
        assert_ne!(a, point_seed(42, "simec_2hl", 3.0));
        assert_ne!(a, point_seed(42, "simec_5hl", 2.0));
        assert_ne!(a, point_seed(43, "simec_2hl", 2.0));
        assert_eq!(a, point_seed(42, "simec_2hl", 2.0));
    }
}
