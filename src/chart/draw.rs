//! The plotters drawing of each chart kind, on any backend (SVG or bitmap).

use anyhow::Result;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Band, Chart, Composition, Heatmap, Histogram, IntervalChart, Pareto, Quadrants, ThemeChart, Trend, FAMILY};

type Area<DB> = DrawingArea<DB, Shift>;
/// Where one layer of a stacked bar starts and ends.
type Span = fn(&super::Stack) -> (f64, f64);

const INK: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(97, 97, 97);
const GRID: RGBColor = RGBColor(224, 224, 224);
/// NPS groups in Okabe & Ito's colours: vermillion against blue, told apart with any colour
/// vision (red against green is not).
const DETRACTOR: RGBColor = RGBColor(213, 94, 0);
const PASSIVE: RGBColor = RGBColor(170, 170, 170);
const PROMOTER: RGBColor = RGBColor(0, 114, 178);
const BAR: RGBColor = RGBColor(21, 101, 192);
const CUMULATIVE: RGBColor = RGBColor(230, 81, 0);
/// Line colours for groups (Tableau 10, which stays apart for colour-blind readers).
/// Lines of several groups: Okabe & Ito's colour-blind-safe palette (2008, "Color Universal
/// Design"), black left for the total line, then two darker tones for an 8th and 9th group.
const PALETTE: [RGBColor; 9] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(90, 90, 90),
    RGBColor(0, 80, 120),
];

/// A target or alert threshold drawn across a trend.
const TARGET: RGBColor = RGBColor(183, 28, 28);
/// The name of the line of all groups together, drawn in black.
const ALL: &str = "all";
/// Confidence bands are drawn when a trend has at most this many lines; more would hide each other.
const BANDS: usize = 2;
/// At most this many causes get their own Pareto bar; the rest are one "other" bar.
const PARETO_BARS: usize = 15;

fn font(size: u32, color: &RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(color)
}

/// Draws any chart on `root`.
pub fn chart<DB: DrawingBackend>(root: &Area<DB>, chart: &Chart) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match chart {
        Chart::Trend(t) => trend(root, t),
        Chart::Composition(c) => composition(root, c),
        Chart::Histogram(h) => histogram(root, h),
        Chart::Pareto(p) => pareto(root, p),
        Chart::Heatmap(h) => heatmap(root, h),
        Chart::Quadrants(q) => quadrants(root, q),
        Chart::Themes(t) => themes(root, t),
        Chart::Intervals(t) => intervals(root, t),
    }
}

/// A legend entry: a filled square, or a line for line series.
struct Key {
    name: String,
    color: RGBColor,
    line: bool,
}

fn key(name: &str, color: RGBColor, line: bool) -> Key {
    Key { name: name.to_string(), color, line }
}

/// Title, subtitle and a one-row legend above the plot (never over the data); returns the area
/// below them.
fn header<DB: DrawingBackend>(root: &Area<DB>, title: &str, subtitle: &str, legend: &[Key]) -> Result<Area<DB>>
where
    DB::ErrorType: 'static,
{
    let height = if legend.is_empty() { 84 } else { 112 };
    let (top, body) = root.split_vertically(height);
    top.draw_text(title, &font(26, &INK), (30, 14))?;
    let sub = font(15, &MUTED);
    top.draw_text(&fit(&top, subtitle, &sub, 1140), &sub, (30, 52))?;
    let label = font(14, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    let (mut x, y) = (30, 92);
    for k in legend {
        if k.line {
            top.draw(&PathElement::new(vec![(x, y), (x + 18, y)], k.color.stroke_width(3)))?;
        } else {
            top.draw(&Rectangle::new([(x, y - 7), (x + 14, y + 7)], k.color.filled()))?;
        }
        let (w, _) = top.estimate_text_size(&k.name, &label)?;
        top.draw_text(&k.name, &label, (x + 24, y))?;
        x += 24 + w as i32 + 26;
        if x > 1120 {
            break;
        }
    }
    Ok(body)
}

/// Shortens `label` with "…" until it is at most `width` pixels wide.
fn fit<DB: DrawingBackend>(area: &Area<DB>, label: &str, style: &TextStyle, width: u32) -> String
where
    DB::ErrorType: 'static,
{
    let fits = |s: &str| area.estimate_text_size(s, style).map(|(w, _)| w <= width).unwrap_or(true);
    if fits(label) {
        return label.to_string();
    }
    let mut chars: Vec<char> = label.chars().collect();
    while chars.len() > 1 {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if fits(&s) {
            return s;
        }
    }
    "…".to_string()
}

/// Writes category labels under the x axis at x = 0, 1, 2 …, thinning them when crowded.
fn category_labels<DB: DrawingBackend>(
    root: &Area<DB>,
    at: impl Fn(usize) -> (i32, i32),
    labels: &[String],
    second_line: Option<&[String]>,
    max_labels: usize,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    if labels.is_empty() {
        return Ok(());
    }
    let step = labels.len().div_ceil(max_labels.max(1));
    let slot = {
        let (x0, _) = at(0);
        let (x1, _) = if labels.len() > 1 { at(1) } else { (x0 + 200, 0) };
        ((x1 - x0).unsigned_abs() * step as u32).saturating_sub(6).max(20)
    };
    let style = font(14, &INK).pos(Pos::new(HPos::Center, VPos::Top));
    let small = font(12, &MUTED).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, label) in labels.iter().enumerate() {
        if i % step != 0 {
            continue;
        }
        let (x, y) = at(i);
        root.draw(&PathElement::new(vec![(x, y), (x, y + 5)], INK))?;
        root.draw_text(&fit(root, label, &style, slot), &style, (x, y + 8))?;
        if let Some(extra) = second_line.and_then(|s| s.get(i)) {
            root.draw_text(&fit(root, extra, &small, slot), &small, (x, y + 28))?;
        }
    }
    Ok(())
}

