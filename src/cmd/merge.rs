//! `cxstat merge PARTIALS…`: combines the partial results that runs with `--emit-partials FILE`
//! wrote (one per shard of the input: a month, a region, a machine) into the table a single run
//! over all the shards gives. The format is in `crate::partials`; each command adds up its own.

use anyhow::Result;

use crate::cli::MergeArgs;
use crate::error::{data_err, usage};
use crate::partials;
use crate::Io;

/// Runs `cxstat merge`.
pub fn run(args: &MergeArgs, io: &mut Io) -> Result<()> {
    let mut files = Vec::new();
    let mut command: Option<String> = None;
    for path in &args.partials {
        let (c, value) = partials::read(path)?;
        if let Some(first) = &command {
            if *first != c {
                return Err(data_err(format!("{}: partial results of `cxstat {c}`, the others are of `cxstat {first}`", path.display())));
            }
        }
        command = Some(c);
        files.push((path.display().to_string(), value));
    }
    match command.as_deref() {
        Some("survey") => crate::cmd::survey::merge(&files, args, io),
        Some("complaints") => crate::cmd::complaints::merge(&files, args, io),
        Some("repeat") => crate::cmd::repeat::merge(&files, args, io),
        Some(other) => Err(data_err(format!("partial results of `cxstat {other}` cannot be merged by this cxstat"))),
        None => Err(usage("cxstat merge needs at least one partial results file")),
    }
}
