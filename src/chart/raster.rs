//! Text for PNG charts. plotters 0.3.7 draws each glyph at the pen position without its left
//! side bearing (letters bunch up and gap: "NP S") and reads the font size as the line height
//! (ascent − descent) rather than the em, so text comes out about 30% smaller than in SVG. This
//! backend wraps the bitmap backend and lays text out with ab_glyph itself: font size = em size,
//! as in SVG and browsers, and glyphs placed by their bounds.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

use super::FONT;

/// Where the baseline sits below the top of a line of text, in ems: CJK ideographs fill the em
/// box from about 0.88 above the baseline to 0.12 below.
const BASELINE: f32 = 0.88;

fn font() -> &'static FontRef<'static> {
    static PARSED: OnceLock<FontRef<'static>> = OnceLock::new();
    PARSED.get_or_init(|| FontRef::try_from_slice(FONT).expect("the bundled font was checked at registration"))
}

/// The ab_glyph scale for a font size in pixels per em.
fn scale_for(em: f64) -> PxScale {
    let f = font();
    let units = f.units_per_em().unwrap_or(1000.0);
    PxScale::from(em as f32 * f.height_unscaled() / units)
}

fn width(text: &str, em: f64) -> f32 {
    let scaled = font().as_scaled(scale_for(em));
    text.chars().fold(0.0, |w, c| w + scaled.h_advance(scaled.glyph_id(c)))
}

/// A bitmap backend with correct text layout.
pub struct Raster<'a> {
    pub inner: BitMapBackend<'a>,
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, style: &S, fill: bool) -> Result<(), Error<'a>> {
        self.inner.draw_rect(a, b, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), Error<'a>> {
        Ok((width(text, style.size()).ceil() as u32, style.size().ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let em = style.size();
        let scaled = font().as_scaled(scale_for(em));
        let (w, h) = (width(text, em), em as f32);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -h / 2.0,
            VPos::Bottom => -h,
        };
        let transform = style.transform();
        let (size_w, size_h) = self.get_size();
        let mut pen = dx;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            let glyph = id.with_scale_and_position(scaled.scale(), point(pen, dy + BASELINE * h));
            pen += scaled.h_advance(id);
            let Some(outline) = font().outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| pixels.push((x, y, coverage)));
            for (x, y, coverage) in pixels {
                if coverage <= 0.0 {
                    continue;
                }
                let (x, y) = transform.transform(bounds.min.x as i32 + x as i32, bounds.min.y as i32 + y as i32);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && y >= 0 && (x as u32) < size_w && (y as u32) < size_h {
                    let alpha = color.alpha * f64::from(coverage.min(1.0));
                    self.inner.draw_pixel((x, y), BackendColor { alpha, rgb: color.rgb })?;
                }
            }
        }
        Ok(())
    }
}
