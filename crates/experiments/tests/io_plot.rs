//! Figures: SVG and PNG are written, contain the labels, and bad input is an error, not a panic.

mod common;
use common::scratch;

use std::fs;

use experiments::plot::{
    draw_line_plot, draw_panels, draw_scatter, spread_subset, LinePlot, LineSeries, PlotError,
    ScatterPlot, ScatterPoint, Thumbnail, PANEL_SIZE,
};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn assert_outputs(dir: &std::path::Path, svg: &std::path::Path, png: &std::path::Path) -> String {
    let svg_text = fs::read_to_string(svg).unwrap();
    assert!(
        svg_text.len() > 1000 && svg_text.contains("<svg"),
        "tiny SVG"
    );
    let png_bytes = fs::read(png).unwrap();
    assert!(png_bytes.len() > 1000);
    assert_eq!(png_bytes[..8], PNG_SIGNATURE);
    let leftovers: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    svg_text
}

fn fig3_like() -> LinePlot {
    let dims = [2.0, 4.0, 6.0, 8.0, 10.0];
    LinePlot {
        title: "Figure 3".into(),
        x_label: "number of embedding dimensions".into(),
        y_label: "mean squared error".into(),
        series: vec![
            LineSeries::solid(
                "SimEc 2hl train",
                dims.iter().map(|&d| (d, 0.08 / d)).collect(),
                0,
            ),
            LineSeries::dashed(
                "SimEc 2hl test",
                dims.iter().map(|&d| (d, 0.09 / d)).collect(),
                0,
            ),
            LineSeries::solid("eigendecomposition", vec![(2.0, 0.06), (4.0, f64::NAN)], 1),
        ],
        ..Default::default()
    }
}

#[test]
fn line_plot_writes_svg_with_labels_and_png() {
    let dir = scratch("line");
    let (svg, png) = (dir.join("fig3.svg"), dir.join("fig3.png"));
    draw_line_plot(&fig3_like(), &svg, &png).unwrap();
    let text = assert_outputs(&dir, &svg, &png);
    for needle in [
        "number of embedding dimensions",
        "mean squared error",
        "SimEc 2hl test",
        "Figure 3",
    ] {
        assert!(text.contains(needle), "SVG lacks {needle:?}");
    }
    // Redrawing replaces the files in place.
    draw_line_plot(&fig3_like(), &svg, &png).unwrap();
    assert_outputs(&dir, &svg, &png);
}

#[test]
fn panels_with_log_axes() {
    let dir = scratch("panels");
    let (svg, png) = (dir.join("fig4.svg"), dir.join("fig4.png"));
    let lambda = LinePlot {
        x_label: "lambda".into(),
        y_label: "mse".into(),
        series: vec![LineSeries::solid(
            "YWl",
            vec![(0.0, 0.5), (1e-3, 0.04), (1e-1, 0.03), (10.0, 0.02)],
            2,
        )],
        log_x: true,
        log_y: true,
        ..Default::default()
    };
    let missing = LinePlot {
        x_label: "fraction of missing targets".into(),
        ..fig3_like()
    };
    let empty = LinePlot {
        x_label: "empty panel".into(),
        ..Default::default()
    };
    draw_panels(&[lambda, missing, empty], PANEL_SIZE, &svg, &png).unwrap();
    let text = assert_outputs(&dir, &svg, &png);
    assert!(text.contains("fraction of missing targets") && text.contains("lambda"));
}

#[test]
fn bad_plot_input_is_an_error() {
    let dir = scratch("bad");
    let (svg, png) = (dir.join("x.svg"), dir.join("x.png"));
    let bad_range = LinePlot {
        y_range: Some((1.0, 0.0)),
        ..fig3_like()
    };
    assert!(matches!(
        draw_line_plot(&bad_range, &svg, &png),
        Err(PlotError::InvalidInput(_))
    ));
    let bad_log = LinePlot {
        x_range: Some((0.0, 10.0)),
        log_x: true,
        ..fig3_like()
    };
    assert!(draw_line_plot(&bad_log, &svg, &png).is_err());
    assert!(draw_panels(&[], PANEL_SIZE, &svg, &png).is_err());
    let bad_thumb = ScatterPlot {
        thumbnails: vec![Thumbnail {
            x: 0.0,
            y: 0.0,
            width: 28,
            height: 28,
            pixels: vec![0; 10],
        }],
        ..Default::default()
    };
    assert!(matches!(
        draw_scatter(&bad_thumb, &svg, &png),
        Err(PlotError::InvalidInput(_))
    ));
    assert!(!svg.exists() && !png.exists());
}

#[test]
fn scatter_with_thumbnails() {
    let dir = scratch("scatter");
    let (svg, png) = (dir.join("fig5.svg"), dir.join("fig5.png"));
    let points: Vec<ScatterPoint> = (0..300)
        .map(|i| {
            let t = i as f64 * 0.1;
            ScatterPoint {
                x: t.cos() * (1.0 + (i % 10) as f64),
                y: t.sin() * (1.0 + (i % 10) as f64),
                class: i % 10,
            }
        })
        .collect();
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.y)).collect();
    let picks = spread_subset(&xy, 4);
    assert!(!picks.is_empty() && picks.len() <= 16);
    let digit: Vec<u8> = (0..28 * 28)
        .map(|i| if (i / 28 + i % 28) % 7 == 0 { 255 } else { 0 })
        .collect();
    let plot = ScatterPlot {
        title: "SimEc embedding".into(),
        x_label: "dim 1".into(),
        y_label: "dim 2".into(),
        points,
        class_labels: (0..10).map(|d| format!("digit {d}")).collect(),
        thumbnails: picks
            .iter()
            .map(|&i| Thumbnail {
                x: xy[i].0,
                y: xy[i].1,
                width: 28,
                height: 28,
                pixels: digit.clone(),
            })
            .collect(),
        thumbnail_scale: 1,
        ..Default::default()
    };
    draw_scatter(&plot, &svg, &png).unwrap();
    let text = assert_outputs(&dir, &svg, &png);
    assert!(text.contains("dim 1") && text.contains("digit 7"));
}

#[test]
fn spread_subset_takes_one_point_per_cell() {
    let pts = [
        (0.0, 0.0),
        (0.1, 0.1),
        (1.0, 1.0),
        (0.9, 0.95),
        (f64::NAN, 0.5),
    ];
    assert_eq!(spread_subset(&pts, 2), vec![0, 2]);
    assert_eq!(spread_subset(&pts, 0), Vec::<usize>::new());
    assert_eq!(spread_subset(&[], 3), Vec::<usize>::new());
}
