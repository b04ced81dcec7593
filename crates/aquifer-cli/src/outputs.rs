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

/// A folder of outputs, built beside its final place and renamed into it by
/// [`Folder::commit`], so that a failure leaves nothing; dropped uncommitted, it is removed.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    beside: PathBuf,
    committed: bool,
}

impl Folder {
    /// Starts the folder `dir` (the value of `option`), which must not exist or be empty.
    pub fn create(dir: &Path, option: &str) -> Result<Self> {
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                return Err(Error::usage(format!(
                    "{option} {}: the folder exists and is not empty",
                    dir.display()
                )));
            }
        } else if dir.exists() {
            return Err(Error::usage(format!(
                "{option} {}: a file is in the way of the folder",
                dir.display()
            )));
        }
        let name = dir.file_name().ok_or_else(|| {
            Error::usage(format!("{option} {}: not a folder name", dir.display()))
        })?;
        let beside = dir.with_file_name(format!(
            ".{}.tmp-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        std::fs::create_dir_all(&beside).map_err(|e| Error::io(&beside, e))?;
        Ok(Folder {
            dir: dir.to_path_buf(),
            beside,
            committed: false,
        })
    }

    /// Where a file named `name` is written until the folder is committed.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.beside.join(name)
    }

    /// The folder's final place.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Renames the folder into its place (replacing an empty folder there).
    pub fn commit(mut self) -> Result<()> {
        let _ = std::fs::remove_dir(&self.dir);
        std::fs::rename(&self.beside, &self.dir).map_err(|e| Error::io(&self.dir, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.beside);
        }
    }
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
