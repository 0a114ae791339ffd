//! The partials reader with merge: any bytes as two partial-results files (split at the first
//! NUL), merged as `cxstat merge A B` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::one_thread();
    let (a, b) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let dir = common::scratch();
    let first = common::put(dir.path(), "a.json", a);
    let mut args = vec!["merge".to_string(), first.display().to_string()];
    if let Some(b) = b {
        args.push(common::put(dir.path(), "b.json", b).display().to_string());
    }
    args.extend(["--format".to_string(), "csv".to_string()]);
    common::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
});
