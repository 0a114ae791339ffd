//! `cxstat repeat ORDERS`: repeat-purchase and loyalty indices.
use anyhow::Result;

use crate::cli::RepeatArgs;
use crate::Io;

pub fn run(_args: &RepeatArgs, _io: &mut Io) -> Result<()> {
    Ok(())
}
