//! The unit of work of every figure: typed series ids, sweep tasks, and the [`Figure`] trait that
//! the runner ([`super::runner::run_figure`]) drives.
//!
//! A figure is a checked profile, a list of [`Task`]s (each writes a fixed set of `(series, x)`
//! points; a trained task also carries its derived seed), a shared deterministic setup, a function
//! computing one task, and a drawing. The runner owns everything else: lock, resume, `--jobs`,
//! progress, saving, metadata, the comparison with the paper.

use std::fmt;
use std::path::PathBuf;

use anyhow::Result;
use serde::de::DeserializeOwned;

use crate::results::ResultRow;

/// Which points an MSE is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// Training points against training points (or the training targets).
    Train,
    /// Test points against test points.
    Test,
    /// Test points against training points / targets (`Y_test Y^T`, `Y_test W_l`).
    TrainTest,
}

impl Split {
    fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
            Split::TrainTest => "train_test",
        }
    }
}

/// How a SimEc's prediction of S is read out (paper section 2): `Y W_l` or `Y Y^T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Readout {
    /// `S_hat = Y W_l` (the network's output).
    YWl,
    /// `S_hat = Y Y^T` (the embedding's Gram matrix).
    YYt,
}

impl Readout {
    fn name(self) -> &'static str {
        match self {
            Readout::YWl => "YWl",
            Readout::YYt => "YYt",
        }
    }
}

/// The method behind a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// Top-d eigen-embedding `V sqrt(D)` of the target similarity.
    Eigendecomposition,
    /// Ridge regression from the features to the eigen-embedding (Figure 3).
    EdRidge,
    /// Kernel PCA (Figure 4).
    Kpca,
    /// Eigen-embedding of the target matrix with missing entries filled by its mean (Figure 4).
    MeanFilledEd,
    /// Eigen-embedding by the d largest eigenvalues of an indefinite S (Figure 6).
    LargestPositiveEv,
    /// The d eigenpairs of largest |lambda| of an indefinite S (Figure 6).
    AbsoluteLargestEv,
    /// A trained similarity encoder.
    Simec,
}

impl MethodKind {
    fn name(self) -> &'static str {
        match self {
            MethodKind::Eigendecomposition => "eigendecomposition",
            MethodKind::EdRidge => "ed_ridge",
            MethodKind::Kpca => "kpca",
            MethodKind::MeanFilledEd => "mean_filled_ed",
            MethodKind::LargestPositiveEv => "largest_positive_ev",
            MethodKind::AbsoluteLargestEv => "absolute_largest_ev",
            MethodKind::Simec => "simec",
        }
    }
}

/// A method and its variant (an architecture such as `2hl`, a target such as `S1plusS2`, `full`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Method {
    /// What computes the series.
    pub kind: MethodKind,
    /// Which variant, if the figure has several.
    pub variant: Option<String>,
}

impl Method {
    /// `kind` without a variant.
    pub fn plain(kind: MethodKind) -> Self {
        Self {
            kind,
            variant: None,
        }
    }

    /// `kind` with `variant`.
    pub fn variant(kind: MethodKind, variant: impl Into<String>) -> Self {
        Self {
            kind,
            variant: Some(variant.into()),
        }
    }

    /// `kind[_variant]`: the method's part of a series name, and the key a trained method's
    /// per-point seed is derived from ([`crate::config::point_seed`]), so that the seeds of the
    /// committed results are kept (`simec`, `simec_2hl`, `simec_S1plusS2`, ...).
    pub fn key(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}_{v}", self.kind.name()),
            None => self.kind.name().to_string(),
        }
    }
}

impl Method {
    /// The seed of this trained method's point at `x` in a run with `base_seed` (exactly the
    /// seeds of the committed results; see [`crate::config::point_seed`]).
    pub fn seed(&self, base_seed: u64, x: f64) -> u64 {
        crate::config::point_seed(base_seed, &self.key(), x)
    }

    /// This trained method's point at `x` in a run with `base_seed`, its seed derived once
    /// ([`Method::seed`]) for both its hyperparameters and its task.
    pub fn at(&self, base_seed: u64, x: f64) -> TrainedPoint<'_> {
        TrainedPoint {
            method: self,
            x,
            seed: self.seed(base_seed, x),
        }
    }
}

