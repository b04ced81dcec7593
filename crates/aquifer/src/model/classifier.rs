//! [`EsnClassifier`]: an echo state network that gives one class per series, each series run
//! from the zero state (training and classification alike), so no state leaks from one series
//! into the next.

use super::{Esn, EsnBuilder};
use crate::classify::{decide, mean_scores, one_hot};
use crate::error::{Error, Result};
use crate::series::{views, AsSeries};
use crate::traits::{Classify, Fit, Run, Stateful, Targets};
use faer::Mat;

/// Sequence classification by an echo state network (see the [module documentation](self)):
/// the readout learns the class at every step ([`one_hot`] targets); a series' class is the one
/// whose readout output has the largest mean over its last `last` steps (every step when
/// `None`).
///
/// ```
/// use aquifer::model::{Esn, EsnClassifier};
/// use aquifer::prelude::*;
/// let jv = datasets::japanese_vowels()?;
/// let builder = Esn::builder().units(200).leak_rate(0.1).spectral_radius(0.9).seed(0);
/// let mut clf = EsnClassifier::new(&builder, 12, 9, None)?;
/// clf.fit(&jv.train, Targets::Classes { labels: &jv.train_labels, classes: 9 }, 0)?;
/// let predicted = clf.classify(&jv.test)?;
/// let accuracy = metrics::accuracy(&jv.test_labels, &predicted)?;
/// assert!(accuracy > 0.93, "{accuracy}");
/// # Ok::<(), aquifer::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EsnClassifier {
    esn: Esn,
    classes: usize,
    last: Option<usize>,
}

impl EsnClassifier {
    /// A classifier of `classes` classes for series of `inputs` features, from an ESN's
    /// hyperparameters, deciding on the last `last` steps (every step when `None`).
    pub fn new(
        builder: &EsnBuilder,
        inputs: usize,
        classes: usize,
        last: Option<usize>,
    ) -> Result<Self> {
        if classes < 2 {
            return Err(Error::invalid("classes", classes, "must be at least 2"));
        }
        if last == Some(0) {
            return Err(Error::invalid("last", 0, "must be at least 1 step"));
        }
        Ok(EsnClassifier {
            esn: builder.build(inputs, classes)?,
            classes,
            last,
        })
    }

    /// The network (its readout is fitted after [`Fit::fit`]).
    pub fn esn(&self) -> &Esn {
        &self.esn
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Decides on the last `last` steps from now on (every step when `None`).
    pub fn set_last(&mut self, last: Option<usize>) -> Result<()> {
        if last == Some(0) {
            return Err(Error::invalid("last", 0, "must be at least 1 step"));
        }
        self.last = last;
        Ok(())
    }

    /// Changes the readout's ridge from the last fit's statistics ([`Esn::set_ridge`]).
    pub fn set_ridge(&mut self, ridge: f64) -> Result<()> {
        self.esn.set_ridge(ridge)
    }

    /// Each series' mean readout output per class (over the decision's steps), each series
    /// from the zero state.
    pub fn scores<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<Vec<f64>>> {
        self.outputs(series)?
            .iter()
            .map(|o| mean_scores(o, self.last))
            .collect()
    }

    fn outputs<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<Mat<f64>>> {
        let mut esn = self.esn.clone();
        esn.reset();
        esn.run_many(series)
    }
}

impl Fit for EsnClassifier {
    /// Trains on `x` towards [`Targets::Classes`] (the class at every step after `warmup`),
    /// every series from the zero state; the state stays zero.
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        x: &[S],
        y: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let y = y.into();
        let (labels, classes) = y.classes("an ESN classifier")?;
        if classes != self.classes {
            return Err(Error::shape(
                "class labels",
                format!("{} classes (the classifier's)", self.classes),
                format!("{classes} classes"),
            ));
        }
        let xs = views(x);
        if labels.len() != xs.len() {
            return Err(Error::SeriesCountMismatch {
                inputs: xs.len(),
                targets: labels.len(),
            });
        }
        let targets: Vec<Mat<f64>> = xs
            .iter()
            .zip(labels)
            .map(|(s, &c)| one_hot(c, classes, s.nrows()))
            .collect::<Result<_>>()?;
        self.esn.reset();
        self.esn.fit(&xs, &targets, warmup)?;
        self.esn.reset();
        Ok(())
    }
}

impl Classify for EsnClassifier {
    /// The class of each series, each run from the zero state (in parallel).
    fn classify<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<usize>> {
        self.outputs(series)?
            .iter()
            .map(|o| decide(o, self.last))
            .collect()
    }
}
