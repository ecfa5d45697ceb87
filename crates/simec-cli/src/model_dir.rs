//! The model directory written by `simec fit` and read by the other subcommands.
//!
//! | file | written by | content |
//! |---|---|---|
//! | `config.toml` | this module | `format_version` ([`CLI_FORMAT_VERSION`]), the command line, the input files and shapes, the preprocessing, the training summary |
//! | `model.toml`, `weights.bpk` | [`simec::Simec::save`] | hyperparameters, history (with their own `format_version`) and burn's burnpack weights |
//! | `feature_mean.csv` | this module | one row: the training feature means subtracted before the network (only with centering) |
//! | `training_log.csv` | this module | `epoch,loss,seconds,val_mse` (val_mse empty without validation) |

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use simec::{EpochReport, Matrix, Simec, SimecError};

use crate::table::{Table, TableError};

/// The `format_version` of `config.toml` that this tool writes and reads.
pub const CLI_FORMAT_VERSION: i64 = 1;
/// The tool's configuration file in a model directory.
pub const CONFIG_FILE: &str = "config.toml";
/// The feature means (one CSV row).
pub const FEATURE_MEAN_FILE: &str = "feature_mean.csv";
/// The per-epoch training log.
pub const TRAINING_LOG_FILE: &str = "training_log.csv";

/// What can go wrong with a model directory.
#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
    /// A file cannot be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// Not a model directory of this tool.
    #[error(
        "{}: not a simec model directory (no {CONFIG_FILE}); create one with `simec fit --out DIR`",
        dir.display()
    )]
    NotAModel {
        /// The directory.
        dir: PathBuf,
    },
    /// `config.toml` of another format version.
    #[error(
        "{}: format_version {found} is not supported by this simec (it reads format_version \
         {supported}); refit the model with this version of simec",
        path.display()
    )]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// The version this tool reads.
        supported: i64,
    },
    /// A malformed or inconsistent file.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The SimEc model files.
    #[error(transparent)]
    Model(#[from] SimecError),
    /// The feature mean file.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CliConfig {
    /// [`CLI_FORMAT_VERSION`].
    pub format_version: i64,
    /// `simec-cli`.
    pub tool: String,
    /// The tool's version.
    pub tool_version: String,
    /// Seconds since the Unix epoch when the model was written.
    pub created_unix_s: u64,
    /// The command line of the fit.
    pub command: String,
    /// Inputs.
    pub data: DataInfo,
    /// Preprocessing applied before the network.
    pub preprocessing: Preprocessing,
    /// Training summary.
    pub training: TrainingSummary,
}

/// Inputs of the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// The features file.
    pub features: String,
    /// The targets file.
    pub targets: String,
    /// Whether the targets file was transposed (`--transpose-targets`).
    pub transpose_targets: bool,
    /// Where S_ll came from: "none", "first n rows of the targets" or a file.
    pub s_ll: String,
    /// The frozen last layer file, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen_last_layer: Option<String>,
    /// Rows of the features / targets.
    pub rows: usize,
    /// Feature columns.
    pub input_dim: usize,
    /// Target columns (all slices).
    pub target_cols: usize,
    /// Rows trained on.
    pub train_rows: usize,
    /// Rows held out for validation.
    pub validation_rows: usize,
    /// `--validation-fraction`.
    pub validation_fraction: f64,
    /// Missing target entries (NaN / empty cells), all rows.
    pub missing_targets: usize,
}

/// Preprocessing of the features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Whether the training feature mean is subtracted (file [`FEATURE_MEAN_FILE`]).
    pub center_features: bool,
}

/// Training summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// `cpu` (burn's flex backend) or `wgpu` (burn's wgpu backend).
    pub backend: String,
    /// Epochs run.
    pub epochs: usize,
    /// Mean training loss of the last epoch.
    pub final_loss: f64,
    /// Held-out MSE after the last epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_val_mse: Option<f64>,
    /// Smallest held-out MSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_val_mse: Option<f64>,
    /// Epoch of the smallest held-out MSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_val_epoch: Option<usize>,
    /// Epoch whose weights `--restore-best` kept (absent: the last epoch's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_epoch: Option<usize>,
    /// Wall-clock seconds of the whole fit (training and validation passes).
    pub wall_s: f64,
}

/// A model directory read back.
#[derive(Debug)]
pub struct LoadedModel {
    /// The directory.
    pub dir: PathBuf,
    /// `config.toml`.
    pub config: CliConfig,
    /// The network.
    pub simec: Simec,
    /// Feature means to subtract, when the features were centered.
    pub feature_mean: Option<Vec<f32>>,
}

fn io_err(path: &Path, what: &str, e: impl std::fmt::Display) -> ModelDirError {
    ModelDirError::Io {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
    }
}

