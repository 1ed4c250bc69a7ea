//! `cybriq generate-assets DIR` (hidden): the man pages and shell completions the Debian package
//! ships, generated from the command line's own definition so they cannot drift from it.
//!
//! Writes `DIR/man/cybriq.1` and one `cybriq-SUBCOMMAND.1` per subcommand (clap_mangen), and
//! `DIR/completions/cybriq.bash`, `_cybriq` (zsh) and `cybriq.fish` (clap_complete).
//! `scripts/build-deb.sh` runs it between the build and `cargo deb --no-build`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap_complete::Shell;

/// Arguments of `cybriq generate-assets`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write `man/` and `completions/` into (created if missing).
    dir: PathBuf,
}

/// Runs `cybriq generate-assets`.
pub fn run(args: Args) -> ExitCode {
    match generate(&args.dir) {
        Ok(n) => {
            eprintln!("cybriq: wrote {n} files under {}", args.dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes every man page and completion script under `dir`; returns how many files.
pub fn generate(dir: &Path) -> Result<usize, String> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |e: std::io::Error| format!("{}: {e}", p.display())
    };
    let man = dir.join("man");
    let completions = dir.join("completions");
    for d in [&man, &completions] {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    let cmd = super::command();
    clap_mangen::generate_to(cmd.clone(), &man).map_err(io(&man))?;
    let pages = std::fs::read_dir(&man).map_err(io(&man))?.count();
    for (shell, name) in [
        (Shell::Bash, "cybriq.bash"),
        (Shell::Zsh, "_cybriq"),
        (Shell::Fish, "cybriq.fish"),
    ] {
        let path = completions.join(name);
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "cybriq", &mut out);
        std::fs::write(&path, out).map_err(io(&path))?;
    }
    Ok(pages + 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn writes_a_page_per_visible_subcommand_and_three_completions() {
        let dir = std::env::temp_dir().join(format!("cybriq-assets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let n = generate(&dir).unwrap();
        let cmd = crate::cli::Cli::command();
        let page = std::fs::read_to_string(dir.join("man/cybriq-run.1")).unwrap();
        assert!(page.contains("\\-\\-config"), "{page}");
        assert!(dir.join("man/cybriq.1").exists());
        assert!(
            !dir.join("man/cybriq-generate-assets.1").exists(),
            "hidden subcommand documented"
        );
        let bash = std::fs::read_to_string(dir.join("completions/cybriq.bash")).unwrap();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            assert!(
                bash.contains(sub.get_name()),
                "{} not completed",
                sub.get_name()
            );
        }
        assert!(n > cmd.get_subcommands().count());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
