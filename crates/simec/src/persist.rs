//! Saving and loading fitted models: [`Simec::save`] and [`Simec::load`].
//!
//! A model directory holds two files:
//!
//! - [`MODEL_FILE`] (`model.toml`): `format_version` ([`MODEL_FORMAT_VERSION`]), the input
//!   dimension, the number of targets, every hyperparameter (`[params]`, names as in
//!   [`crate::SimecParams`]; activations, loss and optimizer by their `name()`; the seed as a
//!   decimal string, since TOML integers stop at `i64::MAX`) and the training history
//!   (`[history]`: per-epoch `loss`, `seconds` and, when a validation set was used, `val_mse`,
//!   `nan` for an epoch without one).
//! - [`WEIGHTS_FILE`] (`weights.bpk`): the network's parameters in burn's burnpack record
//!   format ([`burn::store::ModuleRecord`]), keyed by module path (`hidden.0.weight`,
//!   `embedding.bias`, `last.weight`, ...), f32.
//!
//! A fixed last layer ([`crate::SimecParams::fixed_last_layer`]) is stored as the flag
//! `fixed_last_layer = true`; its matrix is the `last.weight` of the weights file.
//!
//! Other files in the directory are left alone, so a caller (e.g. the `simec` command-line
//! tool) can keep its own metadata beside them. A file with another `format_version` is
//! refused with [`SimecError::FormatVersion`] before anything else is read.

use std::fs;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::ModuleRecord;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::algorithms::Simec;
use crate::data::Matrix;
use crate::error::SimecError;
use crate::hyperparams::{HiddenLayer, SimecParams, SimecValidParams};
use crate::model::SimecNet;
use crate::training::EpochReport;

