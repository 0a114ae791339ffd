//! Themes: named sets of keywords (and regular expressions) that a comment can mention.
//!
//! How a keyword matches:
//! - A keyword with a Chinese character matches wherever its characters appear, in order and
//!   next to each other, in the lower-cased comment: Chinese is written without spaces, and a
//!   segmenter would hide 快递 inside 快递员 (courier). So `慢` matches 太慢了 and 慢慢.
//! - Any other keyword is read as words (split as comments are, lower-cased) and matches those
//!   words next to each other in one clause of the comment, whole: `late` matches "was late,"
//!   but not "chocolate" or "later"; `call back` matches "call back" but not "call, back". A
//!   word ending in `*` matches the words that start with it (`refund*`: refund, refunds,
//!   refunded).
//! - `regex` entries are regular expressions (Rust `regex` syntax, case-insensitive) searched
//!   in the comment as written.
//! - A comment that matches any `exclude` entry (keywords as above) does not mention the theme.
//!
//! A comment can mention several themes.

use std::collections::BTreeMap;

use anyhow::Result;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::{is_han, latin_clauses, Comment};
use crate::error::usage;

/// The built-in themes, as `[themes.NAME]` tables.
const BUILTIN: &str = include_str!("themes.toml");

/// The most themes a run can have (one bit each of a 64-bit mask; the last bit says whether the
/// comment has text).
pub const MAX_THEMES: usize = 63;

/// A theme as written in the config: `[themes.delivery] keywords = [...]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub regex: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Builtin {
    themes: BTreeMap<String, ThemeConfig>,
}

/// The built-in themes' settings.
pub fn builtin() -> BTreeMap<String, ThemeConfig> {
    // The file is part of the program and parsed by a test: it cannot fail at run time.
    toml::from_str::<Builtin>(BUILTIN).map(|b| b.themes).unwrap_or_default()
}

/// One word of a keyword: the word, or (`refund*`) the start of a word.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    text: String,
    prefix: bool,
}

impl Pattern {
    fn matches(&self, token: &str) -> bool {
        if self.prefix {
            token.starts_with(&self.text)
        } else {
            token == self.text
        }
    }
}

/// A keyword, ready to match.
#[derive(Debug, Clone, PartialEq)]
enum Keyword {
    /// Found as it is in the lower-cased comment.
    Han(String),
    /// Words next to each other in a clause.
    Words(Vec<Pattern>),
}

impl Keyword {
    fn parse(text: &str, theme: &str) -> Result<Keyword> {
        let lower = text.trim().to_lowercase();
        if lower.chars().any(is_han) {
            return Ok(Keyword::Han(lower));
        }
        let mut patterns = Vec::new();
        for part in lower.split_whitespace() {
            let (body, prefix) = match part.strip_suffix('*') {
                Some(body) => (body, true),
                None => (part, false),
            };
            let words: Vec<String> = latin_clauses(body).concat();
            let count = words.len();
            for (i, word) in words.into_iter().enumerate() {
                patterns.push(Pattern { text: word, prefix: prefix && i + 1 == count });
            }
        }
        if patterns.is_empty() {
            return Err(usage(format!("[themes.{theme}]: the keyword '{text}' has no word in it (letters or digits)")));
        }
        Ok(Keyword::Words(patterns))
    }

    fn matches(&self, comment: &Comment) -> bool {
        match self {
            Keyword::Han(text) => comment.lower.contains(text.as_str()),
            Keyword::Words(patterns) => comment
                .clauses
                .iter()
                .any(|clause| clause.windows(patterns.len()).any(|w| w.iter().zip(patterns).all(|(token, p)| p.matches(token)))),
        }
    }
}

/// A theme, ready to match comments.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    keywords: Vec<Keyword>,
    regex: Vec<Regex>,
    exclude: Vec<Keyword>,
}

