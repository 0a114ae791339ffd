//! Comments as words, for `cxstat themes`: what a comment says, in Chinese and in Latin scripts.
//!
//! A comment is lower-cased and cut into clauses at every line break and every character that is
//! not a letter, a digit, white space or an apostrophe (punctuation, symbols, emoji), so that no
//! phrase reaches across a comma or from one line to the next. In a clause, each run of Chinese characters (the Han ranges of
//! [`is_han`]) is segmented by jieba (jieba-rs, its bundled dictionary, HMM on, as Python
//! `jieba.cut`), and the rest is split on Unicode word boundaries (UAX #29). The tokens are
//! every such word; the *words* counted are the tokens with a letter in them that are not stop
//! words, and a *phrase* is two words next to each other in a clause.

pub mod taxonomy;

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use jieba_rs::Jieba;
use unicode_segmentation::UnicodeSegmentation;

/// The bundled stop words, one per line.
const STOP_WORDS_EN: &str = include_str!("stop_words_en.txt");
const STOP_WORDS_ZH: &str = include_str!("stop_words_zh.txt");

/// Answers that mean "no comment" (besides blanks and `--na-values`), compared lower-cased.
const NO_COMMENT: &[&str] = &["n/a", "na", "none", "nil", "no comment", "no comments", "无", "没有", "暂无", "无意见", "无建议"];

