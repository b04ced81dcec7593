//! The model file: one versioned, self-describing format for every model type.
//!
//! A model file is a [safetensors](https://huggingface.co/docs/safetensors) file: an 8-byte
//! header length, a JSON header, then the raw little-endian tensors. Its metadata holds
//! `format = "aquifer-model"`, `format_version`, the `library_version` that wrote it, the model
//! `kind`, its JSON `config`, optionally an `about` record (free-form JSON saying what the model
//! was made from, e.g. the command line's columns, seed and warm-up), and a CRC-32 over all of
//! these and every tensor (name, type, shape, bytes), so any corrupted byte is detected.
//!
//! Loading never executes code: it parses the header (safetensors checks that the tensors tile
//! the data exactly), checks the format, the version (files from a future format are refused),
//! the checksum and each tensor's type and shape, and returns a typed error for anything else.
//! Writing is atomic: the bytes go to a temporary file in the same directory, are flushed to disk,
//! and the file is renamed over the destination.

use crate::error::{Error, Result};
use faer::{Mat, MatRef};
use safetensors::tensor::{Dtype, TensorView};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The `format` value of every Aquifer model file.
pub const FORMAT: &str = "aquifer-model";
/// The current format version; files with a larger one are refused.
pub const FORMAT_VERSION: u32 = 1;
/// Files larger than this (16 GiB) are refused before being read.
pub const MAX_FILE_SIZE: u64 = 16 << 30;

/// A named array of a model file.
#[derive(Debug, Clone, PartialEq)]
pub enum Tensor {
    /// Floating-point values, row-major.
    F64 {
        /// Shape (row-major).
        shape: Vec<usize>,
        /// Values.
        data: Vec<f64>,
    },
    /// Indices, row-major.
    U32 {
        /// Shape (row-major).
        shape: Vec<usize>,
        /// Values.
        data: Vec<u32>,
    },
}

impl Tensor {
    /// A vector of `f64`.
    pub fn vector(data: Vec<f64>) -> Self {
        Tensor::F64 {
            shape: vec![data.len()],
            data,
        }
    }

    /// A matrix of `f64`, stored row-major.
    pub fn matrix(m: MatRef<'_, f64>) -> Self {
        Tensor::F64 {
            shape: vec![m.nrows(), m.ncols()],
            data: (0..m.nrows())
                .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
                .collect(),
        }
    }

    fn dtype(&self) -> Dtype {
        match self {
            Tensor::F64 { .. } => Dtype::F64,
            Tensor::U32 { .. } => Dtype::U32,
        }
    }

    fn shape(&self) -> &[usize] {
        match self {
            Tensor::F64 { shape, .. } | Tensor::U32 { shape, .. } => shape,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Tensor::F64 { data, .. } => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Tensor::U32 { data, .. } => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }
}

/// A model as stored: its kind (e.g. `"esn"`), its configuration, and its named tensors.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFile {
    /// The model type.
    pub kind: String,
    /// The model's configuration (hyperparameters and wiring).
    pub config: serde_json::Value,
    /// Named tensors.
    pub tensors: BTreeMap<String, Tensor>,
    /// What the model was made from, as its writer chose to record it (`Null`: nothing). Models
    /// ignore it; `aquifer info` shows it and `aquifer run` reads the columns it names.
    pub about: serde_json::Value,
    /// The version of the library that wrote the file, when it was read from one (a file is
    /// always written with this library's version).
    pub written_by: Option<String>,
}

/// CRC-32 over every metadata entry but the checksum itself (in key order) and every tensor.
fn checksum(
    meta: &HashMap<String, String>,
    tensors: &[(String, Dtype, Vec<usize>, Vec<u8>)],
) -> String {
    let mut h = crc32fast::Hasher::new();
    let mut entries: Vec<_> = meta.iter().filter(|(k, _)| k.as_str() != "crc32").collect();
    entries.sort();
    for (k, v) in entries {
        h.update(k.as_bytes());
        h.update(&[0]);
        h.update(v.as_bytes());
        h.update(&[0]);
    }
    for (name, dtype, shape, bytes) in tensors {
        h.update(&[0]);
        h.update(name.as_bytes());
        h.update(format!("{dtype:?}{shape:?}").as_bytes());
        h.update(bytes);
    }
    format!("{:08x}", h.finalize())
}

