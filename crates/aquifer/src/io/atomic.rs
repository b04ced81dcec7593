//! Files that appear whole or not at all: written to a temporary file beside the target,
//! flushed to disk, then renamed over it. Readers see the old file or the new one, never a
//! part; a write that fails or is abandoned leaves nothing behind.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written in place of `path` (see the [module documentation](self)). Dropped
/// without [`AtomicFile::commit`], it removes its temporary file.
#[derive(Debug)]
pub(crate) struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: File,
    committed: bool,
}

impl AtomicFile {
    /// Opens a temporary file in the directory of `path`.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = path
            .file_name()
            .ok_or_else(|| Error::invalid("path", path.display(), "must name a file"))?;
        // unique within the process too: several files may be written side by side; a name
        // too long to take the suffix (file names hold 255 bytes) gets a short one
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let name = file_name.to_string_lossy();
        let name = if name.len() > 200 { "aquifer" } else { &name };
        let tmp = dir.join(format!(
            ".{name}.tmp-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create(&tmp).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file,
            committed: false,
        })
    }

    /// The file the contents go to.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// An I/O error about the target path.
    pub(crate) fn error(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Flushes the contents to disk and renames them over the target.
    pub(crate) fn commit(mut self) -> Result<()> {
        let done = self
            .file
            .sync_all()
            .and_then(|()| std::fs::rename(&self.tmp, &self.path));
        done.map_err(|e| self.error(e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to
/// disk, then renamed over `path`. Readers see the old file or the new one, never a part.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    write_all_atomic(&[(path.as_ref(), bytes)])
}

/// Writes several files as [`write_atomic`] does, together: every file is written and flushed
/// beside its target first, then all are renamed into place, so that a failure (a full disk,
/// a missing folder) leaves none of them.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("aquifer-doc-atomic-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let (a, b) = (dir.join("a.txt"), dir.join("missing/b.txt"));
/// assert!(aquifer::io::write_all_atomic(&[(&a, b"1"), (&b, b"2")]).is_err());
/// assert!(!a.exists());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut ready = Vec::with_capacity(files.len());
    for &(path, bytes) in files {
        let out = AtomicFile::create(path)?;
        let mut file = out.file();
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| out.error(e))?;
        ready.push(out);
    }
    for out in ready {
        out.commit()?;
    }
    Ok(())
}