/// An axis range around [lo, hi] with 8% padding, kept inside `limits`.
fn padded(lo: f64, hi: f64, limits: (f64, f64)) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return limits;
    }
    let span = (hi - lo).max(1.0);
    ((lo - 0.08 * span).max(limits.0), (hi + 0.08 * span).min(limits.1))
}

fn trend<DB: DrawingBackend>(root: &Area<DB>, t: &Trend) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let colors: Vec<RGBColor> =
        t.series.iter().enumerate().map(|(k, s)| if s.name == ALL { INK } else { PALETTE[k % PALETTE.len()] }).collect();
    let legend: Vec<Key> = t.series.iter().zip(&colors).filter(|(s, _)| !s.name.is_empty()).map(|(s, c)| key(&s.name, *c, true)).collect();
    let bands = t.series.len() <= BANDS;
    let has_bands = t.series.iter().flat_map(|s| s.points.iter().flatten()).any(|p| p.low.is_some());
    let mut subtitle = t.subtitle.clone();
    if t.series.iter().flat_map(|s| s.points.iter().flatten()).any(|p| p.low_base) {
        subtitle.push_str(" · hollow: low base");
    }
    if has_bands && bands {
        subtitle.push_str(&format!(" · shaded: {}", t.band));
    } else if has_bands {
        subtitle.push_str(&format!(" · {}s in the table (bands drawn for up to {BANDS} lines)", t.band));
    }
    let body = header(root, &t.title, &subtitle, &legend)?;
    let n = t.periods.len().max(1);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in t.series.iter().flat_map(|s| s.points.iter().flatten()) {
        for v in [Some(p.value), p.low, p.high].into_iter().flatten().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    for (_, v) in t.targets.iter().filter(|(_, v)| v.is_finite()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let (y0, y1) = padded(lo, hi, t.limits);
    let mut chart = category_chart(
        &body,
        (-0.5..(n as f64 - 0.5), y0..y1, 0.0..1.0),
        &Axes { x_desc: t.x_label.as_str(), y_desc: t.y_label.as_str(), x_area: 70, y_area: 80, right_area: 0, y_labels: 8 },
        &|v| format!("{v:.0}"),
    )?;
    let annotate = t.series.len() <= 2 && n <= 13;
    for (label, v) in &t.targets {
        let line = [(-0.5, *v), (n as f64 - 0.5, *v)];
        chart.draw_series(DashedLineSeries::new(line, 10, 6, TARGET.stroke_width(2)))?;
        let (px, py) = chart.backend_coord(&(n as f64 - 0.5, *v));
        root.draw_text(label, &font(13, &TARGET).pos(Pos::new(HPos::Right, VPos::Bottom)), (px - 4, py - 4))?;
    }
    for (s, &color) in t.series.iter().zip(&colors) {
        if !bands {
            continue;
        }
        for run in runs(&s.points, |p| p.low.zip(p.high).map(|(l, h)| (p.value, l, h))) {
            if run.len() == 1 {
                let (x, (_, l, h)) = run[0];
                chart.draw_series(std::iter::once(PathElement::new(vec![(x, l), (x, h)], color.mix(0.4).stroke_width(6))))?;
            } else {
                let mut outline: Vec<(f64, f64)> = run.iter().map(|(x, (_, _, h))| (*x, *h)).collect();
                outline.extend(run.iter().rev().map(|(x, (_, l, _))| (*x, *l)));
                chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.15).filled())))?;
            }
        }
    }
    for (s, &color) in t.series.iter().zip(&colors) {
        for run in runs(&s.points, |p| Some(p.value)) {
            let pixels: Vec<(i32, i32)> = run.iter().map(|(x, v)| chart.backend_coord(&(*x, *v))).collect();
            thick_line(root, &pixels, 3.0, color)?;
        }
        let points: Vec<(f64, f64)> = s.points.iter().enumerate().filter_map(|(i, p)| p.map(|p| (i as f64, p.value))).collect();
        // A low-base point is a hollow ring: its value rests on few answers.
        let markers = s.points.iter().enumerate().filter_map(|(i, p)| p.map(|p| (i as f64, p)));
        chart.draw_series(markers.map(|(x, p)| {
            if p.low_base {
                Circle::new((x, p.value), 5, WHITE.filled())
            } else {
                Circle::new((x, p.value), 4, color.filled())
            }
        }))?;
        let rings = s.points.iter().enumerate().filter_map(|(i, p)| p.filter(|p| p.low_base).map(|p| (i as f64, p.value)));
        chart.draw_series(rings.map(|xy| Circle::new(xy, 5, color.stroke_width(2))))?;
        if annotate {
            let at: Vec<(i32, i32)> = points.iter().map(|p| chart.backend_coord(p)).collect();
            for (i, (x, v)) in points.iter().enumerate() {
                // Neighbours on the line (a gap breaks it: no neighbour there).
                let left = (i > 0 && points[i - 1].0 == x - 1.0).then(|| at[i - 1]);
                let right = points.get(i + 1).filter(|p| p.0 == x + 1.0).map(|_| at[i + 1]);
                let text = format!("{v:.1}");
                let (px, py) = at[i];
                let ((hpos, vpos), (dx, dy)) = label_place(at[i], left, right);
                let style = font(13, &color).pos(Pos::new(hpos, vpos));
                let (w, h) = root.estimate_text_size(&text, &style)?;
                let (w, h) = (w as i32, h as i32);
                let (x0, y0) = (
                    match hpos {
                        HPos::Left => px + dx,
                        HPos::Right => px + dx - w,
                        HPos::Center => px + dx - w / 2,
                    },
                    match vpos {
                        VPos::Top => py + dy,
                        VPos::Bottom => py + dy - h,
                        VPos::Center => py + dy - h / 2,
                    },
                );
                // A white plate under the number: the band or another line never runs through it.
                root.draw(&Rectangle::new([(x0 - 2, y0 - 1), (x0 + w + 2, y0 + h + 1)], WHITE.mix(0.85).filled()))?;
                root.draw_text(&text, &style, (px + dx, py + dy))?;
            }
        }
    }
    category_labels(root, |i| chart.backend_coord(&(i as f64, y0)), &t.periods, None, 14)
}

