//! File output that never destroys what is not ours. A regular file (or a new one) is written
//! atomically: a temporary file beside the target, synced, then renamed, so a reader never sees a
//! half-written file and a failed run leaves the old file in place. Anything else (a device such
//! as `/dev/null` or `/dev/stdout`, a FIFO) is opened and written through, as xsv and DuckDB do:
//! renaming over it would replace the device with a regular file. A symbolic link is followed,
//! and the file it points to is written as above, so the link stays a link.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::{io_err, usage};

/// Writes `bytes` to `path`: atomically for a regular file, through for a device or FIFO.
/// Failures (a missing folder, a full disk, `/dev/full`) are exit 74 and name `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // The OS's own words, without the temporary file's name that tempfile adds (` at path "…"`).
    let fail = |e: std::io::Error| {
        let text = e.to_string();
        let text = text.split(" at path \"").next().unwrap_or_default();
        io_err(format!("cannot write {}: {text}", path.display()))
    };
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match std::fs::metadata(path) {
        // A device, FIFO or socket, reached directly or through links (/dev/stdout → /proc/self/fd/1).
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut file = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
            file.write_all(bytes).and_then(|()| file.flush()).map_err(fail)
        }
        Ok(meta) if is_link && meta.is_file() => {
            let real = std::fs::canonicalize(path).map_err(fail)?;
            replace_file(&real, bytes).map_err(fail)
        }
        // A link to nothing yet: the file is made where it points.
        Err(_) if is_link => replace_file(&resolve_links(path), bytes).map_err(fail),
        _ => replace_file(path, bytes).map_err(fail),
    }
}

/// Where a dangling link `path` points (after at most 40 links; a cycle ends there, and the write
/// reports the OS's error).
fn resolve_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(next) => {
                current = match current.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                }
            }
            Err(_) => return current,
        }
    }
    current
}

fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cxstat-");
    // Like any file the user creates (0666 less the umask), not tempfile's private 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Standard output whose write errors say so: `> /dev/full` is exit 74, "cannot write to stdout: No
/// space left on device". A closed pipe stays a plain broken pipe (`| head` is success).
pub struct NamedStdout<W: Write>(pub W);

impl<W: Write> NamedStdout<W> {
    fn named(e: std::io::Error) -> std::io::Error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return e;
        }
        let message = format!("cannot write to stdout: {e}");
        std::io::Error::new(e.kind(), crate::error::CxError { exit: crate::error::Exit::IoErr, message })
    }
}

impl<W: Write> Write for NamedStdout<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(Self::named)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(Self::named)
    }
}

/// The same file on disk (device and inode on Unix), for regular files that exist.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else { return false };
    if !ma.is_file() || !mb.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Refuses (exit 2), before anything is read or written, an output file that is one of the
/// inputs: `survey X.csv -o X.csv` would replace the data with its own report.
pub fn check_outputs(inputs: &[&Path], outputs: &[(&str, &Path)]) -> Result<()> {
    for (flag, out) in outputs {
        if let Some(input) = inputs.iter().find(|i| same_file(i, out)) {
            return Err(usage(format!(
                "{flag} {} is the input {}: cxstat never overwrites its input; write the output to another file",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// Refuses (exit 2) a report folder that holds one of the inputs: replacing the folder would
/// delete it.
pub fn check_folder(inputs: &[&Path], folder: &Path) -> Result<()> {
    let Ok(folder) = std::fs::canonicalize(folder) else { return Ok(()) };
    for input in inputs {
        if std::fs::canonicalize(input).is_ok_and(|i| i.starts_with(&folder)) {
            return Err(usage(format!(
                "the input {} is inside {}, the folder this scorecard replaces; move the input or choose another --out",
                input.display(),
                folder.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The same mode as a file created the ordinary way under this umask.
            let reference = dir.path().join("reference");
            std::fs::write(&reference, "x").unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&target), mode(&reference));
        }
    }

    #[test]
    fn missing_directory_is_exit_74() {
        let err = write_atomic(Path::new("/nonexistent-dir/x/out.csv"), b"x").unwrap_err();
        assert_eq!(crate::error::exit_for(&err), crate::error::Exit::IoErr);
    }
}
