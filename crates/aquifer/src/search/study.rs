//! A study: trials drawn by a sampler, evaluated in parallel by an objective, recorded.

use super::records::{self, Records, Trial};
use super::space::{Params, Space};
use super::spec::{Sampler, StudySpec};
use super::tpe;
use crate::error::{Error, Result};
use crate::parallel::Parallelism;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One model of a trial: the trial's number, the instance's index and its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// The trial's number.
    pub trial: usize,
    /// The instance's index in the trial.
    pub index: usize,
    /// Its seed (derived from the study's seed, the trial and the index).
    pub seed: u64,
}

/// What an objective returns for one instance: the loss, or the losses over a grid of
/// hyperparameters it resolved itself (the ridge, in closed form), each with the values it
/// used. The trial keeps the grid point whose mean loss over the instances is best.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Per grid point, the hyperparameters it sets and the loss.
    pub grid: Vec<(Params, f64)>,
}

impl From<f64> for Evaluation {
    fn from(loss: f64) -> Self {
        Evaluation {
            grid: vec![(Params::new(), loss)],
        }
    }
}

/// Called after each finished trial with it and the trials so far.
pub type OnTrial = Box<dyn Fn(&Trial, &[Trial]) + Send + Sync>;

/// A study: a [`StudySpec`], its finished trials and, if any, its records file.
///
/// ```
/// use aquifer::search::{Space, Study, StudySpec};
/// let space = [("x".to_string(), Space::Uniform { low: -5.0, high: 5.0 })].into();
/// let mut study = Study::new(StudySpec::new("parabola", space, 1))?;
/// study.optimize(60, |p, _| {
///     let x = p["x"].as_f64().unwrap();
///     Ok((x - 1.0).powi(2).into())
/// })?;
/// let best = study.best().unwrap();
/// assert!((best.params["x"].as_f64().unwrap() - 1.0).abs() < 0.3);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub struct Study {
    spec: StudySpec,
    trials: Vec<Trial>,
    records: Option<Mutex<Records>>,
    stop: Arc<AtomicBool>,
    threads: Parallelism,
    on_trial: Option<OnTrial>,
}

impl std::fmt::Debug for Study {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Study")
            .field("spec", &self.spec)
            .field("trials", &self.trials.len())
            .finish()
    }
}

/// The component of the study's seed for the sampler's streams.
const SAMPLER: u64 = 0x5A_4D_50;

impl Study {
    /// A study kept in memory.
    pub fn new(spec: StudySpec) -> Result<Self> {
        spec.validate()?;
        Ok(Study {
            spec,
            trials: Vec::new(),
            records: None,
            stop: Arc::new(AtomicBool::new(false)),
            threads: Parallelism::Auto,
            on_trial: None,
        })
    }

    /// A study recorded in a new file at `path` (an existing file is an error).
    pub fn recorded(spec: StudySpec, path: &Path) -> Result<Self> {
        let mut study = Study::new(spec)?;
        study.records = Some(Mutex::new(Records::create(path, &study.spec)?));
        Ok(study)
    }

    /// The study recorded at `path`, to go on with: its trials are the history, numbering
    /// continues, and new trials are appended.
    pub fn resume(path: &Path) -> Result<Self> {
        let (spec, trials) = records::read(path)?;
        let mut study = Study::new(spec)?;
        study.trials = trials;
        study.records = Some(Mutex::new(Records::append(path)?));
        Ok(study)
    }

    /// The flag that stops the study: trials not yet started are not run; those running
    /// finish and are recorded (set it from a Ctrl-C handler).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Stops on this flag instead of the study's own (one flag for a process's Ctrl-C).
    pub fn stop_on(&mut self, flag: Arc<AtomicBool>) -> &mut Self {
        self.stop = flag;
        self
    }

    /// Threads the trials run on (each trial on one thread).
    pub fn threads(&mut self, threads: Parallelism) -> &mut Self {
        self.threads = threads;
        self
    }

    /// Calls `f` after each finished trial (for a progress bar).
    pub fn on_trial(&mut self, f: impl Fn(&Trial, &[Trial]) + Send + Sync + 'static) -> &mut Self {
        self.on_trial = Some(Box::new(f));
        self
    }

    /// The description.
    pub fn spec(&self) -> &StudySpec {
        &self.spec
    }

    /// The finished trials, by number.
    pub fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// The best trial with a finite loss.
    pub fn best(&self) -> Option<&Trial> {
        let d = self.spec.direction;
        self.trials.iter().filter(|t| t.is_ok()).min_by(|a, b| {
            d.signed(a.loss.unwrap_or(f64::NAN))
                .total_cmp(&d.signed(b.loss.unwrap_or(f64::NAN)))
                .then(a.number.cmp(&b.number))
        })
    }