/// A line of constant width through `points` (pixels): each segment a rectangle as wide as
/// `width` across its direction, the joins filled by discs. The bitmap backend's own wide lines
/// come out thicker on steep segments than on flat ones.
fn thick_line<DB: DrawingBackend>(root: &Area<DB>, points: &[(i32, i32)], width: f64, color: RGBColor) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let half = width / 2.0;
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let length = dx.hypot(dy);
        if length == 0.0 {
            continue;
        }
        let (nx, ny) = (-dy / length * half, dx / length * half);
        let corner = |x: i32, y: i32, sign: f64| ((f64::from(x) + sign * nx).round() as i32, (f64::from(y) + sign * ny).round() as i32);
        let quad = vec![corner(x0, y0, 1.0), corner(x1, y1, 1.0), corner(x1, y1, -1.0), corner(x0, y0, -1.0)];
        root.draw(&Polygon::new(quad, color.filled()))?;
    }
    for &p in points.iter().skip(1).take(points.len().saturating_sub(2)) {
        root.draw(&Circle::new(p, half.round() as i32, color.filled()))?;
    }
    Ok(())
}

/// Where a point's number goes so that its line does not strike it: above the point when
/// neither segment leaves upwards, below when neither leaves downwards, else in the upper (or
/// lower) corner that no segment crosses. Returns the text's anchor and its offset from the
/// point, in pixels (y grows downwards).
fn label_place(at: (i32, i32), left: Option<(i32, i32)>, right: Option<(i32, i32)>) -> ((HPos, VPos), (i32, i32)) {
    // A neighbour higher on the screen (smaller y) takes that upper corner; lower, the lower one.
    let up = |n: Option<(i32, i32)>| n.is_some_and(|n| n.1 < at.1);
    let down = |n: Option<(i32, i32)>| n.is_some_and(|n| n.1 >= at.1);
    const GAP: i32 = 9;
    if !up(left) && !up(right) {
        ((HPos::Center, VPos::Bottom), (0, -GAP))
    } else if !down(left) && !down(right) {
        ((HPos::Center, VPos::Top), (0, GAP))
    } else if up(left) {
        // The left segment leaves upwards, the right one downwards: the upper right is free.
        ((HPos::Left, VPos::Bottom), (GAP - 2, -GAP + 2))
    } else {
        ((HPos::Right, VPos::Bottom), (-GAP + 2, -GAP + 2))
    }
}