impl Theme {
    /// Checks and compiles a theme's settings (exit 2 on a keyword without words or a bad
    /// regular expression).
    pub fn new(name: &str, config: &ThemeConfig) -> Result<Theme> {
        let keywords = config.keywords.iter().map(|k| Keyword::parse(k, name)).collect::<Result<Vec<_>>>()?;
        let exclude = config.exclude.iter().map(|k| Keyword::parse(k, name)).collect::<Result<Vec<_>>>()?;
        let regex = config
            .regex
            .iter()
            .map(|r| {
                RegexBuilder::new(r)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| usage(format!("[themes.{name}]: the regex '{r}' is not valid: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        if keywords.is_empty() && regex.is_empty() {
            return Err(usage(format!("[themes.{name}]: give it keywords = [\"…\"] or regex = [\"…\"]")));
        }
        Ok(Theme { name: name.to_string(), keywords, regex, exclude })
    }

    /// Whether `comment` (written `raw`) mentions the theme.
    pub fn matches(&self, raw: &str, comment: &Comment) -> bool {
        let hit = self.keywords.iter().any(|k| k.matches(comment)) || self.regex.iter().any(|r| r.is_match(raw));
        hit && !self.exclude.iter().any(|k| k.matches(comment))
    }
}

/// The themes of a run: the built-in ones (unless `builtin` is false), with the config's
/// `[themes.NAME]` tables added; a config theme with a built-in theme's name replaces it.
pub fn themes(config: &BTreeMap<String, ThemeConfig>, with_builtin: bool) -> Result<Vec<Theme>> {
    let mut all = if with_builtin { builtin() } else { BTreeMap::new() };
    all.extend(config.iter().map(|(k, v)| (k.clone(), v.clone())));
    if all.is_empty() {
        return Err(usage("no themes: --no-builtin-themes needs [themes.NAME] tables in the config (--config)"));
    }
    if all.len() > MAX_THEMES {
        return Err(usage(format!("{} themes: at most {MAX_THEMES} can be counted in one run", all.len())));
    }
    all.iter().map(|(name, config)| Theme::new(name, config)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{builtin_stop_words, Tokenizer};

    fn theme(keywords: &[&str], exclude: &[&str]) -> Theme {
        let strings = |s: &[&str]| s.iter().map(|k| k.to_string()).collect();
        Theme::new("t", &ThemeConfig { keywords: strings(keywords), exclude: strings(exclude), regex: Vec::new() }).unwrap()
    }

    fn hits(t: &Theme, text: &str) -> bool {
        t.matches(text, &Tokenizer::new(builtin_stop_words()).read(text))
    }

    #[test]
    fn latin_keywords_match_whole_words() {
        let late = theme(&["late"], &[]);
        assert!(hits(&late, "Delivery was LATE, again."));
        assert!(!hits(&late, "I love the chocolate"));
        assert!(!hits(&late, "see you later"));
        let phrase = theme(&["call back"], &[]);
        assert!(hits(&phrase, "said they would Call  back and never did"));
        assert!(!hits(&phrase, "a call, back then"), "not across a comma");
        assert!(!hits(&phrase, "back call"));
        let prefix = theme(&["refund*"], &[]);
        assert!(hits(&prefix, "Refunded after 3 weeks"));
        assert!(hits(&prefix, "refund"));
        assert!(!hits(&prefix, "no money back"));
    }

    #[test]
    fn chinese_keywords_match_their_characters_anywhere() {
        let courier = theme(&["快递"], &[]);
        assert!(hits(&courier, "快递员很好"), "inside a longer word");
        assert!(hits(&courier, "用的顺丰快递，很快"));
        assert!(!hits(&courier, "快的递送"));
        let price = theme(&["贵"], &["贵公司"]);
        assert!(hits(&price, "太贵了"));
        assert!(!hits(&price, "贵公司的服务不错"), "the polite 'your company' is excluded");
        // Mixed: an app keyword in a Chinese comment.
        assert!(hits(&theme(&["app"], &[]), "用App下单很方便"));
    }

    #[test]
    fn regular_expressions_and_bad_settings() {
        let config = ThemeConfig { regex: vec![r"\bwait(ed|ing)? \d+ (days|weeks)".into()], ..Default::default() };
        let t = Theme::new("waiting", &config).unwrap();
        assert!(hits(&t, "Waited 3 Weeks for it"));
        assert!(!hits(&t, "waited a while"));
        let bad = ThemeConfig { regex: vec!["(".into()], ..Default::default() };
        assert!(Theme::new("x", &bad).unwrap_err().to_string().contains("[themes.x]: the regex '(' is not valid"));
        let empty = ThemeConfig { keywords: vec!["!!".into()], ..Default::default() };
        assert!(Theme::new("x", &empty).unwrap_err().to_string().contains("the keyword '!!' has no word"));
        assert!(Theme::new("x", &ThemeConfig::default()).is_err());
    }

    #[test]
    fn the_builtin_themes_parse_and_the_config_replaces_or_adds() {
        let names: Vec<String> = themes(&BTreeMap::new(), true).unwrap().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["billing", "delivery", "no_reply", "price", "quality", "refunds", "staff", "waiting", "website_app"]);
        let mut config = BTreeMap::new();
        config.insert("delivery".to_string(), ThemeConfig { keywords: vec!["drone".into()], ..Default::default() });
        config.insert("app".to_string(), ThemeConfig { keywords: vec!["ios".into()], ..Default::default() });
        let all = themes(&config, true).unwrap();
        assert_eq!(all.len(), 10);
        let delivery = all.iter().find(|t| t.name == "delivery").unwrap();
        assert!(hits(delivery, "the drone came") && !hits(delivery, "delivery was late"));
        assert_eq!(themes(&config, false).unwrap().len(), 2);
        assert!(themes(&BTreeMap::new(), false).unwrap_err().to_string().contains("--no-builtin-themes"));
    }
}
