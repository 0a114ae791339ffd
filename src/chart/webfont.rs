//! The bundled font cut down to the characters a page uses, for a web page to embed: the HTML
//! scorecard renders its Chinese text and chart labels the same on a machine with no CJK font
//! (a headless browser on a server, a locked-down laptop), at a few kilobytes per hundred
//! characters instead of the whole 3 MB font.

use std::collections::BTreeSet;

use ab_glyph::Font;
use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{subset, CmapTarget, SubsetProfile};
use base64::Engine;

use super::FONT;

/// The family name the page's CSS gives the embedded font.
pub const FAMILY: &str = "cxstat-noto-sc";

/// The bundled font with only the glyphs of `chars` that it has (and `.notdef`), as an
/// OpenType font with a Unicode cmap; `None` when it has none of them or cannot be cut.
pub fn subset_for(chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let face = ab_glyph::FontRef::try_from_slice(FONT).ok()?;
    let mut glyphs: BTreeSet<u16> = chars.iter().map(|&c| face.glyph_id(c).0).filter(|&g| g != 0).collect();
    if glyphs.is_empty() {
        return None;
    }
    glyphs.insert(0);
    let ids: Vec<u16> = glyphs.into_iter().collect();
    let font = ReadScope::new(FONT).read::<FontData<'_>>().ok()?;
    let provider = font.table_provider(0).ok()?;
    subset(&provider, &ids, &SubsetProfile::Minimal, CmapTarget::Unicode).ok()
}

/// A CSS `@font-face` rule embedding the font cut to the characters of `text` that are not
/// ASCII (Latin text is left to the reader's own fonts), or "" when none needs it.
pub fn font_face(text: &str) -> String {
    let chars: BTreeSet<char> = text.chars().filter(|c| !c.is_ascii()).collect();
    match subset_for(&chars) {
        Some(bytes) => format!(
            "@font-face{{font-family:'{FAMILY}';src:url(data:font/otf;base64,{}) format('opentype');}}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_holds_what_was_asked_and_is_small() {
        let chars: BTreeSet<char> = "中小企业回头率".chars().collect();
        let bytes = subset_for(&chars).expect("a subset");
        // Read back: each character has a glyph, others do not.
        let face = ab_glyph::FontRef::try_from_slice(&bytes).expect("a font");
        for c in chars {
            assert_ne!(face.glyph_id(c).0, 0, "{c}");
        }
        assert_eq!(face.glyph_id('满').0, 0, "not asked for");
        assert!(bytes.len() < 20_000, "{} bytes for 7 characters", bytes.len());
        // Nothing to embed for ASCII text or characters the font lacks.
        assert_eq!(font_face("NPS 25.4"), "");
        assert_eq!(subset_for(&['\u{10FFFD}'].into_iter().collect()), None);
        assert!(font_face("回头率").starts_with("@font-face{font-family:'cxstat-noto-sc';src:url(data:font/otf;base64,"));
    }
}