/// A trained method at one x of the sweep, with the seed of that point.
#[derive(Debug, Clone, Copy)]
pub struct TrainedPoint<'a> {
    /// The trained method.
    pub method: &'a Method,
    /// The point's x.
    pub x: f64,
    /// The point's seed ([`Method::seed`]): the SimEc's initialization and shuffling.
    pub seed: u64,
}

impl TrainedPoint<'_> {
    /// The task training this point for `epochs`, writing `series` at its x; labelled
    /// `method x=X` until [`Task::labelled`] says otherwise.
    pub fn task<K>(&self, key: K, epochs: usize, series: Vec<SeriesId>) -> Task<K> {
        Task {
            key,
            label: format!("{} x={}", self.method.key(), self.x),
            points: series.into_iter().map(|s| (s, self.x)).collect(),
            kind: TaskKind::Trained {
                seed: self.seed,
                epochs,
            },
            files: Vec::new(),
            replicate: 0,
        }
    }
}

/// A curve of a figure, rendered to the paper's CSV names (`paper_mse.csv`) by [`fmt::Display`]
/// as `[against_][method[_variant]][_readout][_split]`, e.g. `simec_2hl_test`, `YYt_train_test`
/// (Figure 4 left names only the readout), `S1_simec_stacked_YWl`, `eigendecomposition_S1plusS2`.
/// Names are parsed back only by matching a figure's own list ([`SeriesId::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeriesId {
    /// The matrix the MSE is taken against when a figure scores against several (Figure 7).
    pub against: Option<&'static str>,
    /// The method; `None` where the figure has only one and its names omit it.
    pub method: Option<Method>,
    /// `Y W_l` or `Y Y^T`, where the figure names it.
    pub readout: Option<Readout>,
    /// Train / test, where the figure names it.
    pub split: Option<Split>,
}

impl SeriesId {
    /// A series of `method` on `split`.
    pub fn split(method: Method, split: Split) -> Self {
        Self {
            against: None,
            method: Some(method),
            readout: None,
            split: Some(split),
        }
    }

    /// The series among `known` whose name is `name`.
    pub fn parse<'a>(name: &str, known: &'a [SeriesId]) -> Option<&'a SeriesId> {
        known.iter().find(|s| s.to_string() == name)
    }
}

impl fmt::Display for SeriesId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            self.against.map(str::to_string),
            self.method.as_ref().map(Method::key),
            self.readout.map(|r| r.name().to_string()),
            self.split.map(|s| s.name().to_string()),
        ];
        let name: Vec<String> = parts.into_iter().flatten().collect();
        f.write_str(&name.join("_"))
    }
}

/// One unit of work: computes the MSEs of `points`, in that order.
#[derive(Debug, Clone)]
pub struct Task<K> {
    /// The figure's description of the work (which model, which baseline).
    pub key: K,
    /// Shown in progress bars and errors.
    pub label: String,
    /// The `(series, x)` points it writes.
    pub points: Vec<(SeriesId, f64)>,
    /// How it is computed.
    pub kind: TaskKind,
    /// Files it writes besides its rows; the task is redone when one is missing. Only
    /// replicate 0 writes them (the runner clears them for the others).
    pub files: Vec<PathBuf>,
    /// The replicate it belongs to (set by the runner; 0 for deterministic tasks, which are
    /// computed once whatever the replicates).
    pub replicate: u32,
}

/// Whether a task trains (and with which seed) or is deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// Computed once from the data (eigendecomposition, ridge, kPCA): seed column 0, run one at a
    /// time on all cores.
    Deterministic,
    /// A trained SimEc: its rows record `seed`; `--jobs` of them train at once.
    Trained {
        /// The point's seed (see [`crate::config::point_seed`]).
        seed: u64,
        /// Epochs, for the progress bar.
        epochs: usize,
    },
}

impl<K> Task<K> {
    /// A deterministic task writing `points`.
    pub fn deterministic(key: K, label: impl Into<String>, points: Vec<(SeriesId, f64)>) -> Self {
        Self {
            key,
            label: label.into(),
            points,
            kind: TaskKind::Deterministic,
            files: Vec::new(),
            replicate: 0,
        }
    }

