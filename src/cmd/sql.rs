//! `cxstat sql survey|complaints|repeat --dialect spark|duckdb`: prints the query that computes,
//! in the engine where the data lives, the sufficient statistics of the command's table (see
//! `crate::sql`); `--emit-plan FILE` writes what `cxstat merge FILE RESULT` needs to make the
//! table from the engine's result.
//!
//! The command's own options shape the query as they shape a local run (columns, scales,
//! grouping, window, NA values). Without a sample FILE, the columns are found among `--columns`
//! (the table's) or the data contract's names, as a local run finds them among a file's headers.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{SqlCommand, SqlOptions};
use crate::cmd::engine::{sample_input, Query, COMPLAINT_COLUMNS, ORDER_COLUMNS, SURVEY_COLUMNS};
use crate::output::write_atomic;
use crate::partials::{SqlPlan, PLAN_FORMAT, PLAN_VERSION};
use crate::Io;

/// Runs `cxstat sql`.
pub fn run(command: &SqlCommand, io: &mut Io) -> Result<()> {
    match command {
        SqlCommand::Survey(a) => {
            let input = sample_input(&a.command.input, &a.sql, SURVEY_COLUMNS)?;
            let args = crate::cli::SurveyArgs { input: input.args.clone(), ..a.command.clone() };
            let query = crate::cmd::survey::sql(&args, &a.sql, io).map_err(|e| input.named(e))?;
            finish(query, &a.sql, a.command.output.output.as_ref(), io)
        }
        SqlCommand::Repeat(a) => {
            let input = sample_input(&a.command.input, &a.sql, ORDER_COLUMNS)?;
            let args = crate::cli::RepeatArgs { input: input.args.clone(), ..a.command.clone() };
            let query = crate::cmd::repeat::sql(&args, &a.sql, io).map_err(|e| input.named(e))?;
            finish(query, &a.sql, a.command.output.output.as_ref(), io)
        }
        SqlCommand::Complaints(a) => {
            let input = sample_input(&a.command.input, &a.sql, COMPLAINT_COLUMNS)?;
            let args = crate::cli::ComplaintsArgs { input: input.args.clone(), ..a.command.clone() };
            let query = crate::cmd::complaints::sql(&args, a.orders_table.as_deref(), &a.sql, io).map_err(|e| input.named(e))?;
            finish(query, &a.sql, a.command.output.output.as_ref(), io)
        }
    }
}

/// Prints the query (or writes it to `-o FILE`), and writes the plan with `--emit-plan`.
fn finish<S: Serialize>(query: Query<S>, sql: &SqlOptions, output: Option<&PathBuf>, io: &mut Io) -> Result<()> {
    let mut text = query.sql.clone();
    text.push('\n');
    match output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => io.stdout.write_all(text.as_bytes())?,
    }
    if let Some(path) = &sql.emit_plan {
        SqlPlan {
            format: PLAN_FORMAT.to_string(),
            version: PLAN_VERSION,
            command: query.command.to_string(),
            dialect: query.dialect.name().to_string(),
            tables: query.tables,
            settings: query.settings,
            max_invalid: query.max_invalid,
            strict: query.strict,
            guessed: query.guessed,
            columns: query.columns,
            query: query.sql,
        }
        .write(path)?;
    }
    Ok(())
}
