//! Charts drawn with plotters from plain result data (no polars here): trend with confidence
//! band, NPS composition, score distribution, Pareto of causes, cohort retention heatmap and
//! importance–performance matrix.
//!
//! Every chart is 1200×700 with a title, a subtitle naming the scope (dates, source) and
//! labelled axes. Text uses the bundled Noto Sans CJK SC subset, registered with plotters at
//! first use, so charts render the same on a bare machine (no system fonts, no fontconfig)
//! and Chinese labels work. SVG keeps text as `<text>`; PNG is rasterised here.

mod draw;
mod raster;
pub mod webfont;

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Result};
use plotters::prelude::*;

use crate::output::write_atomic;

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1200, 700);

/// The bundled font: Noto Sans CJK SC subset to GB2312 hanzi, Latin and punctuation (OFL-1.1,
/// see `font/OFL.txt`).
static FONT: &[u8] = include_bytes!("font/NotoSansSC-cxstat.otf");

/// The family every chart asks for; the bundled font is registered under it.
pub(crate) const FAMILY: &str = "sans-serif";

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if *ok {
        Ok(())
    } else {
        bail!("the bundled chart font could not be loaded")
    }
}

/// One value with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Fewer answers than the low-base threshold: drawn as a hollow marker.
    pub low_base: bool,
}

/// One line of a trend: a value (or a gap) per period.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Option<Point>>,
}

/// A metric over periods, one line per group, with the confidence band.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    /// Bounds the axis may not pass (0–100 for a percentage, −100–100 for NPS).
    pub limits: (f64, f64),
    /// What the bands are, e.g. "95% confidence interval".
    pub band: String,
    pub periods: Vec<String>,
    pub series: Vec<Series>,
    /// Thresholds drawn across the chart as dashed lines: (label, value), e.g. ("target 30", 30).
    pub targets: Vec<(String, f64)>,
}

/// Detractors, passives and promoters of one group, in percent.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub label: String,
    pub n: f64,
    pub detractors: f64,
    pub passives: f64,
    pub promoters: f64,
    pub nps: f64,
    /// Fewer answers than the low-base threshold: drawn faded, its base marked.
    pub low_base: bool,
}

/// NPS composition: one stacked bar per group.
#[derive(Debug, Clone, PartialEq)]
pub struct Composition {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub bars: Vec<Stack>,
}

/// Where a score falls: for colouring the bars of a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Low,
    Middle,
    High,
}

/// How many answers gave each score.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// Names of the three bands for the legend (e.g. detractors, passives, promoters).
    pub bands: [String; 3],
    pub bins: Vec<(i64, f64, Band)>,
}

/// Causes by count with the cumulative share and the 80% mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Pareto {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// (cause, count, cumulative %), largest first.
    pub items: Vec<(String, f64, f64)>,
}

/// Retention by cohort (rows) and periods since the first purchase (columns), in percent.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    /// Row labels (cohort and its size).
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<Option<f64>>>,
}

/// One driver on the importance–performance matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct QuadrantPoint {
    pub label: String,
    /// Performance (the driver's mean score).
    pub x: f64,
    /// Importance (relative weight, % of R²).
    pub y: f64,
}

/// Importance–performance matrix: labelled points, crosshairs at the means, quadrant names.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrants {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub x_mid: f64,
    pub y_mid: f64,
    /// Quadrant names: top left, top right, bottom left, bottom right.
    pub names: [String; 4],
    pub points: Vec<QuadrantPoint>,
}

/// One theme of the themes chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeBar {
    pub label: String,
    /// Mentions as % of the comments.
    pub share: f64,
    /// The mentioners' NPS (`None`: no NPS answers, drawn grey).
    pub nps: Option<f64>,
}

/// Themes as bars of mention share, each coloured by its mentioners' NPS on a scale centred on
/// the overall NPS of the commenters (marked on the colour key).
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeChart {
    pub title: String,
    pub subtitle: String,
    pub overall: Option<f64>,
    pub bars: Vec<ThemeBar>,
}

