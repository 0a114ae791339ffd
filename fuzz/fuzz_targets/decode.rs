//! The decoder and sniffer: any bytes as a file's start, through encoding detection, the
//! UTF-8 checks, line-end and quote scans, delimiter sniffing and header-layout detection.
#![no_main]

use cxstat::input::source::{self, Source};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // The pure scans, on the bytes as they are.
    let _ = source::detect_encoding(data, true);
    let _ = source::detect_encoding(data, false);
    let _ = source::mostly_utf8(data);
    let _ = source::lone_cr_lines(data);
    for delimiter in [b',', b';', b'\t', b'|'] {
        let _ = source::invalid_utf8_rows(data, delimiter, 10);
        let _ = source::find_unterminated_quote(data, delimiter);
        let _ = source::find_ragged_row(data, delimiter);
    }
    let text = String::from_utf8_lossy(data);
    let delimiter = source::sniff_delimiter(&text);
    let _ = source::first_records(&text, delimiter, 8);
    // The whole opening of a file, as every command does it.
    let dir = common::scratch();
    let path = common::put(dir.path(), "in.csv", data);
    if let Err(error) = source::open_text(&Source::File(path), None, None, 0, (None, None)) {
        let message = format!("{error:#}");
        assert!(cxstat::error::exit_for(&error) != cxstat::error::Exit::Failure, "exit 1: {message}");
        assert!(common::internals(&message, &text).is_none(), "internals: {message}");
    }
});