/// The `format_version` that [`Simec::save`] writes and [`Simec::load`] reads.
pub const MODEL_FORMAT_VERSION: i64 = 1;
/// Name of the hyperparameter / metadata file in a model directory.
pub const MODEL_FILE: &str = "model.toml";
/// Name of the burnpack weights file in a model directory.
pub const WEIGHTS_FILE: &str = "weights.bpk";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format_version: i64,
    simec_version: String,
    input_dim: usize,
    n_targets: usize,
    weights: String,
    params: ParamsFile,
    history: HistoryFile,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HiddenFile {
    units: usize,
    activation: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsFile {
    embedding_dim: usize,
    output_activation: String,
    loss: String,
    n_slices: usize,
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    optimizer: String,
    l2_reg: f64,
    l2_reg_emb: f64,
    l2_reg_out: f64,
    s_ll_reg: f64,
    orth_reg: f64,
    seed: String,
    allow_missing: bool,
    fixed_last_layer: bool,
    hidden: Vec<HiddenFile>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryFile {
    loss: Vec<f64>,
    seconds: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    val_mse: Option<Vec<f64>>,
}

fn io_error(path: &Path, what: &str, e: impl std::fmt::Display) -> SimecError {
    SimecError::Io {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
    }
}

fn model_error(path: &Path, message: impl Into<String>) -> SimecError {
    SimecError::ModelFile {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

impl Simec {
    /// Writes the model to the directory `dir` (created if missing): [`MODEL_FILE`] and
    /// [`WEIGHTS_FILE`], replacing earlier versions of these two files; see the
    /// [module docs](crate::persist). [`Simec::load`] restores a model whose `transform` and
    /// `predict` are bit-identical on the same backend.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), SimecError> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| io_error(dir, "cannot create directory", e))?;
        let weights = dir.join(WEIGHTS_FILE);
        self.network()
            .clone()
            .into_record()
            .save(&weights)
            .map_err(|e| io_error(&weights, "cannot write weights", e))?;

        let p = self.params();
        let history = self.history();
        let val_mse = history.iter().any(|r| r.val_mse.is_some()).then(|| {
            history
                .iter()
                .map(|r| r.val_mse.unwrap_or(f64::NAN))
                .collect()
        });
        let file = ModelFile {
            format_version: MODEL_FORMAT_VERSION,
            simec_version: env!("CARGO_PKG_VERSION").to_string(),
            input_dim: self.input_dim(),
            n_targets: self.n_targets(),
            weights: WEIGHTS_FILE.to_string(),
            params: ParamsFile {
                embedding_dim: p.embedding_dim,
                output_activation: p.output_activation.name().to_string(),
                loss: p.loss.name().to_string(),
                n_slices: p.n_slices,
                epochs: p.epochs,
                batch_size: p.batch_size,
                learning_rate: p.learning_rate,
                optimizer: p.optimizer.name().to_string(),
                l2_reg: p.l2_reg,
                l2_reg_emb: p.l2_reg_emb,
                l2_reg_out: p.l2_reg_out,
                s_ll_reg: p.s_ll_reg,
                orth_reg: p.orth_reg,
                seed: p.seed.to_string(),
                allow_missing: p.allow_missing,
                fixed_last_layer: p.fixed_last_layer.is_some(),
                hidden: p
                    .hidden
                    .iter()
                    .map(|l| HiddenFile {
                        units: l.units,
                        activation: l.activation.name().to_string(),
                    })
                    .collect(),
            },
            history: HistoryFile {
                loss: history.iter().map(|r| r.loss).collect(),
                seconds: history.iter().map(|r| r.seconds).collect(),
                val_mse,
            },
        };
        let path = dir.join(MODEL_FILE);
        let text = toml::to_string(&file)
            .map_err(|e| model_error(&path, format!("cannot serialize: {e}")))?;
        write_atomic(&path, text.as_bytes())
    }

    /// Reads a model written by [`Simec::save`] from `dir` onto `device` (autodiff is not
    /// needed; an autodiff device is used without it).
    ///
    /// Errors: [`SimecError::Io`] for a missing or unreadable file,
    /// [`SimecError::FormatVersion`] for another `format_version`, [`SimecError::ModelFile`]
    /// for a malformed file, invalid hyperparameters or weights that do not fit them.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Simec, SimecError> {
        let dir = dir.as_ref();
        let path = dir.join(MODEL_FILE);
        let text = fs::read_to_string(&path).map_err(|e| io_error(&path, "cannot read", e))?;
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| model_error(&path, format!("not valid TOML: {e}")))?;
        match table.get("format_version") {
            Some(toml::Value::Integer(v)) if *v == MODEL_FORMAT_VERSION => {}
            Some(toml::Value::Integer(v)) => {
                return Err(SimecError::FormatVersion {
                    path,
                    found: *v,
                    supported: MODEL_FORMAT_VERSION,
                })
            }
            Some(_) => return Err(model_error(&path, "format_version is not an integer")),
            None => return Err(model_error(&path, "no format_version field")),
        }
        let file: ModelFile =
            toml::from_str(&text).map_err(|e| model_error(&path, e.to_string()))?;
        let mut params = params_from_file(&file.params, &path)?;
        let history = history_from_file(&file.history, params.epochs, &path)?;

        let plain = device.clone().without_autodiff();
        let mut rng = StdRng::seed_from_u64(params.seed);
        let skeleton = SimecNet::init(&params, file.input_dim, file.n_targets, &mut rng, &plain);
        let weights = resolve_weights(dir, &file.weights, &path)?;
        let record =
            ModuleRecord::load(&weights).map_err(|e| io_error(&weights, "cannot read", e))?;
        let net = skeleton
            .try_load_record(record)
            .map_err(|e| model_error(&weights, format!("weights do not fit {MODEL_FILE}: {e}")))?;
        if params.fixed_last_layer.is_some() {
            params.fixed_last_layer = Some(Matrix::from_tensor(net.w_l())?);
        }
        Simec::new(net, plain, params, file.input_dim, file.n_targets, history)
    }
}

/// The weights file named in the model file: a plain file name inside `dir`.
fn resolve_weights(dir: &Path, name: &str, model_path: &Path) -> Result<PathBuf, SimecError> {
    let p = Path::new(name);
    if p.components().count() != 1 || p.file_name().is_none() {
        return Err(model_error(
            model_path,
            format!("weights = {name:?} must be a file name inside the model directory"),
        ));
    }
    Ok(dir.join(p))
}

fn params_from_file(f: &ParamsFile, path: &Path) -> Result<SimecValidParams, SimecError> {
    let bad = |e: SimecError| model_error(path, format!("[params]: {e}"));
    let hidden = f
        .hidden
        .iter()
        .map(|h| {
            Ok(HiddenLayer::new(
                h.units,
                h.activation.parse().map_err(bad)?,
            ))
        })
        .collect::<Result<Vec<_>, SimecError>>()?;
    let seed: u64 = f
        .seed
        .parse()
        .map_err(|e| model_error(path, format!("[params] seed = {:?}: {e}", f.seed)))?;
    let mut p = SimecParams::new(f.embedding_dim)
        .hidden_layers(hidden)
        .output_activation(f.output_activation.parse().map_err(bad)?)
        .loss(f.loss.parse().map_err(bad)?)
        .n_slices(f.n_slices)
        .epochs(f.epochs)
        .batch_size(f.batch_size)
        .learning_rate(f.learning_rate)
        .optimizer(f.optimizer.parse().map_err(bad)?)
        .l2_reg(f.l2_reg)
        .l2_reg_emb(f.l2_reg_emb)
        .l2_reg_out(f.l2_reg_out)
        .s_ll_reg(f.s_ll_reg)
        .orth_reg(f.orth_reg)
        .seed(seed)
        .allow_missing(f.allow_missing);
    if f.fixed_last_layer {
        // Placeholder so that check() sees a fixed layer; load() replaces it by the weights'.
        p = p.fixed_last_layer(Matrix::from_fn(0, 0, |_, _| 0.0));
    }
    p.check().map_err(bad)
}

fn history_from_file(
    f: &HistoryFile,
    epochs: usize,
    path: &Path,
) -> Result<Vec<EpochReport>, SimecError> {
    let n = f.loss.len();
    let val_len = f.val_mse.as_ref().map_or(n, Vec::len);
    if f.seconds.len() != n || val_len != n {
        return Err(model_error(
            path,
            format!(
                "[history]: loss, seconds and val_mse have {n}, {} and {val_len} entries; \
                 expected equal lengths",
                f.seconds.len()
            ),
        ));
    }
    Ok((0..n)
        .map(|i| EpochReport {
            epoch: i + 1,
            epochs,
            loss: f.loss[i],
            seconds: f.seconds[i],
            val_mse: f.val_mse.as_ref().map(|v| v[i]).filter(|v| !v.is_nan()),
        })
        .collect())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SimecError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, bytes).map_err(|e| io_error(&tmp, "cannot write", e))?;
    fs::rename(&tmp, path).map_err(|e| io_error(path, "cannot rename the temporary file", e))
}
