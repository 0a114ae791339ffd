//! Atomic file output: write a temporary file beside the target, sync, then rename, so a
//! reader never sees a half-written file and a failed run leaves the old file in place.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::error::io_err;

/// Writes `bytes` to `path` atomically. Failures are exit 74.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| io_err(format!("cannot write {}: {e}", path.display()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cxstat-");
    // Like any file the user creates (0666 less the umask), not tempfile's private 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
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
