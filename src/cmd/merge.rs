//! `cxstat merge PARTIALS…`: combines the partial results that runs with `--emit-partials FILE`
//! wrote (one per shard of the input: a month, a region, a machine) into the table a single run
//! over all the shards gives. The format is in `crate::partials`; each command adds up its own.
//! `cxstat merge PLAN RESULT` makes the table from an engine's result of a `cxstat sql` query.

use anyhow::Result;

use crate::cli::MergeArgs;
use crate::error::{data_err, usage};
use crate::output::{choose_format, emit};
use crate::partials;
use crate::sql::result;
use crate::Io;

/// Runs `cxstat merge`.
pub fn run(args: &MergeArgs, io: &mut Io) -> Result<()> {
    let mut files = Vec::new();
    let mut command: Option<String> = None;
    for (k, path) in args.partials.iter().enumerate() {
        let (c, value) = partials::read(path)?;
        if partials::is_plan(&value) {
            if k > 0 {
                return Err(usage(format!("{}: a plan comes first: cxstat merge PLAN RESULT", path.display())));
            }
            return merge_result(&path.display().to_string(), &c, &value, args, io);
        }
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

/// `cxstat merge PLAN RESULT`: the table of the plan's command from the engine's result of its
/// query. One result only: it counted distinct customers over all the rows, and such counts do
/// not add up with another result's.
fn merge_result(name: &str, command: &str, plan: &serde_json::Value, args: &MergeArgs, io: &mut Io) -> Result<()> {
    let rest = &args.partials[1..];
    let path = match rest {
        [one] => one,
        [] => return Err(usage(format!("{name} is a plan: name the engine's result of its query after it (cxstat merge PLAN RESULT)"))),
        _ => {
            return Err(usage(format!(
                "{name} is a plan, which takes one result: the engine's results of two runs do not add up (their distinct customers \
                 would be counted twice). Run the query once over all the data (UNION ALL the tables in a view)"
            )))
        }
    };
    let result = result::read(path)?;
    let report = match command {
        "survey" => crate::cmd::survey::from_sql(name, plan, &result, io)?.report,
        "repeat" => crate::cmd::repeat::from_sql(name, plan, &result, io)?.report,
        "complaints" => crate::cmd::complaints::from_sql(name, plan, &result, io)?.report,
        other => {
            return Err(data_err(format!(
                "{name}: a plan of `cxstat sql {}`, which this cxstat cannot merge",
                crate::error::printable(other)
            )))
        }
    };
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    emit(&report, format, args.output.target(), io)
}