    /// The task with `label` shown in progress bars and errors.
    #[must_use]
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The seed recorded in its rows (0 for deterministic tasks).
    pub fn seed(&self) -> u64 {
        match self.kind {
            TaskKind::Deterministic => 0,
            TaskKind::Trained { seed, .. } => seed,
        }
    }
}

/// What a figure's functions see of the run: where data and outputs live and the device.
pub struct RunContext {
    /// `--data-dir`, if given (else the loader's search order).
    pub data_dir: Option<PathBuf>,
    /// Where the results CSVs go.
    pub results_dir: PathBuf,
    /// The burn device SimEcs train on.
    pub device: burn::tensor::Device,
}

/// What a task computed: the MSE of each of its points, in order, and notes for the metadata
/// (e.g. the ridge alpha the cross-validation chose).
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    /// One MSE per point of the task.
    pub mses: Vec<f64>,
    /// Lines for the run's notes.
    pub notes: Vec<String>,
}

impl From<Vec<f64>> for Computed {
    fn from(mses: Vec<f64>) -> Self {
        Self {
            mses,
            notes: Vec::new(),
        }
    }
}

/// Per-epoch progress callback handed to a trained task.
pub type Progress<'a> = &'a mut dyn FnMut(simec::EpochReport);

/// What a task's computation gets from the runner: the figure's shared setup, the run's context
/// and the per-epoch progress callback (trained tasks).
pub struct Step<'a, S> {
    /// The figure's shared deterministic inputs ([`Figure::setup`]).
    pub setup: &'a S,
    /// Data, output and device of the run.
    pub ctx: &'a RunContext,
    /// Called after every epoch.
    pub progress: Progress<'a>,
}

/// Where a figure is drawn (`<figures-dir>/<figure>.svg` and `.png`) and the paper's values to
/// mark on it.
pub struct Outputs {
    /// The SVG file.
    pub svg: PathBuf,
    /// The PNG file.
    pub png: PathBuf,
    /// The paper's printed values of this figure, drawn as markers on line figures: filled for
    /// the paper profile of a figure the paper prints numbers for, else empty (another setup's
    /// numbers are not comparable).
    pub paper: Vec<crate::reference::RefRow>,
}

/// One figure of the paper, implemented by its profile (the `[profiles.NAME]` table of
/// `experiments/<figure>.toml`): what the runner needs to know about it.
pub trait Figure: DeserializeOwned + Clone + Sync {
    /// Results file stem, `figure` column, config file stem (`fig3`, ...).
    const NAME: &'static str;
    /// Name of the x variable (`embedding_dim`, `lambda`, ...).
    const X_NAME: &'static str;
    /// One sentence for the binary's `--help`: what the figure shows and the paper section.
    const ABOUT: &'static str;
    /// Whether the paper prints MSEs for the figure (Figure 5 has none).
    const HAS_PAPER_NUMBERS: bool = true;
    /// Whether drawing needs the setup even when every task is done (Figure 5's scatter plots).
    const DRAW_NEEDS_SETUP: bool = false;
    /// Revision of this figure's own numerics, part of its run identity beside the shared
    /// `results::NUMERICS_VERSION`: bump it in the commit that changes this figure's numbers
    /// only (and regenerate its quick reference there).
    const NUMERICS_REVISION: u32 = 0;

    /// The shared deterministic inputs (data subset, kernels, eigendecompositions).
    type Setup: Sync;
    /// Which work a task stands for.
    type Key: Sync;

    /// Checks the profile; the runner calls it before any file-system side effect.
    ///
    /// # Errors
    /// The first impossible value, named.
    fn check(&self) -> Result<()>;

    /// The profile's base seed (`--seed` overrides it).
    fn base_seed(&self) -> u64;

    /// Every task of the sweep, in a fixed order.
    ///
    /// # Errors
    /// Hyperparameters that do not check.
    fn tasks(&self, base_seed: u64, ctx: &RunContext) -> Result<Vec<Task<Self::Key>>>;

