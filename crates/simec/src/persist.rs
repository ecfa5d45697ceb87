//! Saving and loading fitted models: [`Simec::save`] and [`Simec::load`].
//!
//! A model directory holds two files:
//!
//! - [`MODEL_FILE`] (`model.toml`): `format_version` ([`MODEL_FORMAT_VERSION`]), the input
//!   dimension, the number of targets, the `fixed_last_layer` flag, every hyperparameter
//!   (`[params]`: the serde form of [`crate::SimecParams`], the same keys a figure config
//!   uses) and the training history
//!   (`[history]`: per-epoch `loss`, `seconds` and, when a validation set was used, `val_mse`,
//!   `nan` for an epoch without one; `data_loss` only where it differs from `loss` somewhere
//!   (a penalty was on), `learning_rate` only where a schedule changed it, else they are read
//!   as `loss` and the `learning_rate` of `[params]`), and `restored_epoch` when
//!   [`crate::SimecParams::restore_best`] restored an epoch's weights. Files without these
//!   optional keys (written before they existed) read as before; their `data_loss` is read as
//!   `loss`, penalties included.
//! - [`WEIGHTS_FILE`] (`weights.bpk`): the network's parameters in burn's burnpack record
//!   format ([`burn::store::ModuleRecord`]), keyed by module path (`hidden.0.weight`,
//!   `embedding.bias`, `last.weight`, ...), f32.
//!
//! A fixed last layer ([`crate::SimecParams::fixed_last_layer`]) is stored as the flag
//! `fixed_last_layer = true`; its matrix is the `last.weight` of the weights file.
//!
//! Format version 1 (simec before the hyperparameters became one serde type) is still read:
//! it differs only in `[params]` (see `upgrade_v1`).
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
use crate::hyperparams::SimecParams;
use crate::model::SimecNet;
use crate::training::EpochReport;

/// The `format_version` that [`Simec::save`] writes and [`Simec::load`] reads.
pub const MODEL_FORMAT_VERSION: i64 = 2;
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
    fixed_last_layer: bool,
    params: SimecParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restored_epoch: Option<usize>,
    history: HistoryFile,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryFile {
    loss: Vec<f64>,
    seconds: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    val_mse: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_loss: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    learning_rate: Option<Vec<f64>>,
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
            fixed_last_layer: p.fixed_last_layer().is_some(),
            params: p.as_params().clone(),
            restored_epoch: self.restored_epoch(),
            history: HistoryFile {
                loss: history.iter().map(|r| r.loss).collect(),
                seconds: history.iter().map(|r| r.seconds).collect(),
                val_mse,
                data_loss: column_unless(history, |r| r.data_loss, |r| r.loss),
                learning_rate: column_unless(history, |r| r.learning_rate, |_| p.learning_rate()),
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
        let file = parse_model_file(&text, &path)?;
        let mut params = file.params;
        if file.fixed_last_layer {
            // Placeholder so that check() sees a fixed layer; replaced by the weights' below.
            params = params.fixed_last_layer(Matrix::from_fn(0, 0, |_, _| 0.0));
        }
        let mut params = params
            .check()
            .map_err(|e| model_error(&path, format!("[params]: {e}")))?;
        let history = history_from_file(
            &file.history,
            params.epochs(),
            params.learning_rate(),
            &path,
        )?;

        let plain = device.clone().without_autodiff();
        let mut rng = StdRng::seed_from_u64(params.seed());
        let skeleton = SimecNet::init(&params, file.input_dim, file.n_targets, &mut rng, &plain);
        let weights = resolve_weights(dir, &file.weights, &path)?;
        let record =
            ModuleRecord::load(&weights).map_err(|e| io_error(&weights, "cannot read", e))?;
        let net = skeleton
            .try_load_record(record)
            .map_err(|e| model_error(&weights, format!("weights do not fit {MODEL_FILE}: {e}")))?;
        if file.fixed_last_layer {
            params.set_fixed_last_layer(Matrix::from_tensor(net.w_l())?);
        }
        if let Some(e) = file.restored_epoch.filter(|&e| e < 1 || e > history.len()) {
            return Err(model_error(
                &path,
                format!(
                    "restored_epoch = {e} is not one of the {} epochs of [history]",
                    history.len()
                ),
            ));
        }
        Ok(
            Simec::new(net, plain, params, file.input_dim, file.n_targets, history)?
                .with_restored_epoch(file.restored_epoch),
        )
    }
}

/// The per-epoch `value`s of `history`, or `None` when each equals its `fallback` (the value
/// a reader assumes for a missing column).
fn column_unless(
    history: &[EpochReport],
    value: impl Fn(&EpochReport) -> f64,
    fallback: impl Fn(&EpochReport) -> f64,
) -> Option<Vec<f64>> {
    history
        .iter()
        .any(|r| value(r).to_bits() != fallback(r).to_bits())
        .then(|| history.iter().map(value).collect())
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

/// Parses `model.toml` of [`MODEL_FORMAT_VERSION`] or of the older format version 1.
fn parse_model_file(text: &str, path: &Path) -> Result<ModelFile, SimecError> {
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| model_error(path, format!("not valid TOML: {e}")))?;
    match table.get("format_version") {
        Some(toml::Value::Integer(v)) if *v == MODEL_FORMAT_VERSION => {
            toml::from_str(text).map_err(|e| model_error(path, e.to_string()))
        }
        Some(toml::Value::Integer(1)) => {
            upgrade_v1(&mut table)
                .map_err(|e| model_error(path, format!("format_version 1: {e}")))?;
            toml::Value::Table(table)
                .try_into()
                .map_err(|e| model_error(path, format!("format_version 1: {e}")))
        }
        Some(toml::Value::Integer(v)) => Err(SimecError::FormatVersion {
            path: path.to_path_buf(),
            found: *v,
            supported: MODEL_FORMAT_VERSION,
        }),
        Some(_) => Err(model_error(path, "format_version is not an integer")),
        None => Err(model_error(path, "no format_version field")),
    }
}