/// The axis set-up shared by the charts with categories (periods, groups, scores, causes) on x.
struct Axes<'a> {
    x_desc: &'a str,
    y_desc: &'a str,
    x_area: u32,
    y_area: u32,
    /// Room for a right-hand axis (0 for none).
    right_area: u32,
    y_labels: usize,
}

type Plane = Cartesian2d<RangedCoordf64, RangedCoordf64>;
/// A chart with a second y axis on the right (used by the Pareto; idle elsewhere).
type CategoryChart<'a, DB> = plotters::chart::DualCoordChartContext<'a, DB, Plane, Plane>;

/// A chart with categories at x = 0, 1, … (labelled by [`category_labels`], not by the mesh) and
/// a numeric y axis, with the house margins, fonts and grid. `right` is the range of the
/// right-hand axis, which the caller labels with `configure_secondary_axes` (only when
/// `axes.right_area` leaves room for it). It is set before the mesh is drawn, so that the left
/// axis's labels are not repeated on the right.
fn category_chart<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    (x, y, right): (std::ops::Range<f64>, std::ops::Range<f64>, std::ops::Range<f64>),
    axes: &Axes,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<CategoryChart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left(20)
        .margin_right(if axes.right_area > 0 { 20 } else { 40 })
        .margin_top(10)
        .margin_bottom(14)
        .x_label_area_size(axes.x_area)
        .y_label_area_size(axes.y_area)
        .right_y_label_area_size(axes.right_area)
        .build_cartesian_2d(x.clone(), y)?
        .set_secondary_coord(x, right);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(axes.y_labels)
        .y_label_formatter(y_format)
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .axis_desc_style(font(16, &INK))
        .label_style(font(14, &INK))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()?;
    Ok(chart)
}

/// Runs of consecutive present values, as (x, value) pairs.
fn runs<T: Copy, P: Copy>(points: &[Option<P>], value: impl Fn(&P) -> Option<T>) -> Vec<Vec<(f64, T)>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.as_ref().and_then(&value) {
            Some(v) => current.push((i as f64, v)),
            None => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn composition<DB: DrawingBackend>(root: &Area<DB>, c: &Composition) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let legend =
        [key("detractors (0–6)", DETRACTOR, false), key("passives (7–8)", PASSIVE, false), key("promoters (9–10)", PROMOTER, false)];
    let body = header(root, &c.title, &c.subtitle, &legend)?;
    let n = c.bars.len().max(1);
    let mut chart = category_chart(
        &body,
        (-0.5..(n as f64 - 0.5), 0.0..112.0, 0.0..1.0),
        &Axes { x_desc: c.x_label.as_str(), y_desc: "share of respondents %", x_area: 90, y_area: 80, right_area: 0, y_labels: 12 },
        &|v| if *v <= 100.0 { format!("{v:.0}") } else { String::new() },
    )?;
    let half = 0.36;
    let layers: [(RGBColor, Span); 3] = [
        (DETRACTOR, |b| (0.0, b.detractors)),
        (PASSIVE, |b| (b.detractors, b.detractors + b.passives)),
        (PROMOTER, |b| (b.detractors + b.passives, b.detractors + b.passives + b.promoters)),
    ];
    for (color, span) in layers {
        let rects = c.bars.iter().enumerate().map(|(i, b)| {
            let (from, to) = span(b);
            // A low-base bar is faded: its shares rest on few answers.
            let fill = if b.low_base { color.mix(0.45).filled() } else { color.filled() };
            Rectangle::new([(i as f64 - half, from), (i as f64 + half, to)], fill)
        });
        chart.draw_series(rects)?;
        for (i, b) in c.bars.iter().enumerate() {
            let (from, to) = span(b);
            if to - from >= 5.0 {
                let (px, py) = chart.backend_coord(&(i as f64, (from + to) / 2.0));
                let style = font(14, if b.low_base { &INK } else { &WHITE }).pos(Pos::new(HPos::Center, VPos::Center));
                root.draw_text(&format!("{:.0}%", to - from), &style, (px, py))?;
            }
        }
    }
    let style = font(15, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, b) in c.bars.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, 100.0));
        root.draw_text(&format!("NPS {:+.1}", b.nps), &style, (px, py - 6))?;
    }
    let labels: Vec<String> = c.bars.iter().map(|b| b.label.clone()).collect();
    let bases: Vec<String> = c.bars.iter().map(|b| format!("n = {}{}", b.n, if b.low_base { " · low base" } else { "" })).collect();
    category_labels(root, |i| chart.backend_coord(&(i as f64, 0.0)), &labels, Some(&bases), 30)
}

