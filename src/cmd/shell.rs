//! `cxstat completions SHELL` and `cxstat man`: the command line described for a shell and for
//! `man`, generated from the same definition that parses it.

use std::io::Write;

use anyhow::Result;

use crate::Io;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell, io: &mut Io) -> Result<()> {
    let mut command = crate::cli::command();
    clap_complete::generate(shell, &mut command, "cxstat", &mut io.stdout);
    Ok(())
}

/// Writes the man page, `cxstat(1)` with a section per subcommand, to stdout.
pub fn man(io: &mut Io) -> Result<()> {
    let command = crate::cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        page.extend_from_slice(format!(".SH \"CXSTAT {}\"\n", sub.get_name().to_uppercase()).as_bytes());
        let man = clap_mangen::Man::new(sub.clone());
        man.render_description_section(&mut page)?;
        man.render_options_section(&mut page)?;
        man.render_extra_section(&mut page)?;
    }
    io.stdout.write_all(&page)?;
    Ok(())
}
