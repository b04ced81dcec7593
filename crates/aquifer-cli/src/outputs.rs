//! Where a command writes, checked before it reads or computes anything: never over one of its
//! inputs, never two outputs on one path, and in the format the file's extension names.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// What an output file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A series: CSV (`.csv`, `.txt` or no extension) or `.npy`.
    Series,
    /// A picture: `.png` or `.svg`.
    Picture,
    /// A model file: any name but one of a series, a picture or a configuration.
    Model,
}

impl Kind {
    fn check_extension(self, path: &Path) -> Result<()> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let ext = ext.as_deref();
        let fits = match self {
            Kind::Series => matches!(ext, None | Some("csv" | "txt" | "npy")),
            Kind::Picture => matches!(ext, Some("png" | "svg")),
            Kind::Model => !matches!(
                ext,
                Some("csv" | "txt" | "npy" | "npz" | "png" | "svg" | "toml" | "json")
            ),
        };
        if fits {
            return Ok(());
        }
        let wanted = match self {
            Kind::Series => "a series is written as CSV (.csv) or NumPy (.npy)",
            Kind::Picture => "a picture is written as PNG (.png) or SVG (.svg)",
            Kind::Model => {
                "a model file must not be named like a series, picture or configuration (use .aqf)"
            }
        };
        Err(Error::usage(format!("{}: {wanted}", path.display())))
    }
}

/// The path as the file system resolves it (symbolic links, `..`), also for a file that does
/// not exist yet (its folder resolved).
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// Checks the outputs of a command (`(path, kind, option)`) against each other and its inputs.
pub fn check(inputs: &[&Path], outputs: &[(&Path, Kind, &str)]) -> Result<()> {
    let read: Vec<PathBuf> = inputs.iter().map(|p| resolved(p)).collect();
    let mut written: Vec<(PathBuf, &str)> = Vec::new();
    for &(path, _, option) in outputs {
        let at = resolved(path);
        if let Some(k) = read.iter().position(|r| *r == at) {
            return Err(Error::usage(format!(
                "{option} {} would overwrite the input {}",
                path.display(),
                inputs[k].display()
            )));
        }
        if let Some((_, other)) = written.iter().find(|(w, _)| *w == at) {
            return Err(Error::usage(format!(
                "{option} and {other} both name {}",
                path.display()
            )));
        }
        written.push((at, option));
    }
    for &(path, kind, _) in outputs {
        kind.check_extension(path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_never_overwrite_inputs_or_each_other_and_match_their_extension() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("s.csv"), "x\n1\n").unwrap();
        let s = d.join("s.csv");
        let same = d.join("sub/../s.csv");
        std::fs::create_dir(d.join("sub")).unwrap();
        let e = check(&[&s], &[(&same, Kind::Series, "--out")]).unwrap_err();
        assert!(e.to_string().contains("would overwrite the input"), "{e}");
        let (p, q) = (d.join("p.csv"), d.join("sub/../p.csv"));
        let e = check(
            &[],
            &[(&p, Kind::Series, "--out"), (&q, Kind::Series, "--states")],
        );
        assert!(e
            .unwrap_err()
            .to_string()
            .starts_with("--states and --out both name"));
        for (name, kind) in [("p.npz", Kind::Series), ("p.png", Kind::Series)] {
            assert!(
                check(&[], &[(&d.join(name), kind, "--out")]).is_err(),
                "{name}"
            );
        }
        for (name, kind) in [("p.jpg", Kind::Picture), ("m.csv", Kind::Model)] {
            assert!(
                check(&[], &[(&d.join(name), kind, "--out")]).is_err(),
                "{name}"
            );
        }
        let ok = [
            (d.join("p.NPY"), Kind::Series, "--out"),
            (d.join("q"), Kind::Series, "--states"),
            (d.join("m.aqf"), Kind::Model, "--save"),
            (d.join("p.svg"), Kind::Picture, "--plot"),
        ];
        let ok: Vec<_> = ok.iter().map(|(p, k, o)| (p.as_path(), *k, *o)).collect();
        check(&[&s], &ok).unwrap();
    }
}