/// One bar of an [`IntervalChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalBar {
    pub label: String,
    pub value: f64,
    /// The confidence interval, drawn as a whisker (none: no whisker).
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Bars with their confidence intervals: the index per construct, or SERVQUAL's gaps (bars
/// below zero, where perception falls short of expectation, in red).
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalChart {
    pub title: String,
    pub subtitle: String,
    pub y_label: String,
    /// The value axis' limits (the index's 0–100; unbounded gaps: ±∞).
    pub limits: (f64, f64),
    pub bars: Vec<IntervalBar>,
}

/// A chart ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Trend(Trend),
    Composition(Composition),
    Histogram(Histogram),
    Pareto(Pareto),
    Heatmap(Heatmap),
    Quadrants(Quadrants),
    Themes(ThemeChart),
    Intervals(IntervalChart),
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Trend(t) => &t.title,
            Chart::Composition(c) => &c.title,
            Chart::Histogram(h) => &h.title,
            Chart::Pareto(p) => &p.title,
            Chart::Heatmap(h) => &h.title,
            Chart::Quadrants(q) => &q.title,
            Chart::Themes(t) => &t.title,
            Chart::Intervals(t) => &t.title,
        }
    }
}

/// The kind of a chart file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

impl ChartFormat {
    /// `.svg` or `.png` (any case); anything else is a usage error.
    pub fn of(path: &Path) -> Result<ChartFormat> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Ok(ChartFormat::Svg),
            Some("png") => Ok(ChartFormat::Png),
            _ => Err(crate::error::usage(format!("--chart {}: the file name must end in .svg or .png", path.display()))),
        }
    }
}

/// Draws `chart` as an SVG document.
pub fn svg(chart: &Chart) -> Result<String> {
    register_font()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw::chart(&root, chart)?;
        root.present().map_err(|e| anyhow!("drawing the chart failed: {e}"))?;
    }
    Ok(text)
}

/// Draws `chart` as a PNG image.
pub fn png(chart: &Chart) -> Result<Vec<u8>> {
    register_font()?;
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = raster::Raster { inner: BitMapBackend::with_buffer(&mut pixels, SIZE) }.into_drawing_area();
        draw::chart(&root, chart)?;
        root.present().map_err(|e| anyhow!("drawing the chart failed: {e}"))?;
    }
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(&pixels, w, h, image::ColorType::Rgb8)
        .map_err(|e| anyhow!("encoding the PNG failed: {e}"))?;
    Ok(bytes)
}

use image::ImageEncoder;

/// Writes `chart` to `path` (SVG or PNG by extension), atomically.
pub fn write(chart: &Chart, path: &Path) -> Result<()> {
    let bytes = match ChartFormat::of(path)? {
        ChartFormat::Svg => svg(chart)?.into_bytes(),
        ChartFormat::Png => png(chart)?,
    };
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend() -> Chart {
        Chart::Trend(Trend {
            title: "CSAT 满意度".into(),
            subtitle: "2026-01 to 2026-03".into(),
            x_label: "month".into(),
            y_label: "CSAT %".into(),
            limits: (0.0, 100.0),
            band: "95% confidence interval".into(),
            periods: vec!["2026-01".into(), "2026-02".into(), "2026-03".into()],
            series: vec![Series {
                name: "线上".into(),
                points: vec![
                    Some(Point { value: 80.0, low: Some(75.0), high: Some(84.0), low_base: false }),
                    None,
                    Some(Point { value: 82.0, low: None, high: None, low_base: true }),
                ],
            }],
            targets: vec![("target 85".into(), 85.0)],
        })
    }

    #[test]
    fn svg_keeps_chinese_text_and_png_is_a_png() {
        let svg = svg(&trend()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("CSAT 满意度") && svg.contains("线上"));
        // The target is drawn and named.
        assert!(svg.contains("\ntarget 85\n") && svg.contains("stroke=\"#B71C1C\""), "{svg}");
        let png = png(&trend()).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(ChartFormat::of(Path::new("a/b.SVG")).unwrap(), ChartFormat::Svg);
        assert_eq!(ChartFormat::of(Path::new("b.png")).unwrap(), ChartFormat::Png);
        assert!(ChartFormat::of(Path::new("b.jpg")).is_err());
    }
}