    /// The hyperparameters of trial `number`, drawn from the trials of the batches before its
    /// own: the same whatever the threads, interruptions and resumptions.
    fn suggest(&self, number: usize) -> Params {
        let start = number - number % self.spec.batch;
        let d = self.spec.direction;
        let history: Vec<(&Params, f64)> = self
            .trials
            .iter()
            .filter(|t| t.number < start)
            .map(|t| {
                (
                    &t.params,
                    t.loss
                        .filter(|l| l.is_finite())
                        .map_or(f64::NAN, |l| d.signed(l)),
                )
            })
            .collect();
        let space: Vec<(String, Space)> = self
            .spec
            .space
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut rng =
            crate::rng::stream(crate::rng::derive(self.spec.seed, SAMPLER), number as u64);
        match self.spec.sampler {
            Sampler::Random => space
                .iter()
                .map(|(name, s)| (name.clone(), s.sample(&mut rng)))
                .collect(),
            Sampler::Tpe(p) => tpe::suggest(&space, &history, &p, &mut rng),
        }
    }

    /// Runs trials until trials `0..trials` are all finished (those recorded already are not
    /// run again) or the stop flag is set; each trial runs `instances` instances of
    /// `objective` one after the other on one thread, and trials run in parallel within a
    /// batch. A trial whose objective fails, panics or gives a loss that is not finite is
    /// recorded with its error, and the study goes on. Returns the finished trials.
    pub fn optimize<F>(&mut self, trials: usize, objective: F) -> Result<&[Trial]>
    where
        F: Fn(&Params, &Instance) -> Result<Evaluation> + Sync,
    {
        let b = self.spec.batch;
        for first in (0..trials).step_by(b) {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let done: BTreeSet<usize> = self.trials.iter().map(|t| t.number).collect();
            let todo: Vec<(usize, Params)> = (first..(first + b).min(trials))
                .filter(|k| !done.contains(k))
                .map(|k| (k, self.suggest(k)))
                .collect();
            if todo.is_empty() {
                continue;
            }
            let finished: Mutex<Vec<Trial>> = Mutex::new(Vec::new());
            let failed: Mutex<Option<Error>> = Mutex::new(None);
            let this = &*self;
            let objective = &objective;
            self.threads.install(|| {
                todo.par_iter().for_each(|(number, params)| {
                    if this.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let trial = this.evaluate(*number, params, objective);
                    let mut all = finished.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(records) = &this.records {
                        let pushed = records
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(&trial);
                        if let Err(e) = pushed {
                            failed
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(e);
                        }
                    }
                    all.push(trial);
                    if let Some(f) = &this.on_trial {
                        let mut so_far: Vec<Trial> = this.trials.clone();
                        so_far.extend(all.iter().cloned());
                        f(all.last().expect("just pushed"), &so_far);
                    }
                })
            })?;
            if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
                return Err(e);
            }
            let mut batch = finished.into_inner().unwrap_or_else(|e| e.into_inner());
            batch.sort_by_key(|t| t.number);
            self.trials.extend(batch);
            self.trials.sort_by_key(|t| t.number);
        }
        Ok(&self.trials)
    }

    /// Runs trial `number` alone and records it, for studies spread over processes that share
    /// the records file (a job array, one trial per job): the trial's hyperparameters are those
    /// [`Study::optimize`] would give it, and it is appended under a lock
    /// ([`Records::push_once`]). Returns `None` when the trial is recorded already (before, or
    /// by another process meanwhile): running a trial twice never records it twice. With the
    /// TPE sampler, every trial of the batches before its own must be recorded (they are its
    /// history); a random sampler needs none. The study must be recorded
    /// ([`Study::recorded`] or [`Study::resume`]).
    pub fn run_trial<F>(&mut self, number: usize, objective: F) -> Result<Option<Trial>>
    where
        F: Fn(&Params, &Instance) -> Result<Evaluation> + Sync,
    {
        let path = match &self.records {
            Some(r) => r
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .path()
                .to_path_buf(),
            None => {
                return Err(Error::Unsupported {
                    operation: "running one trial",
                    reason: "the study keeps no records file to share".into(),
                })
            }
        };
        if self.trials.iter().any(|t| t.number == number) {
            return Ok(None);
        }
        self.check_history(number)?;
        let params = self.suggest(number);
        let trial = self.evaluate(number, &params, &objective);
        if !Records::push_once(&path, &trial)? {
            return Ok(None);
        }
        self.trials.push(trial.clone());
        self.trials.sort_by_key(|t| t.number);
        Ok(Some(trial))
    }

    /// The instances of trial `number`: their seeds, derived from the study's seed.
    fn instances(&self, number: usize) -> Vec<Instance> {
        (0..self.spec.instances)
            .map(|index| Instance {
                trial: number,
                index,
                seed: crate::rng::derive(
                    crate::rng::derive(self.spec.seed, number as u64),
                    index as u64,
                ),
            })
            .collect()
    }

    /// One trial: every instance, then the grid point with the best mean.
    fn evaluate<F>(&self, number: usize, params: &Params, objective: &F) -> Trial
    where
        F: Fn(&Params, &Instance) -> Result<Evaluation> + Sync,
    {
        let start = Instant::now();
        let mut results = Vec::new();
        for instance in self.instances(number) {
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                objective(params, &instance)
            }));
            let result = match run {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "unknown panic".into());
                    Err(format!("the objective panicked: {msg}"))
                }
            };
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        self.trial_of(number, params, results, start.elapsed().as_secs_f64())
    }

    /// A trial from its instances' results, in order (the first failure ends it).
    fn trial_of(
        &self,
        number: usize,
        params: &Params,
        results: Vec<std::result::Result<Evaluation, String>>,
        seconds: f64,
    ) -> Trial {
        let mut trial = Trial {
            number,
            params: params.clone(),
            loss: None,
            losses: Vec::new(),
            spread: None,
            seeds: self.instances(number).iter().map(|i| i.seed).collect(),
            seconds,
            error: None,
        };
        let mut evaluations = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(e) if !e.grid.is_empty() => evaluations.push(e),
                Ok(_) => {
                    trial.error = Some("the objective returned no loss".into());
                    break;
                }
                Err(m) => {
                    trial.error = Some(m);
                    break;
                }
            }
        }
        if trial.error.is_none() && evaluations.len() < self.spec.instances {
            trial.error = Some(format!(
                "{} of {} instances returned a result",
                evaluations.len(),
                self.spec.instances
            ));
        }
        if trial.error.is_none() {
            self.choose(&mut trial, &evaluations);
        }
        trial
    }

    /// What trial `number` is to run, for work spread over processes or machines (Dask
    /// tasks, a job queue): its hyperparameters (those [`Study::optimize`] would give it) and
    /// its instances. Its results come back through [`Study::tell`]. With TPE, every trial of
    /// the batches before its own must be told first (they are its history).
    pub fn ask(&self, number: usize) -> Result<(Params, Vec<Instance>)> {
        self.check_history(number)?;
        Ok((self.suggest(number), self.instances(number)))
    }

    /// Records trial `number` from its instances' results, in order (an error message for a
    /// failed instance ends the list), and the time it took; the trial is chosen and recorded as
    /// [`Study::optimize`] would (appended to the records file under a lock). Returns `None` if
    /// trial `number` is recorded already: results told twice (a retried task) count once.
    pub fn tell(
        &mut self,
        number: usize,
        params: &Params,
        results: Vec<std::result::Result<Evaluation, String>>,
        seconds: f64,
    ) -> Result<Option<Trial>> {
        if self.trials.iter().any(|t| t.number == number) {
            return Ok(None);
        }
        let trial = self.trial_of(number, params, results, seconds);
        if let Some(r) = &self.records {
            let path = r
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .path()
                .to_path_buf();
            if !Records::push_once(&path, &trial)? {
                return Ok(None);
            }
        }
        self.trials.push(trial.clone());
        self.trials.sort_by_key(|t| t.number);
        Ok(Some(trial))
    }

    /// With TPE, that every trial of the batches before `number`'s is recorded.
    fn check_history(&self, number: usize) -> Result<()> {
        if !matches!(self.spec.sampler, Sampler::Tpe(_)) {
            return Ok(());
        }
        let start = number - number % self.spec.batch;
        let done: BTreeSet<usize> = self.trials.iter().map(|t| t.number).collect();
        let missing: Vec<usize> = (0..start).filter(|k| !done.contains(k)).collect();
        match missing.first() {
            None => Ok(()),
            Some(first) => Err(Error::invalid(
                "trial",
                number,
                &format!(
                    "draws its hyperparameters (TPE) from every trial of the batches before \
                     its own, and {} of them are not recorded yet (first: {first}): run them \
                     first",
                    missing.len()
                ),
            )),
        }
    }

    /// The grid point with the best mean loss over the instances.
    fn choose(&self, trial: &mut Trial, evaluations: &[Evaluation]) {
        let points = evaluations[0].grid.len();
        if evaluations.iter().any(|e| e.grid.len() != points) {
            trial.error = Some("the instances returned grids of different sizes".into());
            return;
        }
        let d = self.spec.direction;
        let mean = |k: usize| {
            evaluations.iter().map(|e| e.grid[k].1).sum::<f64>() / evaluations.len() as f64
        };
        // ties go to the later point (in a ridge grid, the stronger regularisation)
        let best = (0..points)
            .rev()
            .filter(|&k| mean(k).is_finite())
            .min_by(|&a, &b| d.signed(mean(a)).total_cmp(&d.signed(mean(b))));
        let Some(k) = best else {
            trial.error = Some(format!(
                "the loss is not finite ({}): the model diverged",
                mean(0)
            ));
            return;
        };
        trial.losses = evaluations.iter().map(|e| e.grid[k].1).collect();
        let m = mean(k);
        trial.loss = Some(m);
        if trial.losses.len() > 1 {
            let n = trial.losses.len() as f64;
            let var = trial.losses.iter().map(|l| (l - m).powi(2)).sum::<f64>() / (n - 1.0);
            trial.spread = Some(var.sqrt());
        }
        for (name, v) in &evaluations[0].grid[k].0 {
            trial.params.insert(name.clone(), v.clone());
        }
    }
}