impl ModelFile {
    /// The tensor `name`, if it exists with type `dtype` and shape `shape`.
    fn checked(&self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<&Tensor> {
        match self.tensors.get(name) {
            Some(t) if t.dtype() == dtype && t.shape() == shape => Ok(t),
            Some(t) => Err(corrupt(format!(
                "tensor `{name}` has type {:?} and shape {:?}, expected {dtype:?} {shape:?}",
                t.dtype(),
                t.shape()
            ))),
            None => Err(corrupt(format!("tensor `{name}` is missing"))),
        }
    }

    /// Looks an `f64` tensor up by name, with its shape checked.
    pub fn f64_tensor(&self, name: &str, shape: &[usize]) -> Result<&[f64]> {
        match self.checked(name, Dtype::F64, shape)? {
            Tensor::F64 { data, .. } => Ok(data),
            Tensor::U32 { .. } => unreachable!("checked the type"),
        }
    }

    /// Looks a `u32` tensor up by name, with its shape checked.
    pub fn u32_tensor(&self, name: &str, shape: &[usize]) -> Result<&[u32]> {
        match self.checked(name, Dtype::U32, shape)? {
            Tensor::U32 { data, .. } => Ok(data),
            Tensor::F64 { .. } => unreachable!("checked the type"),
        }
    }

    /// Looks an `f64` matrix (`rows x cols`, stored row-major) up by name, with its shape
    /// checked.
    pub fn f64_matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Mat<f64>> {
        let data = self.f64_tensor(name, &[rows, cols])?;
        Ok(Mat::from_fn(rows, cols, |i, j| data[i * cols + j]))
    }

    /// Stores a sparse matrix as three tensors: `{name}.row_ptr`, `{name}.col_idx` (`u32`) and
    /// `{name}.values`.
    pub fn insert_csr(&mut self, name: &str, m: &crate::csr::Csr) {
        let sym = m.symbolic();
        self.tensors.insert(
            format!("{name}.row_ptr"),
            Tensor::U32 {
                shape: vec![m.nrows() + 1],
                data: sym.row_ptr().to_vec(),
            },
        );
        self.tensors.insert(
            format!("{name}.col_idx"),
            Tensor::U32 {
                shape: vec![sym.col_idx().len()],
                data: sym.col_idx().to_vec(),
            },
        );
        self.tensors
            .insert(format!("{name}.values"), Tensor::vector(m.val().to_vec()));
    }

    /// Reads a `rows x cols` sparse matrix stored by [`ModelFile::insert_csr`], checking shapes,
    /// the sparse structure and that every value is finite.
    pub fn csr(&self, name: &str, rows: usize, cols: usize) -> Result<crate::csr::Csr> {
        let nnz = self
            .shape_of(&format!("{name}.col_idx"))
            .and_then(|s| s.first().copied())
            .unwrap_or(0);
        let values = self.f64_tensor(&format!("{name}.values"), &[nnz])?;
        crate::series::check_finite_slice(name, values)?;
        crate::csr::csr_from_parts(
            rows,
            cols,
            self.u32_tensor(&format!("{name}.row_ptr"), &[rows + 1])?
                .to_vec(),
            self.u32_tensor(&format!("{name}.col_idx"), &[nnz])?
                .to_vec(),
            values.to_vec(),
        )
    }

    /// A file of the given kind with no configuration and no tensors yet.
    pub fn empty(kind: &str) -> Self {
        ModelFile {
            kind: kind.to_string(),
            config: serde_json::Value::Null,
            tensors: BTreeMap::new(),
            about: serde_json::Value::Null,
            written_by: None,
        }
    }

    /// Stores `config` as the configuration.
    pub fn set_config(&mut self, config: &impl serde::Serialize) -> Result<()> {
        self.config = serde_json::to_value(config).map_err(|e| corrupt(e.to_string()))?;
        Ok(())
    }

    /// The configuration, parsed as `T` (errors name the model kind).
    pub fn config_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.config.clone())
            .map_err(|e| corrupt(format!("configuration of the `{}`: {e}", self.kind)))
    }

    /// Stores `part`'s tensors in this file under `prefix` (e.g. `"nodes.1."`) and returns
    /// its kind and configuration, for the caller to put in its own configuration.
    pub fn embed(&mut self, prefix: &str, part: ModelFile) -> (String, serde_json::Value) {
        for (name, t) in part.tensors {
            self.tensors.insert(format!("{prefix}{name}"), t);
        }
        (part.kind, part.config)
    }

    /// The part stored under `prefix` by [`ModelFile::embed`], with its kind and configuration.
    pub fn part(&self, prefix: &str, kind: &str, config: serde_json::Value) -> ModelFile {
        ModelFile {
            kind: kind.to_string(),
            config,
            about: serde_json::Value::Null,
            written_by: None,
            tensors: self
                .tensors
                .range(prefix.to_string()..)
                .take_while(|(name, _)| name.starts_with(prefix))
                .map(|(name, t)| (name[prefix.len()..].to_string(), t.clone()))
                .collect(),
        }
    }

    /// The shape of a tensor, if present.
    pub fn shape_of(&self, name: &str) -> Option<&[usize]> {
        self.tensors.get(name).map(Tensor::shape)
    }

    /// Serialises to bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let config = self.config.to_string();
        let owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = self
            .tensors
            .iter()
            .map(|(n, t)| (n.clone(), t.dtype(), t.shape().to_vec(), t.bytes()))
            .collect();
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), FORMAT.to_string());
        meta.insert("format_version".to_string(), FORMAT_VERSION.to_string());
        meta.insert(
            "library_version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        );
        meta.insert("kind".to_string(), self.kind.clone());
        meta.insert("config".to_string(), config);
        if !self.about.is_null() {
            meta.insert("about".to_string(), self.about.to_string());
        }
        let crc = checksum(&meta, &owned);
        meta.insert("crc32".to_string(), crc);
        let views = owned
            .iter()
            .map(|(n, d, s, b)| {
                Ok((
                    n.clone(),
                    TensorView::new(*d, s.clone(), b).map_err(|e| corrupt(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        safetensors::serialize(views, Some(meta))
            .map_err(|e| corrupt(format!("cannot serialise: {e}")))
    }

    /// Parses bytes written by [`ModelFile::to_bytes`], checking everything (see the module
    /// documentation). Never panics on any input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let st = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| corrupt(format!("not a model file or truncated ({e})")))?;
        let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| corrupt(format!("not a model file or truncated ({e})")))?;
        let meta = header
            .metadata()
            .as_ref()
            .ok_or_else(|| corrupt("no metadata: not an Aquifer model file".into()))?;
        let get = |k: &str| {
            meta.get(k)
                .ok_or_else(|| corrupt(format!("metadata `{k}` is missing")))
        };
        if get("format")? != FORMAT {
            return Err(corrupt(
                "not an Aquifer model file (wrong format tag)".into(),
            ));
        }
        let version: u32 = get("format_version")?
            .parse()
            .map_err(|_| corrupt("unreadable format_version".into()))?;
        if version > FORMAT_VERSION {
            return Err(corrupt(format!(
                "format version {version} is newer than this library's ({FORMAT_VERSION}); written by Aquifer {}",
                meta.get("library_version").map_or("?", String::as_str)
            )));
        }
        if version == 0 {
            return Err(corrupt("format version 0 does not exist".into()));
        }
        let kind = get("kind")?.clone();
        let config_text = get("config")?;
        let mut names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
        names.sort();
        let mut owned = Vec::with_capacity(names.len());
        let mut tensors = BTreeMap::new();
        for name in names {
            let view = st
                .tensor(&name)
                .map_err(|e| corrupt(format!("tensor `{name}`: {e}")))?;
            let (shape, data) = (view.shape().to_vec(), view.data());
            let tensor = match view.dtype() {
                Dtype::F64 => Tensor::F64 {
                    data: data
                        .chunks_exact(8)
                        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                        .collect(),
                    shape: shape.clone(),
                },
                Dtype::U32 => Tensor::U32 {
                    data: data
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
                        .collect(),
                    shape: shape.clone(),
                },
                other => {
                    return Err(corrupt(format!(
                        "tensor `{name}` has unsupported type {other:?}"
                    )))
                }
            };
            owned.push((name.clone(), view.dtype(), shape, data.to_vec()));
            tensors.insert(name, tensor);
        }
        if checksum(meta, &owned) != *get("crc32")? {
            return Err(corrupt("checksum mismatch: the file is corrupted".into()));
        }
        let config = serde_json::from_str(config_text)
            .map_err(|e| corrupt(format!("configuration is not valid JSON: {e}")))?;
        let about = match meta.get("about") {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| corrupt(format!("`about` is not valid JSON: {e}")))?,
            None => serde_json::Value::Null,
        };
        Ok(ModelFile {
            kind,
            config,
            tensors,
            about,
            written_by: meta.get("library_version").cloned(),
        })
    }
}

fn corrupt(reason: String) -> Error {
    Error::Data {
        source_name: "model file".into(),
        reason,
    }
}

/// Writes a model file atomically (see [`write_atomic`](super::write_atomic)).
pub fn write(path: impl AsRef<Path>, model: &ModelFile) -> Result<()> {
    super::write_atomic(path, &model.to_bytes()?)
}

/// Reads and checks a model file (see the module documentation).
pub fn read(path: impl AsRef<Path>) -> Result<ModelFile> {
    let path = path.as_ref();
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io_err)?.len();
    if len > MAX_FILE_SIZE {
        return Err(Error::Data {
            source_name: path.display().to_string(),
            reason: format!("{len} bytes is more than the {MAX_FILE_SIZE} a model file may have"),
        });
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    ModelFile::from_bytes(&bytes).map_err(|e| match e {
        Error::Data { reason, .. } => Error::Data {
            source_name: path.display().to_string(),
            reason,
        },
        other => other,
    })
}
