//! The README's command-line tour runs as written, command after command.

mod common;

use common::*;
use std::path::Path;

/// A command's words, with `*` in a file name expanded as a shell would (sorted).
fn expand(d: &Path, word: &str) -> Vec<String> {
    let Some((prefix, suffix)) = word.split_once('*') else {
        return vec![word.to_string()];
    };
    let (folder, prefix) = prefix.rsplit_once('/').unwrap_or(("", prefix));
    let mut names: Vec<String> = std::fs::read_dir(d.join(folder))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .map(|n| {
            if folder.is_empty() {
                n
            } else {
                format!("{folder}/{n}")
            }
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "{word} matches nothing");
    names
}

#[test]
fn the_readme_tour_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("## Command line")
        .expect("a command-line section");
    let end = start + readme[start..].find("\n## ").expect("a section after it");
    let section = &readme[start..end];
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("examples")).unwrap();
    for example in ["mackey-glass.toml", "japanese-vowels.toml"] {
        std::fs::copy(
            root.join("examples").join(example),
            d.join("examples").join(example),
        )
        .unwrap();
    }
    let mut ran = 0;
    let mut printed = Vec::new();
    // every sh block of the section, a line ending in `\` continued on the next
    for block in section.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap().replace("\\\n", " ");
        for line in block.lines().filter(|l| !l.trim().is_empty()) {
            let words: Vec<String> = line
                .strip_prefix("aquifer ")
                .unwrap_or_else(|| panic!("not an aquifer command: {line}"))
                .split_whitespace()
                .flat_map(|w| expand(d, w))
                .collect();
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            let out = ok(d, &args);
            assert!(!out.is_empty(), "{line}: printed nothing");
            printed.push(out);
            ran += 1;
        }
    }
    assert!(ran >= 10, "the tour shows every main command");
    // what the tour promises exists and holds what it says
    let forecast = read(&d.join("forecast.csv"));
    assert_eq!((forecast.nrows(), forecast.ncols()), (2000, 1));
    assert_eq!(read(&d.join("states.npy")).ncols(), 500);
    assert_eq!(read(&d.join("generated.csv")).nrows(), 1000);
    assert!(std::fs::read(d.join("generated.png"))
        .unwrap()
        .starts_with(b"\x89PNG"));
    // the classification figure the README states
    let score = printed.last().unwrap();
    assert!(
        score.starts_with("accuracy 98.38% (364 of 370 series"),
        "{score}"
    );
    assert!(readme.contains("reaches 98.38% (364 of 370"));
}
