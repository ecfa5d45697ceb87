//! Line panels drawn from result rows by typed series id: each figure says how a series looks
//! ([`Style`]); the rows are matched to the series by their rendered names.

use super::sweep::SeriesId;
use crate::plot::{LinePlot, LineSeries};
use crate::results::ResultRow;

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
/// out), styled by `style`, each point's x mapped by `map_x`.
pub fn line_panel(
    rows: &[ResultRow],
    series: &[SeriesId],
    style: impl Fn(&SeriesId) -> Style,
    map_x: impl Fn(f64) -> f64,
    axes: Axes,
) -> LinePlot {
    let curves = series
        .iter()
        .filter_map(|id| {
            let name = id.to_string();
            let mut points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.series == name)
                .map(|r| (map_x(r.x), r.mse))
                .collect();
            if points.is_empty() {
                return None;
            }
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let st = style(id);
            Some(LineSeries {
                label: st.label,
                points,
                color: st.color,
                dashed: st.dashed,
            })
        })
        .collect();
    LinePlot {
        title: axes.title,
        x_label: axes.x_label,
        y_label: axes.y_label,
        series: curves,
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
/// train / test convention) into `svg` and `png`.
///
/// # Errors
/// The files cannot be written.
pub fn draw_by_method(
    rows: &[ResultRow],
    series: &[SeriesId],
    axes: Axes,
    svg: &std::path::Path,
    png: &std::path::Path,
) -> anyhow::Result<()> {
    let style = |id: &SeriesId| Style {
        label: id.to_string(),
        color: method_color(series, id),
        dashed: id.split == Some(super::sweep::Split::Test),
    };
    crate::plot::draw_line_plot(&line_panel(rows, series, style, |x| x, axes), svg, png)?;
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