fn histogram<DB: DrawingBackend>(root: &Area<DB>, h: &Histogram) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let legend = [key(&h.bands[0], DETRACTOR, false), key(&h.bands[1], PASSIVE, false), key(&h.bands[2], PROMOTER, false)];
    let body = header(root, &h.title, &h.subtitle, &legend)?;
    let n = h.bins.len().max(1);
    let total: f64 = h.bins.iter().fold(0.0, |a, b| a + b.1);
    let top = h.bins.iter().fold(0.0f64, |a, b| a.max(b.1)).max(1.0) * 1.15;
    let mut chart = category_chart(
        &body,
        (-0.5..(n as f64 - 0.5), 0.0..top, 0.0..1.0),
        &Axes { x_desc: h.x_label.as_str(), y_desc: "responses", x_area: 70, y_area: 90, right_area: 0, y_labels: 8 },
        &|v| format!("{v:.0}"),
    )?;
    for (band, color) in [(Band::Low, DETRACTOR), (Band::Middle, PASSIVE), (Band::High, PROMOTER)] {
        let rects = h
            .bins
            .iter()
            .enumerate()
            .filter(|(_, b)| b.2 == band)
            .map(|(i, b)| Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, b.1)], color.filled()));
        chart.draw_series(rects)?;
    }
    let style = font(13, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, b) in h.bins.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, b.1));
        let share = if total > 0.0 { 100.0 * b.1 / total } else { 0.0 };
        root.draw_text(&format!("{} ({share:.1}%)", b.1), &style, (px, py - 4))?;
    }
    let labels: Vec<String> = h.bins.iter().map(|b| b.0.to_string()).collect();
    category_labels(root, |i| chart.backend_coord(&(i as f64, 0.0)), &labels, None, 30)
}

/// The bars of a Pareto chart: the largest causes, the rest merged into one "other" bar.
fn pareto_bars(items: &[(String, f64, f64)]) -> Vec<(String, f64, f64)> {
    if items.len() <= PARETO_BARS {
        return items.to_vec();
    }
    let keep = PARETO_BARS - 1;
    let mut bars = items[..keep].to_vec();
    let rest = items[keep..].iter().fold(0.0, |a, i| a + i.1);
    bars.push((format!("other ({} causes)", items.len() - keep), rest, items.last().map_or(100.0, |i| i.2)));
    bars
}

fn pareto<DB: DrawingBackend>(root: &Area<DB>, p: &Pareto) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let legend = [key("complaints", BAR, false), key("cumulative %", CUMULATIVE, true), key("80% mark", MUTED, true)];
    let body = header(root, &p.title, &p.subtitle, &legend)?;
    let bars = pareto_bars(&p.items);
    let n = bars.len().max(1);
    let top = bars.iter().fold(0.0f64, |a, b| a.max(b.1)).max(1.0) * 1.1;
    let x = -0.5..(n as f64 - 0.5);
    let mut chart = category_chart(
        &body,
        (x.clone(), 0.0..top, 0.0..105.0),
        &Axes { x_desc: p.x_label.as_str(), y_desc: "complaints", x_area: 70, y_area: 90, right_area: 80, y_labels: 8 },
        &|v| format!("{v:.0}"),
    )?;
    chart
        .configure_secondary_axes()
        .y_labels(8)
        .y_label_formatter(&|v| if *v <= 100.0 { format!("{v:.0}%") } else { String::new() })
        .y_desc("cumulative share %")
        .axis_desc_style(font(16, &INK))
        .label_style(font(14, &INK))
        .draw()?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, b.1)], BAR.filled())))?;
    let style = font(13, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, b) in bars.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, b.1));
        root.draw_text(&format!("{}", b.1), &style, (px, py - 4))?;
    }
    let x_end = n as f64 - 0.5;
    chart.draw_secondary_series(DashedLineSeries::new(vec![(-0.5, 80.0), (x_end, 80.0)], 8, 6, MUTED.stroke_width(2)))?;
    let cumulative: Vec<(f64, f64)> = bars.iter().enumerate().map(|(i, b)| (i as f64, b.2)).collect();
    chart.draw_secondary_series(LineSeries::new(cumulative.clone(), CUMULATIVE.stroke_width(3)))?;
    chart.draw_secondary_series(cumulative.iter().map(|xy| Circle::new(*xy, 4, CUMULATIVE.filled())))?;
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    category_labels(root, |i| chart.backend_coord(&(i as f64, 0.0)), &labels, None, PARETO_BARS)
}

/// The colour of an NPS against the overall one: grey at the overall NPS, turning vermillion as
/// it falls towards −100 and blue as it rises towards +100.
fn nps_color(nps: Option<f64>, overall: f64) -> RGBColor {
    let Some(nps) = nps else { return PASSIVE };
    let (to, s) = if nps < overall {
        (DETRACTOR, (overall - nps) / (overall + 100.0).max(1e-9))
    } else {
        (PROMOTER, (nps - overall) / (100.0 - overall).max(1e-9))
    };
    blend(PASSIVE, to, s)
}