    /// Builds the shared setup; returns it with notes for the run's metadata.
    ///
    /// # Errors
    /// Missing or corrupt data, numerical failures.
    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)>;

    /// Computes one task from the setup in `step`: the MSE of each of its points, in order.
    ///
    /// # Errors
    /// Model or numerical errors.
    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed>;

    /// Relative cost of `task` for balancing shards (`--shard I/N`, [`super::shard::assign`]):
    /// a static model of the work, never a measured time, so that every shard of an array
    /// computes the same partition. Default: a trained task costs its epochs (the SimEc points of
    /// one figure differ mostly in epochs), a deterministic one 1 (eigendecompositions are in the
    /// setup every shard builds; what is left per point is a projection or a ridge fit).
    fn task_cost(&self, task: &Task<Self::Key>) -> f64 {
        match task.kind {
            TaskKind::Deterministic => 1.0,
            TaskKind::Trained { epochs, .. } => epochs as f64,
        }
    }

    /// Draws the figure from every row of the CSV.
    ///
    /// # Errors
    /// The files cannot be written.
    fn draw(&self, setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simec(variant: Option<&str>) -> Method {
        match variant {
            Some(v) => Method::variant(MethodKind::Simec, v),
            None => Method::plain(MethodKind::Simec),
        }
    }

    /// Every series name the paper prints is rendered from its typed id.
    #[test]
    fn typed_ids_render_the_paper_names() {
        let cases: Vec<(SeriesId, &str)> = vec![
            (
                SeriesId::split(Method::plain(MethodKind::Eigendecomposition), Split::Train),
                "eigendecomposition_train",
            ),
            (
                SeriesId::split(Method::plain(MethodKind::EdRidge), Split::Test),
                "ed_ridge_test",
            ),
            (
                SeriesId::split(simec(Some("2hl")), Split::Test),
                "simec_2hl_test",
            ),
            (
                SeriesId {
                    against: None,
                    method: None,
                    readout: Some(Readout::YYt),
                    split: Some(Split::TrainTest),
                },
                "YYt_train_test",
            ),
            (
                SeriesId::split(Method::variant(MethodKind::Kpca, "full"), Split::Train),
                "kpca_full_train",
            ),
            (
                SeriesId::split(Method::plain(MethodKind::MeanFilledEd), Split::Train),
                "mean_filled_ed_train",
            ),
            (
                SeriesId {
                    against: Some("S2"),
                    method: Some(simec(Some("stacked"))),
                    readout: Some(Readout::YWl),
                    split: None,
                },
                "S2_simec_stacked_YWl",
            ),
            (
                SeriesId {
                    against: None,
                    method: Some(Method::variant(MethodKind::Eigendecomposition, "S1plusS2")),
                    readout: None,
                    split: None,
                },
                "eigendecomposition_S1plusS2",
            ),
        ];
        let known: Vec<SeriesId> = cases.iter().map(|(s, _)| s.clone()).collect();
        for (id, name) in &cases {
            assert_eq!(id.to_string(), *name);
            assert_eq!(SeriesId::parse(name, &known), Some(id));
        }
        assert_eq!(SeriesId::parse("simec_9hl_test", &known), None);
    }

    /// The seed keys of trained methods are the strings the committed results were seeded with.
    #[test]
    fn trained_tasks_derive_the_committed_seeds() {
        let id = |s: &str| SeriesId::split(simec(Some(s)), Split::Train);
        let t = simec(Some("2hl")).at(42, 5.0).task((), 1, vec![id("2hl")]);
        assert_eq!(t.seed(), crate::config::point_seed(42, "simec_2hl", 5.0));
        let t = simec(None).at(42, 0.5).task((), 1, vec![]);
        assert_eq!(t.seed(), crate::config::point_seed(42, "simec", 0.5));
        // Seeds recorded in the committed paper results (results/fig3.csv, simec_2hl at d = 2;
        // results/fig4_lambda.csv at lambda = 0.5): a change of the derivation moves every
        // committed SimEc number.
        let t = simec(Some("2hl")).at(42, 2.0).task((), 1, vec![]);
        assert_eq!(t.seed(), 3_007_610_570_903_255_011);
        let t = simec(None).at(42, 0.5).task((), 1, vec![]);
        assert_eq!(t.seed(), 13_350_225_115_755_882_167);
        assert_eq!(
            Task::<()>::deterministic((), "b", vec![]).seed(),
            0,
            "deterministic rows record seed 0"
        );
    }
}
