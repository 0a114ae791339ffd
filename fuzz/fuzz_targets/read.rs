//! Reading into frames: any bytes as a survey, complaint or order export (the first byte picks
//! the command and a reading option), through decoding, column mapping, date and number
//! parsing and the command's metrics.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    common::one_thread();
    let dir = common::scratch();
    let path = common::put(dir.path(), "in.csv", body);
    let file = path.to_str().expect("a UTF-8 temp path");
    let mut args: Vec<&str> = match pick % 10 {
        0 => vec!["survey", file, "--by", "segment"],
        1 => vec!["survey", file, "--period", "month"],
        2 => vec!["complaints", file, "--by", "category"],
        3 => vec!["complaints", file, "--period", "week"],
        4 => vec!["repeat", file],
        5 => vec!["inspect", file],
        6 => vec!["compare", file, "--segments", "segment"],
        7 => vec!["drivers", file, "--drivers", "q_speed,q_staff,q_price"],
        8 => vec!["themes", file, "--by", "segment"],
        _ => vec!["themes", file, "--terms", "--min-count", "1"],
    };
    match (pick / 10) % 4 {
        1 => args.push("--decimal-comma"),
        2 => args.extend(["--date-order", "dmy"]),
        3 => args.extend(["--header-rows", "2"]),
        _ => {}
    }
    args.extend(["--format", "csv"]);
    common::run(&args);
});