/// The built-in stop words (English and Chinese).
pub fn builtin_stop_words() -> Vec<String> {
    STOP_WORDS_EN.lines().chain(STOP_WORDS_ZH.lines()).map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// A Chinese (Han) character: CJK Unified Ideographs, Extension A, the compatibility ideographs
/// and the supplementary planes' extensions.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Where a clause ends: a line break, or any character but a letter, a digit, white space or an
/// apostrophe.
fn breaks_clause(c: char) -> bool {
    c == '\n' || c == '\r' || !(c.is_alphanumeric() || c.is_whitespace() || c == '\'' || c == '’')
}

/// Splits lower-cased text into clauses of tokens (Latin words need no segmenter).
pub fn latin_clauses(lower: &str) -> Vec<Vec<String>> {
    lower
        .split(breaks_clause)
        .map(|clause| clause.unicode_words().flat_map(str::split_whitespace).map(str::to_string).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether a comment has text: a letter or digit, and not one of `na_values` or the usual ways
/// to say "no comment" ([`NO_COMMENT`]).
pub fn has_text(comment: &str, na_values: &[String]) -> bool {
    let trimmed = comment.trim();
    let lower = trimmed.to_lowercase();
    trimmed.chars().any(char::is_alphanumeric) && !NO_COMMENT.contains(&lower.as_str()) && !na_values.iter().any(|na| na.trim() == trimmed)
}

/// The segmenter and the stop words.
pub struct Tokenizer {
    /// jieba, once its dictionary is loaded (by `loading`, started with the tokenizer).
    jieba: OnceLock<Jieba>,
    loading: Mutex<Option<JoinHandle<Jieba>>>,
    stop: HashSet<String>,
}

/// A comment read for matching and counting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comment {
    /// The comment lower-cased (what Chinese keywords are found in).
    pub lower: String,
    /// Its clauses' tokens, lower-cased.
    pub clauses: Vec<Vec<String>>,
}

impl Tokenizer {
    /// Starts loading jieba's bundled dictionary (0.1–0.2 s on one core) on a thread of its own,
    /// so that it loads while the caller reads the input.
    pub fn new(stop_words: impl IntoIterator<Item = String>) -> Tokenizer {
        Tokenizer {
            jieba: OnceLock::new(),
            loading: Mutex::new(Some(std::thread::spawn(Jieba::new))),
            stop: stop_words.into_iter().map(|w| w.trim().to_lowercase()).collect(),
        }
    }

    /// jieba, waiting for its dictionary on first use (loaded here if the thread failed).
    fn jieba(&self) -> &Jieba {
        self.jieba.get_or_init(|| {
            let handle = self.loading.lock().ok().and_then(|mut h| h.take());
            handle.and_then(|h| h.join().ok()).unwrap_or_default()
        })
    }

    /// The comment lower-cased and cut into clauses of tokens.
    pub fn read(&self, text: &str) -> Comment {
        let lower = text.to_lowercase();
        let mut clauses = Vec::new();
        for clause in lower.split(breaks_clause) {
            let mut tokens = Vec::new();
            let mut rest = clause;
            while let Some(first) = rest.chars().next() {
                let han = is_han(first);
                let end = rest.char_indices().find(|(_, c)| is_han(*c) != han).map_or(rest.len(), |(i, _)| i);
                let (run, after) = rest.split_at(end);
                if han {
                    tokens.extend(self.jieba().cut(run, true).into_iter().map(|t| t.word.to_string()));
                } else {
                    // A space followed by a combining mark is one segment of UAX #29 (WB4): split it.
                    tokens.extend(run.unicode_words().flat_map(str::split_whitespace).map(str::to_string));
                }
                rest = after;
            }
            if !tokens.is_empty() {
                clauses.push(tokens);
            }
        }
        Comment { lower, clauses }
    }

    /// Whether a token counts as a word: it has a letter and is no stop word.
    pub fn is_word(&self, token: &str) -> bool {
        token.chars().any(char::is_alphabetic) && !self.stop.contains(token)
    }

    /// The words of a comment, in order, and its phrases (two words next to each other in a
    /// clause, written with a space between them).
    pub fn words_and_phrases(&self, comment: &Comment) -> (Vec<String>, Vec<String>) {
        let mut words = Vec::new();
        let mut phrases = Vec::new();
        for clause in &comment.clauses {
            for (i, token) in clause.iter().enumerate() {
                if !self.is_word(token) {
                    continue;
                }
                words.push(token.clone());
                if let Some(next) = clause.get(i + 1).filter(|n| self.is_word(n)) {
                    phrases.push(phrase(token, next));
                }
            }
        }
        (words, phrases)
    }
}

/// Two words as a phrase: with a space between them, but none between Chinese words (物流太慢).
fn phrase(first: &str, second: &str) -> String {
    let han = first.chars().last().is_some_and(is_han) && second.chars().next().is_some_and(is_han);
    if han {
        format!("{first}{second}")
    } else {
        format!("{first} {second}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> Tokenizer {
        Tokenizer::new(builtin_stop_words())
    }

    #[test]
    fn chinese_is_segmented_and_latin_split_on_word_boundaries() {
        let t = tokenizer();
        let c = t.read("物流太慢了，希望改进");
        assert_eq!(c.clauses, [vec!["物流", "太慢", "了"], vec!["希望", "改进"]]);
        // Mixed scripts in one clause; case folded; apostrophes kept inside words.
        let c = t.read("用App下单 don't WORK");
        assert_eq!(c.clauses, [vec!["用", "app", "下单", "don't", "work"]]);
        assert_eq!(c.lower, "用app下单 don't work");
    }

    #[test]
    fn emoji_and_punctuation_never_become_words() {
        let t = tokenizer();
        let c = t.read("Great!!! 👍👍 \"fast\" delivery… 😡\n#1");
        assert_eq!(c.clauses, [vec!["great"], vec!["fast"], vec!["delivery"], vec!["1"]]);
        let (words, phrases) = t.words_and_phrases(&c);
        // "1" has no letter: a token for keywords, not a word.
        assert_eq!(words, ["great", "fast", "delivery"]);
        assert!(phrases.is_empty(), "no phrase across punctuation: {phrases:?}");
        // Nor across a line break; Chinese phrases have no space.
        let (_, phrases) = t.words_and_phrases(&t.read("line one\nline two 物流太慢"));
        assert_eq!(phrases, ["line one", "line two", "two 物流", "物流太慢"]);
    }

    #[test]
    fn stop_words_are_left_out_of_words_and_phrases() {
        let t = tokenizer();
        let c = t.read("The customer service was very rude");
        let (words, phrases) = t.words_and_phrases(&c);
        assert_eq!(words, ["customer", "service", "rude"]);
        // "service was" and "very rude" hold a stop word: only "customer service" is a phrase.
        assert_eq!(phrases, ["customer service"]);
        let own = Tokenizer::new(["customer".to_string()]);
        assert_eq!(own.words_and_phrases(&c).0, ["the", "service", "was", "very", "rude"]);
    }

    #[test]
    fn a_comment_needs_a_letter_or_digit_and_no_na_answer() {
        let na = vec!["-99".to_string()];
        for (text, expected) in [
            ("OK", true),
            ("  ", false),
            ("...", false),
            ("😊", false),
            ("N/A", false),
            ("无", false),
            ("-99", false),
            ("3", true),
            ("无聊", true),
        ] {
            assert_eq!(has_text(text, &na), expected, "{text}");
        }
    }

    proptest::proptest! {
        /// Whatever the text, its tokens are non-empty, hold no white space and nothing that
        /// ends a clause (punctuation, symbols, emoji), and every word has a letter.
        #[test]
        fn tokens_hold_no_punctuation_or_space(text in "\\PC{0,60}", mixed in "[a-zA-Z0-9 ,.!'’\n物流太慢了快递员😡👍]{0,40}") {
            static TOKENIZER: std::sync::OnceLock<Tokenizer> = std::sync::OnceLock::new();
            let t = TOKENIZER.get_or_init(tokenizer);
            for input in [text.as_str(), mixed.as_str()] {
                let c = t.read(input);
                for token in c.clauses.iter().flatten() {
                    proptest::prop_assert!(!token.is_empty());
                    proptest::prop_assert!(!token.chars().any(|ch| ch.is_whitespace() || breaks_clause(ch)), "{:?} in {:?}", token, input);
                }
                let (words, _) = t.words_and_phrases(&c);
                proptest::prop_assert!(words.iter().all(|w| w.chars().any(char::is_alphabetic)));
            }
        }
    }

    #[test]
    fn han_ranges() {
        assert!(is_han('物') && is_han('𠀀') && is_han('㐀'));
        assert!(!is_han('，') && !is_han('a') && !is_han('の') && !is_han('한'));
    }
}