fn themes<DB: DrawingBackend>(root: &Area<DB>, t: &ThemeChart) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let legend = [key("bar: % of comments that mention the theme", PASSIVE, false)];
    let body = header(root, &t.title, &t.subtitle, &legend)?;
    let overall = t.overall.unwrap_or(0.0);
    // The colour key on the legend's row: NPS −100 to +100, the overall NPS marked.
    if t.bars.iter().any(|b| b.nps.is_some()) {
        let (x0, x1, y) = (800, 1120, 80);
        for x in x0..x1 {
            let nps = -100.0 + 200.0 * f64::from(x - x0) / f64::from(x1 - x0);
            root.draw(&Rectangle::new([(x, y), (x + 1, y + 12)], nps_color(Some(nps), overall).filled()))?;
        }
        let at = x0 + ((overall + 100.0) / 200.0 * f64::from(x1 - x0)).round() as i32;
        root.draw(&PathElement::new(vec![(at, y - 3), (at, y + 15)], INK.stroke_width(2)))?;
        let small = font(12, &MUTED).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text("−100", &small, (x0, y + 15))?;
        root.draw_text("+100", &small, (x1, y + 15))?;
        let mark = font(12, &INK).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text(&format!("all commenters {}", signed(overall)), &mark, (at, y + 15))?;
        let name = font(14, &INK).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw_text("colour: NPS of those who mention it", &name, (x0 - 12, y + 6))?;
    }
    let n = t.bars.len().max(1);
    let top = t.bars.iter().fold(0.0f64, |a, b| a.max(b.share)).max(1.0) * 1.18;
    let mut chart = category_chart(
        &body,
        (-0.5..(n as f64 - 0.5), 0.0..top.min(118.0), 0.0..1.0),
        &Axes { x_desc: "theme", y_desc: "% of comments mentioning it", x_area: 70, y_area: 90, right_area: 0, y_labels: 8 },
        &|v| format!("{v:.0}"),
    )?;
    chart.draw_series(
        t.bars
            .iter()
            .enumerate()
            .map(|(i, b)| Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, b.share)], nps_color(b.nps, overall).filled())),
    )?;
    let style = font(13, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, b) in t.bars.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, b.share));
        root.draw_text(&format!("{:.1}%", b.share), &style, (px, py - 20))?;
        let nps = b.nps.map_or("no NPS".to_string(), |v| format!("NPS {}", signed(v)));
        root.draw_text(&nps, &font(12, &MUTED).pos(Pos::new(HPos::Center, VPos::Bottom)), (px, py - 4))?;
    }
    let labels: Vec<String> = t.bars.iter().map(|b| b.label.clone()).collect();
    category_labels(root, |i| chart.backend_coord(&(i as f64, 0.0)), &labels, None, 30)
}

fn intervals<DB: DrawingBackend>(root: &Area<DB>, t: &IntervalChart) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut legend = Vec::new();
    if t.bars.iter().any(|b| b.value >= 0.0) {
        legend.push(key(if t.limits.0 < 0.0 { "bar: estimate, at or above zero" } else { "bar: estimate" }, BAR, false));
    }
    if t.bars.iter().any(|b| b.value < 0.0) {
        legend.push(key("bar: estimate, below zero", DETRACTOR, false));
    }
    legend.push(key("whisker: confidence interval", INK, true));
    let body = header(root, &t.title, &t.subtitle, &legend)?;
    let n = t.bars.len().max(1);
    let ends = t.bars.iter().flat_map(|b| [Some(b.value), b.low, b.high]).flatten();
    let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = padded(lo, hi, t.limits);
    let mut chart = category_chart(
        &body,
        (-0.5..(n as f64 - 0.5), lo..hi, 0.0..1.0),
        &Axes { x_desc: "", y_desc: &t.y_label, x_area: 50, y_area: 90, right_area: 0, y_labels: 8 },
        &|v| crate::output::columns::human_number(*v, 1, false),
    )?;
    chart.draw_series(t.bars.iter().enumerate().map(|(i, b)| {
        let color = if b.value < 0.0 { DETRACTOR } else { BAR };
        Rectangle::new([(i as f64 - 0.35, 0.0), (i as f64 + 0.35, b.value)], color.filled())
    }))?;
    if lo < 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)], INK.stroke_width(1))))?;
    }
    for (i, b) in t.bars.iter().enumerate() {
        let x = i as f64;
        if let (Some(l), Some(h)) = (b.low, b.high) {
            let whisker = vec![(x, l), (x, h)];
            chart.draw_series(std::iter::once(PathElement::new(whisker, INK.stroke_width(2))))?;
            for end in [l, h] {
                chart.draw_series(std::iter::once(PathElement::new(vec![(x - 0.08, end), (x + 0.08, end)], INK.stroke_width(2))))?;
            }
        }
        let top = if b.value < 0.0 { b.low.unwrap_or(b.value).min(b.value) } else { b.high.unwrap_or(b.value).max(b.value) };
        let (px, py) = chart.backend_coord(&(x + 0.12, top));
        let (pos, dy) = if b.value < 0.0 { (VPos::Top, 4) } else { (VPos::Bottom, -4) };
        root.draw_text(
            &crate::output::columns::human_number(b.value, 2, t.limits.0 < 0.0),
            &font(13, &INK).pos(Pos::new(HPos::Left, pos)),
            (px, py + dy),
        )?;
    }
    let labels: Vec<String> = t.bars.iter().map(|b| b.label.clone()).collect();
    category_labels(root, |i| chart.backend_coord(&(i as f64, lo)), &labels, None, 20)
}

