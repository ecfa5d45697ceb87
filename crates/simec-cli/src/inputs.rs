//! Reading the input files of a subcommand, with the header decision reported on stderr.

use std::path::Path;

use anyhow::Result;

use crate::model_dir::LoadedModel;
use crate::table::{Header, Missing, Table};

/// Reads a table under `rule`; a header found by detection ([`Header::Auto`]) is reported
/// on stderr, so that a data row read as names never goes unnoticed.
pub fn read_table(path: &Path, rule: Header) -> Result<Table> {
    let t = Table::read_with(path, rule)?;
    if let (Header::Auto, Some(names)) = (rule, &t.header) {
        const SHOWN: usize = 4;
        let mut preview = names
            .iter()
            .take(SHOWN)
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > SHOWN {
            preview.push_str(", ...");
        }
        eprintln!(
            "note: {}: the first row ({} names: {preview}) is read as a header, since none of \
             its cells is a number; pass --no-header if it is data, --header to confirm",
            path.display(),
            names.len()
        );
    }
    Ok(t)
}

/// Reads a features file and checks that it is complete and finite.
pub fn read_features(path: &Path, rule: Header) -> Result<Table> {
    let t = read_table(path, rule)?;
    t.check_values(
        "features",
        Missing::Error("features must be complete (impute or drop the row)"),
    )?;
    Ok(t)
}

/// Subtracts the training feature mean when the model was fitted on centered features.
pub fn center(x: simec::Matrix, mean: Option<&[f32]>) -> simec::Matrix {
    match mean {
        Some(mu) => crate::prep::subtract(&x, mu),
        None => x,
    }
}

/// Reads features to feed a fitted model: complete, as many columns as the model was fitted
/// on (the error names the file and the model directory) and centered like the training
/// features.
pub fn model_features(model: &LoadedModel, path: &Path, rule: Header) -> Result<simec::Matrix> {
    let features = read_features(path, rule)?;
    let d = model.simec.input_dim();
    if features.cols() != d {
        return Err(features
            .shape_error(format!(
                "has {} feature columns, but the model in {} was fitted on {d}",
                features.cols(),
                model.dir.display()
            ))
            .into());
    }
    Ok(center(features.matrix, model.feature_mean.as_deref()))
}
