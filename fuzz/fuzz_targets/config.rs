//! The config reader: any text as `cxstat.toml`, parsed and then used by a survey run.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match cxstat::input::config::Config::parse(text) {
        Ok(config) => {
            let _ = config.mappings();
        }
        Err(error) => {
            let message = format!("{error:#}");
            // TOML's error quotes the line it stopped on (`1 | …`, `  | ^^^`): the config's own
            // text, which may hold any word; the rest is the message.
            let words: Vec<&str> = message
                .lines()
                .filter(|l| !l.trim_start().trim_start_matches(|c: char| c.is_ascii_digit()).trim_start().starts_with('|'))
                .collect();
            assert!(common::internals(&words.join("\n"), text).is_none(), "internals: {message}");
            return;
        }
    }
    common::one_thread();
    let dir = common::scratch();
    let config = common::put(dir.path(), "cxstat.toml", data);
    let survey = common::put(dir.path(), "s.csv", b"id,date,segment,csat,nps\n1,2026-01-05,a,5,9\n2,2026-02-03,b,2,3\n");
    let (config, survey) = (config.display().to_string(), survey.display().to_string());
    common::run(&["survey", &survey, "--config", &config, "--format", "csv"]);
});