/// "+12.3", "−4.0", "0.0".
fn signed(v: f64) -> String {
    crate::output::columns::human_number(v, 1, true)
}

/// White to blue by `share` (0–1).
fn heat(share: f64) -> RGBColor {
    blend(RGBColor(247, 251, 255), RGBColor(8, 69, 148), share)
}

/// The colour `share` (0–1, clamped) of the way from `from` to `to`.
fn blend(from: RGBColor, to: RGBColor, share: f64) -> RGBColor {
    let s = share.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * s).round() as u8;
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

fn heatmap<DB: DrawingBackend>(root: &Area<DB>, h: &Heatmap) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let body = header(root, &h.title, &h.subtitle, &[])?;
    let (w, ht) = body.dim_in_pixel();
    let (w, ht) = (w as i32, ht as i32);
    let (left, top, right, bottom) = (190, 64, 110, 50);
    let cols = h.columns.len().max(1) as i32;
    let rows = h.rows.len().max(1) as i32;
    let cell_w = ((w - left - right) / cols).max(8);
    let cell_h = ((ht - top - bottom) / rows).clamp(6, 40);
    // Column 0 is 100% by definition; the colour scale runs to the largest later value.
    let scale = h.cells.iter().flat_map(|r| r.iter().skip(1).flatten()).fold(0.0f64, |a, v| a.max(*v)).max(1.0);
    let label = font(13, &INK).pos(Pos::new(HPos::Right, VPos::Center));
    let head = font(13, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let show_values = cell_w >= 34 && cell_h >= 16;
    for (c, name) in h.columns.iter().enumerate() {
        let step = (h.columns.len() as i32 * 30 / (w - left - right)).max(0) as usize + 1;
        if c % step == 0 {
            body.draw_text(name, &head, (left + c as i32 * cell_w + cell_w / 2, top - 6))?;
        }
    }
    body.draw_text(
        &h.x_label,
        &font(15, &INK).pos(Pos::new(HPos::Center, VPos::Top)),
        (left + cols * cell_w / 2, top + rows * cell_h + 10),
    )?;
    body.draw_text(&h.y_label, &font(15, &INK).pos(Pos::new(HPos::Left, VPos::Top)), (20, 6))?;
    for (r, row) in h.cells.iter().enumerate() {
        let y = top + r as i32 * cell_h;
        let row_step = (14 / cell_h.max(1)) as usize + 1;
        if r % row_step == 0 {
            let text = fit(&body, &h.rows[r], &label, (left - 30) as u32);
            body.draw_text(&text, &label, (left - 8, y + cell_h / 2))?;
        }
        for (c, value) in row.iter().enumerate() {
            let x = left + c as i32 * cell_w;
            let Some(v) = value else { continue };
            let intensity = if c == 0 { 0.0 } else { v / scale };
            let fill = if c == 0 { RGBColor(224, 224, 224) } else { heat(intensity) };
            body.draw(&Rectangle::new([(x, y), (x + cell_w - 1, y + cell_h - 1)], fill.filled()))?;
            if show_values {
                let ink = if intensity > 0.55 { WHITE } else { INK };
                let style = font(12, &ink).pos(Pos::new(HPos::Center, VPos::Center));
                let text = if cell_w >= 48 { format!("{v:.1}") } else { format!("{v:.0}") };
                body.draw_text(&text, &style, (x + cell_w / 2, y + cell_h / 2))?;
            }
        }
    }
    // Colour key.
    let (kx, ky, kh) = (w - right + 30, top, (rows * cell_h).min(300));
    for s in 0..kh {
        let share = 1.0 - f64::from(s) / f64::from(kh.max(1));
        body.draw(&Rectangle::new([(kx, ky + s), (kx + 18, ky + s + 1)], heat(share).filled()))?;
    }
    let key = font(12, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    body.draw_text(&format!("{scale:.0}%"), &key, (kx + 24, ky))?;
    body.draw_text("0%", &key, (kx + 24, ky + kh))?;
    Ok(())
}

/// The importance–performance matrix: a scatter of labelled drivers, dashed crosshairs at the
/// means and the quadrant names in the corners (the "concentrate here" corner in red).
fn quadrants<DB: DrawingBackend>(root: &Area<DB>, q: &Quadrants) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let body = header(root, &q.title, &q.subtitle, &[])?;
    let bounds = |values: Vec<f64>, mid: f64| {
        let lo = values.iter().copied().fold(mid, f64::min);
        let hi = values.iter().copied().fold(mid, f64::max);
        let pad = ((hi - lo) * 0.15).max(0.05 * hi.abs().max(1.0));
        (lo - pad, hi + pad)
    };
    let (x0, x1) = bounds(q.points.iter().map(|p| p.x).collect(), q.x_mid);
    let (y0, y1) = bounds(q.points.iter().map(|p| p.y).collect(), q.y_mid);
    let y0 = y0.max(0.0).min(q.y_mid);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(20)
        .margin_right(40)
        .margin_top(10)
        .margin_bottom(14)
        .x_label_area_size(70)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc(q.x_label.as_str())
        .y_desc(q.y_label.as_str())
        .axis_desc_style(font(16, &INK))
        .label_style(font(14, &INK))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()?;
    let dashed = |from: (f64, f64), to: (f64, f64)| {
        let steps = 60;
        (0..steps).step_by(2).map(move |i| {
            let at = |t: f64| (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            PathElement::new(vec![at(f64::from(i) / f64::from(steps)), at(f64::from(i + 1) / f64::from(steps))], MUTED.stroke_width(2))
        })
    };
    chart.draw_series(dashed((q.x_mid, y0), (q.x_mid, y1)))?;
    chart.draw_series(dashed((x0, q.y_mid), (x1, q.y_mid)))?;
    let corner = |x: f64, y: f64| chart.backend_coord(&(x, y));
    let names = [
        (&q.names[0], corner(x0, y1), (true, true), DETRACTOR),
        (&q.names[1], corner(x1, y1), (false, true), PROMOTER),
        (&q.names[2], corner(x0, y0), (true, false), MUTED),
        (&q.names[3], corner(x1, y0), (false, false), MUTED),
    ];
    for (name, (px, py), (left, top), color) in names {
        let h = if left { HPos::Left } else { HPos::Right };
        let v = if top { VPos::Top } else { VPos::Bottom };
        let (dx, dy) = (if left { 12 } else { -12 }, if top { 10 } else { -10 });
        root.draw_text(name, &font(18, &color).pos(Pos::new(h, v)), (px + dx, py + dy))?;
    }
    for p in &q.points {
        let color = if p.y >= q.y_mid && p.x < q.x_mid { DETRACTOR } else { BAR };
        chart.draw_series(std::iter::once(Circle::new((p.x, p.y), 7, color.filled())))?;
        let (px, py) = chart.backend_coord(&(p.x, p.y));
        let label = font(14, &INK).pos(Pos::new(HPos::Left, VPos::Center));
        let text = fit(root, &p.label, &label, 220);
        root.draw_text(&text, &label, (px + 11, py))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point's number goes where its line does not run (screen y grows downwards); the
    /// offset from the point tells the place: above (0, −9), below (0, 9), upper right (7, −7),
    /// upper left (−7, −7).
    #[test]
    fn labels_sit_where_the_line_leaves_room() {
        let place = |left: Option<i32>, right: Option<i32>| label_place((100, 100), left.map(|y| (80, y)), right.map(|y| (120, y))).1;
        assert_eq!(place(Some(120), Some(130)), (0, -9), "a peak: above");
        assert_eq!(place(Some(80), Some(70)), (0, 9), "a valley: below");
        assert_eq!(place(Some(120), Some(80)), (-7, -7), "rising: the upper left is free");
        assert_eq!(place(Some(80), Some(120)), (7, -7), "falling: the upper right is free");
        assert_eq!(place(None, Some(80)), (0, 9), "a first point below its next: below");
        assert_eq!(place(None, None), (0, -9), "a lone point: above");
    }

    #[test]
    fn runs_split_at_gaps() {
        let points = [Some(1.0), Some(2.0), None, Some(4.0)];
        let r = runs(&points, |v| Some(*v));
        assert_eq!(r, vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(3.0, 4.0)]]);
    }

    #[test]
    fn pareto_merges_the_tail_into_other() {
        // 20 causes of 5 each = 100: bars 1–14 kept, the last 6 (30 complaints) become "other".
        let items: Vec<(String, f64, f64)> = (0..20).map(|i| (format!("c{i}"), 5.0, 5.0 * (i + 1) as f64)).collect();
        let bars = pareto_bars(&items);
        assert_eq!(bars.len(), 15);
        assert_eq!(bars[14], ("other (6 causes)".to_string(), 30.0, 100.0));
    }

    #[test]
    fn axis_padding_stays_in_limits() {
        assert_eq!(padded(10.0, 60.0, (0.0, 100.0)), (6.0, 64.0));
        assert_eq!(padded(2.0, 99.0, (0.0, 100.0)), (0.0, 100.0));
        assert_eq!(padded(f64::INFINITY, f64::NEG_INFINITY, (0.0, 100.0)), (0.0, 100.0));
    }
}
