//! The README's excerpts are what the tool prints: every command marked `<!-- check -->` is run
//! (through `sh`, from a scratch folder that sees the repository's examples/ and fixtures/ and
//! the ../shared folder beside it) and its stdout and stderr compared with the excerpt, line for
//! line. A README table, Markdown rendered in place, is compared as the Markdown it is; that is
//! why this is a test of our own rather than trycmd, which compares code blocks only. An excerpt
//! drawn as a terminal table (`┌…`) is what the command prints on a terminal: it is run with
//! `--format table`, as a test's stdout is a pipe.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One checked excerpt: the command line, the stderr lines shown under it, the stdout shown
/// after it (None: not shown), and where it is in the README.
#[derive(Debug)]
struct Excerpt {
    line: usize,
    command: String,
    stderr: Vec<String>,
    stdout: Option<Vec<String>>,
}

fn is_fence(line: &str) -> bool {
    line.starts_with("```")
}

/// The excerpts after each `<!-- check -->` marker.
fn excerpts(readme: &str) -> Vec<Excerpt> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "<!-- check -->" {
            i += 1;
            continue;
        }
        let line = i + 1;
        i += 1;
        assert!(is_fence(lines[i]), "README line {}: a fence after the marker", i + 1);
        i += 1;
        let mut block = Vec::new();
        while !is_fence(lines[i]) {
            block.push(lines[i]);
            i += 1;
        }
        i += 1;
        // The command, with its continuation lines.
        let mut command = String::new();
        let mut rest = block.iter();
        for part in rest.by_ref() {
            let part = part.trim_start_matches("$ ");
            match part.strip_suffix('\\') {
                Some(head) => command.push_str(head),
                None => {
                    command.push_str(part);
                    break;
                }
            }
        }
        let stderr: Vec<String> = rest.map(|l| l.to_string()).collect();
        // What follows: a text block, or Markdown (caption lines, then a table).
        let mut j = i;
        while j < lines.len() && lines[j].trim().is_empty() {
            j += 1;
        }
        let stdout = if j < lines.len() && lines[j] == "```text" {
            let mut out = Vec::new();
            j += 1;
            while !is_fence(lines[j]) {
                out.push(lines[j].to_string());
                j += 1;
            }
            i = j + 1;
            Some(out)
        } else if j < lines.len()
            && !is_fence(lines[j])
            && !lines[j].starts_with('#')
            && lines[j..].iter().take(12).any(|l| l.starts_with('|'))
        {
            let mut out = Vec::new();
            let mut in_table = false;
            while j < lines.len() && (!in_table || lines[j].starts_with('|')) {
                in_table |= lines[j].starts_with('|');
                out.push(lines[j].to_string());
                j += 1;
            }
            i = j;
            Some(out)
        } else {
            None
        };
        found.push(Excerpt { line, command, stderr, stdout });
    }
    found
}

/// A scratch folder `root/repo` that sees the repository's examples/ and fixtures/, and
/// `root/shared` (when the shared folder is beside the repository).
fn scratch() -> (tempfile::TempDir, PathBuf, bool) {
    let root = tempfile::tempdir().unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = root.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    for link in ["examples", "fixtures"] {
        std::os::unix::fs::symlink(here.join(link), repo.join(link)).unwrap();
    }
    let shared = here.join("../shared");
    let has_shared = shared.join("realdata").is_dir();
    if has_shared {
        std::os::unix::fs::symlink(shared.canonicalize().unwrap(), root.path().join("shared")).unwrap();
    }
    (root, repo, has_shared)
}

#[test]
fn the_readme_shows_what_the_commands_print() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let found = excerpts(&readme);
    assert!(found.len() >= 12, "{} checked excerpts", found.len());
    let (_root, repo, has_shared) = scratch();
    let bin = assert_cmd::cargo::cargo_bin("cxstat");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut problems = Vec::new();
    for e in &found {
        if e.command.contains("../shared") && !has_shared {
            eprintln!("README line {}: skipped, no ../shared beside the repository", e.line);
            continue;
        }
        let terminal = e.stdout.as_ref().is_some_and(|o| o.iter().any(|l| l.starts_with('┌'))) && !e.command.contains("--format");
        let command = if terminal { format!("{} --format table", e.command) } else { e.command.clone() };
        let out = Command::new("sh").arg("-c").arg(&command).current_dir(&repo).env("PATH", &path).env_remove("NO_COLOR").output().unwrap();
        let stderr: Vec<String> = String::from_utf8_lossy(&out.stderr).lines().map(str::to_string).collect();
        if stderr != e.stderr {
            problems.push(format!(
                "README line {}: `{}` printed on stderr:\n{}\nthe README shows:\n{}",
                e.line,
                e.command,
                stderr.join("\n"),
                e.stderr.join("\n")
            ));
        }
        let failed = e.stderr.iter().any(|l| l.starts_with("error:"));
        if out.status.success() == failed {
            problems.push(format!("README line {}: `{}` exited {:?}", e.line, e.command, out.status.code()));
        }
        if let Some(expected) = &e.stdout {
            let stdout: Vec<String> = String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').lines().map(str::to_string).collect();
            if &stdout != expected {
                problems.push(format!(
                    "README line {}: `{}` printed:\n{}\nthe README shows:\n{}",
                    e.line,
                    e.command,
                    stdout.join("\n"),
                    expected.join("\n")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The cron recipe's config runs as written, on the example data in `exports/`.
#[test]
fn the_cron_recipe_config_runs() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("### Cron recipe").expect("the cron recipe");
    let toml = readme[start..].split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let (_root, repo, _) = scratch();
    std::os::unix::fs::symlink(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data"), repo.join("exports")).unwrap();
    std::fs::write(repo.join("cxstat.toml"), toml).unwrap();
    let out = assert_cmd::Command::cargo_bin("cxstat")
        .unwrap()
        .current_dir(&repo)
        .args(["scorecard", "--config", "cxstat.toml", "--month", "2026-10", "--quiet"])
        .output()
        .unwrap();
    // NPS 25.4 is under the recipe's 30: the report is written and the alert is exit 3.
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(repo.join("reports/2026-10/scorecard.html").is_file());
}