/// Rewrites a format-version-1 `model.toml` into the current layout. Version 1 differed in
/// `[params]` only: hidden layers were tables `{ units, activation }` (now `[units,
/// "activation"]` pairs), the seed was always a string (still read), and the
/// `fixed_last_layer` flag lived in `[params]` (now at the top level).
fn upgrade_v1(table: &mut toml::Table) -> Result<(), String> {
    use toml::Value;
    let Some(Value::Table(params)) = table.get_mut("params") else {
        return Err("no [params] table".to_string());
    };
    let fixed = params
        .remove("fixed_last_layer")
        .ok_or("[params] has no fixed_last_layer flag")?;
    if let Some(Value::Array(layers)) = params.get_mut("hidden") {
        for layer in layers.iter_mut() {
            let (Some(units), Some(act)) = (layer.get("units"), layer.get("activation")) else {
                return Err(format!(
                    "[params] hidden layer {layer} lacks units or activation"
                ));
            };
            *layer = Value::Array(vec![units.clone(), act.clone()]);
        }
    }
    table.insert("fixed_last_layer".to_string(), fixed);
    table.insert(
        "format_version".to_string(),
        Value::Integer(MODEL_FORMAT_VERSION),
    );
    Ok(())
}

fn history_from_file(
    f: &HistoryFile,
    epochs: usize,
    learning_rate: f64,
    path: &Path,
) -> Result<Vec<EpochReport>, SimecError> {
    let n = f.loss.len();
    let len = |v: &Option<Vec<f64>>| v.as_ref().map_or(n, Vec::len);
    let lens = [
        f.seconds.len(),
        len(&f.val_mse),
        len(&f.data_loss),
        len(&f.learning_rate),
    ];
    if lens.iter().any(|&l| l != n) {
        return Err(model_error(
            path,
            format!(
                "[history]: loss, seconds, val_mse, data_loss and learning_rate have {n}, {}, \
                 {}, {} and {} entries; expected equal lengths",
                lens[0], lens[1], lens[2], lens[3]
            ),
        ));
    }
    Ok((0..n)
        .map(|i| EpochReport {
            epoch: i + 1,
            epochs,
            loss: f.loss[i],
            data_loss: f.data_loss.as_ref().map_or(f.loss[i], |v| v[i]),
            learning_rate: f.learning_rate.as_ref().map_or(learning_rate, |v| v[i]),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hyperparams::{Activation, SimecParams};

    /// `model.toml` as format version 1 wrote it, for the model fitted below.
    const V1_MODEL_TOML: &str = r#"format_version = 1
simec_version = "0.1.0"
input_dim = 3
n_targets = 4
weights = "weights.bpk"

[params]
embedding_dim = 2
output_activation = "linear"
loss = "mse"
n_slices = 1
epochs = 2
batch_size = 4
learning_rate = 0.01
optimizer = "adamax"
l2_reg = 0.0
l2_reg_emb = 0.0
l2_reg_out = 0.0
s_ll_reg = 0.0
orth_reg = 0.0
seed = "18446744073709551615"
allow_missing = false
fixed_last_layer = false

[[params.hidden]]
units = 5
activation = "tanh"

[[params.hidden]]
units = 3
activation = "relu"

[history]
loss = [1.0, 0.5]
seconds = [0.1, 0.1]
"#;

    #[test]
    fn a_format_version_1_model_loads_as_the_same_model() {
        let dev = Device::flex();
        let x = Matrix::from_fn(8, 3, |r, c| ((r * 3 + c) % 5) as f32 / 5.0 - 0.4);
        let t = Matrix::from_fn(8, 4, |r, c| ((r + 2 * c) % 3) as f32 / 3.0);
        let model = SimecParams::new(2)
            .hidden_layer(5, Activation::Tanh)
            .hidden_layer(3, Activation::Relu)
            .epochs(2)
            .batch_size(4)
            .learning_rate(0.01)
            .seed(u64::MAX)
            .check()
            .unwrap()
            .fit(&x, &t, None, &dev)
            .unwrap();
        let dir = std::env::temp_dir().join(format!("simec-v1-model-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        model.save(&dir).unwrap();
        let v2 = fs::read_to_string(dir.join(MODEL_FILE)).unwrap();
        assert!(v2.contains("format_version = 2"), "{v2}");
        fs::write(dir.join(MODEL_FILE), V1_MODEL_TOML).unwrap();
        let back = Simec::load(&dir, &dev).unwrap();
        assert_eq!(back.params(), model.params());
        assert_eq!(
            back.transform(&x).unwrap().data(),
            model.transform(&x).unwrap().data()
        );
        assert_eq!(back.history().len(), 2);
        // A version-1 file whose flag is missing is refused with the version in the message.
        fs::write(
            dir.join(MODEL_FILE),
            V1_MODEL_TOML.replace("fixed_last_layer = false\n", ""),
        )
        .unwrap();
        let err = Simec::load(&dir, &dev).unwrap_err().to_string();
        assert!(err.contains("format_version 1"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }
}
