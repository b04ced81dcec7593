//! Sequence classification from the shell: each training file is one series of one class,
//! named by its class columns; `fit --classes` trains the readout on one-hot targets, `predict`
//! gives one class per file and `score` counts them.
//!
//! The class columns are either one 0/1 column per class (one-hot, the class named after its
//! column: `speaker0:speaker8`) or one column of whole-number labels (the classes are the
//! labels seen in training, in increasing order). A series holds one class at every step.

use crate::error::{Error, Result};
use crate::table::Table;
use aquifer::faer::Mat;
use std::path::Path;

/// A series' class as its file gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    /// The index of the one-hot column that is 1.
    Column(usize),
    /// A whole-number label.
    Value(i64),
}

/// What a classifier records about its classes (in the model file's `about`).
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// The class names, in the readout's column order.
    pub names: Vec<String>,
    /// The columns of the data files that hold the class: one per class, or one label column.
    pub columns: Vec<String>,
    /// Classes are decided by the readout's mean over this many last steps (`None`: all).
    pub last: Option<usize>,
}

/// The class of a series from its class columns `cols` (indices into `t`), checked to be the
/// same at every step.
pub fn label_of(t: &Table, cols: &[usize]) -> Result<Label> {
    let path = &t.path;
    let name = |j: usize| t.names[cols[j]].as_str();
    let mut first: Option<Label> = None;
    for row in 0..t.data.nrows() {
        let value = |j: usize| t.data[(row, cols[j])];
        let label = if cols.len() == 1 {
            let v = value(0);
            if v.fract() != 0.0 || v.abs() > 2f64.powi(53) {
                return Err(Error::data(
                    path,
                    format!(
                        "row {}: class label {v} in column `{}` is not a whole number",
                        row + 1,
                        name(0)
                    ),
                ));
            }
            Label::Value(v as i64)
        } else {
            let ones: Vec<usize> = (0..cols.len()).filter(|&j| value(j) == 1.0).collect();
            let zeros = (0..cols.len()).filter(|&j| value(j) == 0.0).count();
            if ones.len() != 1 || zeros != cols.len() - 1 {
                return Err(Error::data(
                    path,
                    format!(
                        "row {}: the class columns {}..{} are not one-hot (one 1, the rest 0)",
                        row + 1,
                        name(0),
                        name(cols.len() - 1)
                    ),
                ));
            }
            Label::Column(ones[0])
        };
        match &first {
            None => first = Some(label),
            Some(f) if *f != label => {
                return Err(Error::data(
                    path,
                    format!(
                        "row {}: the class changes within the series (a series holds one class)",
                        row + 1
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    first.ok_or_else(|| Error::data(path, "no rows"))
}

impl Classes {
    /// The classes of training series with labels `labels` read from columns `columns`.
    pub fn from_training(labels: &[Label], columns: Vec<String>, last: Option<usize>) -> Self {
        let names = if columns.len() > 1 {
            columns.clone()
        } else {
            let mut values: Vec<i64> = labels
                .iter()
                .filter_map(|l| match l {
                    Label::Value(v) => Some(*v),
                    Label::Column(_) => None,
                })
                .collect();
            values.sort_unstable();
            values.dedup();
            values.iter().map(i64::to_string).collect()
        };
        Classes {
            names,
            columns,
            last,
        }
    }

    /// The index of a series' class; a label the model was not trained on is an error naming
    /// the file.
    pub fn index(&self, label: &Label, path: &Path) -> Result<usize> {
        match label {
            Label::Column(j) => Ok(*j),
            Label::Value(v) => self
                .names
                .iter()
                .position(|n| *n == v.to_string())
                .ok_or_else(|| {
                    Error::data(
                        path,
                        format!(
                            "class {v} is not one of the model's classes ({})",
                            self.names.join(", ")
                        ),
                    )
                }),
        }
    }

    /// The one-hot targets of a series of `rows` steps in class `class`.
    pub fn targets(&self, class: usize, rows: usize) -> Result<Mat<f64>> {
        Ok(aquifer::classify::one_hot(class, self.names.len(), rows)?)
    }

    /// The record written into a model file's `about`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "names": self.names,
            "columns": self.columns,
            "last": self.last,
        })
    }

    /// The record read back from a model file's `about` (`None` for a model that does not
    /// classify).
    pub fn from_about(about: &serde_json::Value) -> Option<Self> {
        let c = about.get("classes")?;
        let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        Some(Classes {
            names: strings(&c["names"])?,
            columns: strings(&c["columns"])?,
            last: c["last"].as_u64().map(|k| k as usize),
        })
    }

    /// The class columns' indices in `t`, found by name (files without a header name their
    /// columns `0`, `1`, ..., as in training).
    pub fn columns_in(&self, t: &Table) -> Result<Vec<usize>> {
        self.columns
            .iter()
            .map(|name| {
                t.names.iter().position(|n| n == name).ok_or_else(|| {
                    Error::data(
                        &t.path,
                        format!(
                            "no class column `{name}` (the model's classes are read from {})",
                            self.columns.join(", ")
                        ),
                    )
                })
            })
            .collect()
    }
}

/// A confusion matrix as a table: rows the true classes, columns the predicted ones.
pub fn confusion_table(c: &aquifer::metrics::Confusion, names: &[String]) -> String {
    let width = names
        .iter()
        .map(String::len)
        .chain(std::iter::once(c.total().to_string().len()))
        .max()
        .unwrap_or(1);
    let head = "true \\ predicted";
    let first = names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(head.len());
    let mut out = format!("{head:<first$}");
    for n in names {
        out.push_str(&format!(" {n:>width$}"));
    }
    out.push_str("   recall\n");
    for (t, n) in names.iter().enumerate() {
        out.push_str(&format!("{n:<first$}"));
        for p in 0..names.len() {
            out.push_str(&format!(" {:>width$}", c.count(t, p)));
        }
        match c.recall(t) {
            Some(r) => out.push_str(&format!("   {:>5.1}%\n", 100.0 * r)),
            None => out.push_str("       -\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn table(names: &[&str], rows: &[&[f64]]) -> Table {
        Table {
            path: PathBuf::from("s.csv"),
            names: names.iter().map(|s| s.to_string()).collect(),
            data: Mat::from_fn(rows.len(), names.len(), |i, j| rows[i][j]),
        }
    }

    #[test]
    fn labels_are_read_one_hot_or_as_whole_numbers() {
        let t = table(&["x", "a", "b"], &[&[0.5, 0.0, 1.0], &[0.1, 0.0, 1.0]]);
        assert_eq!(label_of(&t, &[1, 2]).unwrap(), Label::Column(1));
        let t = table(&["x", "label"], &[&[0.5, 7.0], &[0.1, 7.0]]);
        assert_eq!(label_of(&t, &[1]).unwrap(), Label::Value(7));
        let c = Classes::from_training(
            &[Label::Value(7), Label::Value(-2), Label::Value(7)],
            vec!["label".into()],
            None,
        );
        assert_eq!(c.names, vec!["-2", "7"]);
        assert_eq!(c.index(&Label::Value(7), Path::new("s")).unwrap(), 1);
        let e = c.index(&Label::Value(3), Path::new("s")).unwrap_err();
        assert!(e.to_string().contains("class 3 is not one of"), "{e}");
        assert_eq!(
            Classes::from_about(&serde_json::json!({"classes": c.to_json()})),
            Some(c)
        );
    }

    #[test]
    fn inconsistent_labels_are_named() {
        let changes = table(&["a", "b"], &[&[1.0, 0.0], &[0.0, 1.0]]);
        let e = label_of(&changes, &[0, 1]).unwrap_err().to_string();
        assert!(e.contains("row 2: the class changes"), "{e}");
        let two = table(&["a", "b"], &[&[1.0, 1.0]]);
        let e = label_of(&two, &[0, 1]).unwrap_err().to_string();
        assert!(e.contains("not one-hot"), "{e}");
        let frac = table(&["label"], &[&[1.5]]);
        let e = label_of(&frac, &[0]).unwrap_err().to_string();
        assert!(e.contains("not a whole number"), "{e}");
    }

    #[test]
    fn a_confusion_table_lists_counts_and_recall() {
        let c = aquifer::metrics::Confusion::new(&[0, 0, 1], &[0, 1, 1], 2).unwrap();
        let s = confusion_table(&c, &["a".into(), "b".into()]);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].starts_with("a") && lines[1].contains("50.0%"),
            "{s}"
        );
        assert!(lines[2].contains("100.0%"), "{s}");
    }
}
