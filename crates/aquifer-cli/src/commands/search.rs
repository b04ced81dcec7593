//! `aquifer search`: a hyperparameter study from a TOML study file, recorded line by line in
//! JSON lines, resumable, and its best trial as a ready-to-use `fit` configuration.

use crate::error::{Error, Result};
use crate::progress;
use crate::study::{self, Task};
use aquifer::search::{read_records, Study, Trial};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Arguments of `aquifer search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study file (TOML): data, model, spaces, loss, budget, sampler.
    #[arg(required_unless_present_any = ["resume", "best"], conflicts_with_all = ["resume", "best"])]
    pub study: Option<PathBuf>,
    /// Go on with the study recorded in this file (its trials are the sampler's history;
    /// numbering continues).
    #[arg(long, value_name = "RECORDS", conflicts_with = "best")]
    pub resume: Option<PathBuf>,
    /// Print the best trial of these records as a ready-to-use `aquifer fit` configuration.
    #[arg(long, value_name = "RECORDS")]
    pub best: Option<PathBuf>,
    /// The budget: run trials until this many are finished (default: the study file's).
    #[arg(long)]
    pub trials: Option<usize>,
    /// Run only trial K of the study recorded in --resume RECORDS and append it under a lock,
    /// so that many processes (a job array) share one records file: none is lost, none is
    /// recorded twice (a trial recorded already is not run again). Create the records first
    /// with `aquifer search STUDY --trials 0`.
    #[arg(long, value_name = "K", requires = "resume", conflicts_with_all = ["trials", "best"])]
    pub trial: Option<usize>,
}

/// The flag Ctrl-C sets (one handler per process).
static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

fn stop_flag() -> Arc<AtomicBool> {
    Arc::clone(STOP.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = Arc::clone(&flag);
        // a second Ctrl-C quits at once; the finished trials are on disk already
        let _ = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!(
                "\nstopping: the running trials finish and are recorded (Ctrl-C again quits now)"
            );
        });
        flag
    }))
}

/// Runs the command.
pub fn run(args: &Args, quiet: bool) -> Result<()> {
    if let Some(records) = &args.best {
        return best(records);
    }
    if let (Some(k), Some(records)) = (args.trial, &args.resume) {
        return one_trial(records, k);
    }
    let (mut study, task, budget) = match (&args.study, &args.resume) {
        (Some(path), None) => {
            let s = study::load(path)?;
            let (file, f) = study::file_of(&s.spec)?;
            let task = Task::new(&file, &f)?;
            let st = Study::recorded(s.spec, &s.records)?;
            println!("recording to {}", s.records.display());
            (st, task, s.trials)
        }
        (None, Some(records)) => {
            let st = Study::resume(records)?;
            let (file, f) = study::file_of(st.spec())?;
            let s = study::parse(&serde_text(st.spec())?, &file)?;
            let task = Task::new(&file, &f)?;
            println!(
                "resuming {} ({} trials recorded)",
                records.display(),
                st.trials().len()
            );
            (st, task, s.trials)
        }
        _ => return Err(Error::usage("give a study file, or --resume RECORDS")),
    };
    let budget = args.trials.unwrap_or(budget);
    let done = study.trials().len().min(budget);
    let bar = progress::bar(budget as u64, "trials", quiet);
    bar.set_position(done as u64);
    let spec = study.spec().clone();
    let shown = bar.clone();
    study.on_trial(move |_, so_far| {
        shown.inc(1);
        if let Some(b) = best_of(&spec, so_far) {
            shown.set_message(format!(
                "best {} {:.4e} (trial {})",
                spec.loss,
                b.loss.unwrap_or(f64::NAN),
                b.number
            ));
        }
    });
    study.stop_on(stop_flag());
    let result = study.optimize(budget, |p, i| task.evaluate(p, i));
    bar.finish_and_clear();
    let trials = result?.to_vec();
    summary(&study, &trials, budget, task.ridges())
}

/// `--resume RECORDS --trial K`: one trial, appended under a lock.
fn one_trial(records: &Path, k: usize) -> Result<()> {
    let mut study = Study::resume(records)?;
    let (file, f) = study::file_of(study.spec())?;
    let task = Task::new(&file, &f)?;
    match study.run_trial(k, |p, i| task.evaluate(p, i))? {
        None => println!("trial {k} is recorded already in {}", records.display()),
        Some(t) => {
            match (&t.error, t.loss) {
                (Some(e), _) => println!("trial {k} failed: {e}"),
                (None, loss) => println!(
                    "trial {k}: {} {:.6e} in {:.2} s",
                    study.spec().loss,
                    loss.unwrap_or(f64::NAN),
                    t.seconds
                ),
            }
            for (name, v) in &t.params {
                println!("  {name} = {v}");
            }
            println!("recorded in {}", records.display());
        }
    }
    Ok(())
}

/// The records' study description as the study file's text.
fn serde_text(spec: &aquifer::search::StudySpec) -> Result<String> {
    spec.context["text"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::usage("the records do not hold their study file"))
}

fn best_of<'a>(spec: &aquifer::search::StudySpec, trials: &'a [Trial]) -> Option<&'a Trial> {
    trials.iter().filter(|t| t.is_ok()).min_by(|a, b| {
        let (x, y) = (a.loss.unwrap_or(f64::NAN), b.loss.unwrap_or(f64::NAN));
        spec.direction
            .signed(x)
            .total_cmp(&spec.direction.signed(y))
    })
}

fn summary(study: &Study, trials: &[Trial], budget: usize, ridges: &[f64]) -> Result<()> {
    let failed = trials.iter().filter(|t| !t.is_ok()).count();
    let spec = study.spec();
    println!(
        "{} of {budget} trials finished ({failed} failed){}",
        trials.len(),
        if trials.len() < budget {
            "; stopped early: --resume goes on"
        } else {
            ""
        }
    );
    match study.best() {
        Some(b) => {
            println!(
                "best: trial {} with {} {:.6e}{}",
                b.number,
                spec.loss,
                b.loss.unwrap_or(f64::NAN),
                b.spread.map_or(String::new(), |s| format!(
                    " (spread {s:.2e} over {} instances)",
                    b.losses.len()
                ))
            );
            for (k, v) in &b.params {
                println!("  {k} = {v}");
            }
            let chosen = b.params.get("readout.ridge").and_then(|v| v.as_f64());
            let ends = (ridges.first(), ridges.last());
            if ridges.len() > 1 && chosen.is_some_and(|r| Some(&r) == ends.0 || Some(&r) == ends.1)
            {
                println!(
                    "note: the best ridge is at an end of the grid ({:e} to {:e}): widen [ridge]",
                    ridges[0],
                    ridges[ridges.len() - 1]
                );
            }
        }
        None => println!("no trial finished with a finite loss"),
    }
    Ok(())
}

/// Prints the best trial of a records file as an `aquifer fit` configuration.
fn best(records: &Path) -> Result<()> {
    let (spec, trials) = read_records(records)?;
    let (file, f) = study::file_of(&spec)?;
    let b = best_of(&spec, &trials).ok_or_else(|| {
        Error::usage(format!(
            "{}: no trial finished with a finite loss",
            records.display()
        ))
    })?;
    let task = Task::new(&file, &f)?;
    let table = task.model_table(&b.params, b.seeds.first().copied().unwrap_or(spec.seed))?;
    let text = toml::to_string(&table).map_err(|e| Error::usage(e.to_string()))?;
    println!(
        "# best trial {} of study `{}`: {} {:.6e} (mean of {} instances; seed of the first)",
        b.number,
        spec.name,
        spec.loss,
        b.loss.unwrap_or(f64::NAN),
        b.losses.len()
    );
    print!("{text}");
    Ok(())
}