/// Writes a model directory: the SimEc files, `config.toml`, the feature means (if any) and
/// the training log. `dir` is created if missing.
pub fn save(
    dir: &Path,
    simec: &Simec,
    config: &CliConfig,
    feature_mean: Option<&[f32]>,
) -> Result<(), ModelDirError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, "cannot create directory", e))?;
    simec.save(dir)?;
    let mean_path = dir.join(FEATURE_MEAN_FILE);
    match feature_mean {
        Some(mu) => {
            let m = Matrix::new(1, mu.len(), mu.to_vec())?;
            crate::table::write_matrix(&mean_path, &m)?;
        }
        None => {
            if mean_path.exists() {
                fs::remove_file(&mean_path).map_err(|e| io_err(&mean_path, "cannot remove", e))?;
            }
        }
    }
    write_log(&dir.join(TRAINING_LOG_FILE), simec.history())?;
    let path = dir.join(CONFIG_FILE);
    let text = toml::to_string(config).map_err(|e| ModelDirError::Invalid {
        path: path.clone(),
        message: format!("cannot serialize: {e}"),
    })?;
    fs::write(&path, text).map_err(|e| io_err(&path, "cannot write", e))
}

fn write_log(path: &Path, history: &[EpochReport]) -> Result<(), ModelDirError> {
    let mut out = String::from("epoch,loss,seconds,val_mse\n");
    for r in history {
        let val = r.val_mse.map(|v| v.to_string()).unwrap_or_default();
        out.push_str(&format!("{},{},{},{}\n", r.epoch, r.loss, r.seconds, val));
    }
    let mut f = fs::File::create(path).map_err(|e| io_err(path, "cannot create", e))?;
    f.write_all(out.as_bytes())
        .map_err(|e| io_err(path, "cannot write", e))
}

/// Reads `config.toml` and checks its `format_version` before anything else.
pub fn read_config(dir: &Path) -> Result<CliConfig, ModelDirError> {
    let path = dir.join(CONFIG_FILE);
    if !path.is_file() {
        return Err(ModelDirError::NotAModel {
            dir: dir.to_path_buf(),
        });
    }
    let text = fs::read_to_string(&path).map_err(|e| io_err(&path, "cannot read", e))?;
    let invalid = |message: String| ModelDirError::Invalid {
        path: path.clone(),
        message,
    };
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| invalid(format!("not valid TOML: {e}")))?;
    match table.get("format_version") {
        Some(toml::Value::Integer(v)) if *v == CLI_FORMAT_VERSION => {}
        Some(toml::Value::Integer(v)) => {
            return Err(ModelDirError::FormatVersion {
                path,
                found: *v,
                supported: CLI_FORMAT_VERSION,
            })
        }
        _ => return Err(invalid("no integer format_version field".to_string())),
    }
    toml::from_str(&text).map_err(|e| invalid(e.to_string()))
}

/// Reads a model directory onto `device`.
pub fn load(dir: &Path, device: &Device) -> Result<LoadedModel, ModelDirError> {
    let config = read_config(dir)?;
    let simec = Simec::load(dir, device)?;
    let feature_mean = if config.preprocessing.center_features {
        let path = dir.join(FEATURE_MEAN_FILE);
        if !path.is_file() {
            return Err(ModelDirError::Invalid {
                path,
                message: "missing; config.toml says the features were centered".to_string(),
            });
        }
        let t = Table::read(&path)?;
        if t.rows() != 1 || t.cols() != simec.input_dim() {
            return Err(ModelDirError::Invalid {
                path,
                message: format!(
                    "is {}, expected 1 x {} (one mean per feature)",
                    t.shape(),
                    simec.input_dim()
                ),
            });
        }
        t.check_values(
            "feature means",
            crate::table::Missing::Error("the file is corrupt"),
        )?;
        Some(t.matrix.into_data())
    } else {
        None
    };
    Ok(LoadedModel {
        dir: dir.to_path_buf(),
        config,
        simec,
        feature_mean,
    })
}

/// One row of `training_log.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRow {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f64,
    /// Seconds of the epoch.
    pub seconds: f64,
    /// Held-out MSE, if any.
    pub val_mse: Option<f64>,
}

/// Reads `training_log.csv`.
pub fn read_log(dir: &Path) -> Result<Vec<LogRow>, ModelDirError> {
    let path = dir.join(TRAINING_LOG_FILE);
    let text = fs::read_to_string(&path).map_err(|e| io_err(&path, "cannot read", e))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || ModelDirError::Invalid {
            path: path.clone(),
            message: format!("line {}: expected epoch,loss,seconds,val_mse", i + 1),
        };
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != 4 {
            return Err(bad());
        }
        rows.push(LogRow {
            epoch: cells[0].parse().map_err(|_| bad())?,
            loss: cells[1].parse().map_err(|_| bad())?,
            seconds: cells[2].parse().map_err(|_| bad())?,
            val_mse: match cells[3].trim() {
                "" => None,
                v => Some(v.parse().map_err(|_| bad())?),
            },
        });
    }
    Ok(rows)
}
