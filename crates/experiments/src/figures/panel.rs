//! Line panels drawn from result rows by typed series id: each figure says how a series looks
//! ([`Style`]); the rows are matched to the series by their rendered names.

use super::sweep::{Outputs, SeriesId};
use crate::plot::{LinePlot, LineSeries};
use crate::reference::RefRow;
use crate::results::{summarize, PointStats, ResultRow};

/// How one series is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// Legend text.
    pub label: String,
    /// Palette index; a method's curves share it.
    pub color: usize,
    /// Dashed with hollow markers (test curves, `Y Y^T` readouts) or solid.
    pub dashed: bool,
}

/// Title, axis labels and axes of one panel.
#[derive(Debug, Clone)]
pub struct Axes {
    /// Title above the panel.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Fixed x range, or automatic.
    pub x_range: Option<(f64, f64)>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
}

impl Axes {
    /// Linear axes with automatic ranges.
    pub fn linear(title: impl Into<String>, x_label: impl Into<String>, y_label: &str) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.to_string(),
            x_range: None,
            log_x: false,
            log_y: false,
        }
    }
}

/// One panel with a curve per series of `series` (in that order; series without rows are left
/// out), styled by `style`, each point's x mapped by `map_x`. A series with several replicates
/// at an x is drawn as the mean over them with a shaded min-max band, and says so in its legend
/// label; `paper` (the paper's printed values, empty for none) adds grey crosses at the points
/// of these series.
pub fn line_panel(
    rows: &[ResultRow],
    paper: &[RefRow],
    series: &[SeriesId],
    style: impl Fn(&SeriesId) -> Style,
    map_x: impl Fn(f64) -> f64,
    axes: Axes,
) -> LinePlot {
    let mut paper_points = Vec::new();
    let curves = series
        .iter()
        .filter_map(|id| {
            let name = id.to_string();
            paper_points.extend(
                paper
                    .iter()
                    .filter(|p| p.series == name)
                    .map(|p| (map_x(p.x), p.mse)),
            );
            let own: Vec<ResultRow> = rows.iter().filter(|r| r.series == name).cloned().collect();
            let mut stats: Vec<(f64, PointStats)> = summarize(&own)
                .iter()
                .map(|s| (map_x(s.x), s.stats()))
                .collect();
            if stats.is_empty() {
                return None;
            }
            stats.sort_by(|a, b| a.0.total_cmp(&b.0));
            let most = stats.iter().map(|(_, s)| s.n).max().unwrap_or(1);
            let st = style(id);
            let (label, band) = if most > 1 {
                let band = stats.iter().map(|(x, s)| (*x, s.min, s.max)).collect();
                let label = format!("{} (mean of {most}, band min-max)", st.label);
                (label, band)
            } else {
                (st.label, Vec::new())
            };
            Some(LineSeries {
                label,
                points: stats.iter().map(|(x, s)| (*x, s.mean)).collect(),
                color: st.color,
                dashed: st.dashed,
                band,
            })
        })
        .collect();
    LinePlot {
        title: axes.title,
        x_label: axes.x_label,
        y_label: axes.y_label,
        series: curves,
        paper: paper_points,
        x_range: axes.x_range,
        y_range: None,
        log_x: axes.log_x,
        log_y: axes.log_y,
    }
}

/// The index of `id`'s method (key) among the distinct methods of `series`, in order: one color
/// per method.
pub fn method_color(series: &[SeriesId], id: &SeriesId) -> usize {
    let mut methods: Vec<Option<String>> = Vec::new();
    for s in series {
        let key = s.method.as_ref().map(super::sweep::Method::key);
        if !methods.contains(&key) {
            methods.push(key);
        }
    }
    let key = id.method.as_ref().map(super::sweep::Method::key);
    methods.iter().position(|m| *m == key).unwrap_or(0)
}

/// Draws one panel of `series` with one color per method and test curves dashed (the paper's
/// train / test convention), with the paper's values of `out` as markers, into `out`'s files.
///
/// # Errors
/// The files cannot be written.
pub fn draw_by_method(
    rows: &[ResultRow],
    series: &[SeriesId],
    axes: Axes,
    out: &Outputs,
) -> anyhow::Result<()> {
    let style = |id: &SeriesId| Style {
        label: id.to_string(),
        color: method_color(series, id),
        dashed: id.split == Some(super::sweep::Split::Test),
    };
    let plot = line_panel(rows, &out.paper, series, style, |x| x, axes);
    crate::plot::draw_line_plot(&plot, &out.svg, &out.png)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::sweep::{Method, MethodKind, Split};

    fn row(series: &str, x: f64, mse: f64) -> ResultRow {
        ResultRow::for_test("f", series, x, mse)
    }

    /// Rows go to the curve of their series, sorted by x; series without rows are left out.
    #[test]
    fn rows_are_grouped_by_series_and_sorted() {
        let a = SeriesId::split(Method::plain(MethodKind::Kpca), Split::Train);
        let b = SeriesId::split(Method::plain(MethodKind::Kpca), Split::Test);
        let c = SeriesId::split(Method::plain(MethodKind::Simec), Split::Train);
        let rows = [row("kpca_train", 3.0, 1.0), row("kpca_train", 1.0, 2.0)];
        let all = [a.clone(), b, c];
        let p = line_panel(
            &rows,
            &[],
            &all,
            |id| Style {
                label: id.to_string(),
                color: method_color(&all, id),
                dashed: false,
            },
            |x| x,
            Axes::linear("t", "x", "y"),
        );
        assert_eq!(p.series.len(), 1);
        assert_eq!(p.series[0].points, vec![(1.0, 2.0), (3.0, 1.0)]);
        assert_eq!(method_color(&all, &all[2]), 1);
    }
}
