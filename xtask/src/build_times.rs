//! `cargo xtask build-times`: what depending on the SDK costs a downstream
//! build, per TLS feature set.
//!
//! For each feature set, a minimal downstream crate (its own workspace in a
//! scratch directory, the repository's Cargo.lock, one blocking
//! `cancel_sync` in `main`, depending on `vast-api-ext` by path and nothing
//! else) gets a clean release build in a fresh target directory
//! (`cargo build --release --timings`), one set after the other: the wall
//! time, the five slowest units of cargo's timings, the crates in its normal
//! tree and its stripped binary's size. `--before DIR` measures another
//! checkout's default set the same way, last (the code before a change).
//! `--rounds N` measures every row N times, alternating the order, and
//! shows each row's fastest run. With `--vast`, the `vast` binary is then built
//! per row (one target directory per checkout) and its stripped size
//! reported. Every scratch directory is deleted after its measurement.
//!
//! The figures depend on the machine and on what else runs on it: the load
//! average before and after each build is printed with them. `--write`
//! puts the section into BENCHMARKS.md (replacing the previous one); `cargo
//! xtask bench` keeps it when it rewrites that file.

use crate::measure::{self, run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The command line that reproduces a section measured with `options`.
pub fn command(options: &Options) -> String {
    let mut command = format!(
        "cargo xtask build-times --sets {} --rounds {}",
        options.sets.join(","),
        options.rounds
    );
    if options.vast {
        command.push_str(" --vast");
    }
    if let Some(before) = &options.before {
        command.push_str(&format!(" --before {}", before.display()));
    }
    command + " --write"
}

/// The TLS feature sets measured by default, the default first.
pub const SETS: [&str; 3] = ["default", "rustls-ring", "native-tls"];

/// Crates whose compile time the section lists for every set (the TLS
/// stacks, and the optional parts this repository dropped or made optional:
/// HTTP/2 and schemars), each summed over its units.
pub const WATCHED: [&str; 9] = [
    "aws-lc-sys",
    "aws-lc-rs",
    "ring",
    "rustls",
    "openssl-sys",
    "openssl",
    "h2",
    "schemars",
    "schemars_derive",
];

/// The minimal downstream crate's `main`.
const MAIN_RS: &str = r#"//! A minimal downstream program: one call through vast-api-ext.
fn main() -> Result<(), vast_api_ext::Error> {
    let client = vast_api_ext::blocking::Client::builder()
        .api_key("build-times")
        .build()?;
    let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(1)?)?;
    println!("{:?}", outcome.message);
    Ok(())
}
"#;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// The checkout whose `vast-api-ext` (and `vast-cli`) is measured.
    pub repo: PathBuf,
    /// Feature sets: `default`, or a TLS feature built with default
    /// features off.
    pub sets: Vec<String>,
    /// Also build `vast` per set and report its stripped size.
    pub vast: bool,
    /// Another checkout (the code before a change) whose default set is
    /// measured last, the same way, as one more row.
    pub before: Option<PathBuf>,
    /// How many times to measure every row, in alternating order; each row
    /// shows its fastest run.
    pub rounds: usize,
}

/// One unit of cargo's timings.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// The crate's name.
    pub name: String,
    /// The crate and what was built (`aws-lc-sys (build script run)`).
    pub label: String,
    /// Seconds.
    pub duration: f64,
}

/// One feature set's figures.
#[derive(Debug, Clone)]
pub struct Measure {
    /// The feature set.
    pub set: String,
    /// The row's name: the set, and "before" for [`Options::before`].
    pub label: String,
    /// The checkout measured.
    pub repo: PathBuf,
    /// Wall time of `cargo build --release --timings`.
    pub wall: Duration,
    /// The sum of all units' durations (compile time; more than the wall
    /// time on several cores).
    pub unit_total: f64,
    /// The five slowest units.
    pub top: Vec<Unit>,
    /// Seconds spent on each of [`WATCHED`] (all its units), `None` when
    /// it is not built.
    pub watched: Vec<(&'static str, Option<f64>)>,
    /// Crates in the minimal crate's normal tree, itself included.
    pub crates: usize,
    /// The minimal crate's binary, stripped, in bytes.
    pub binary: u64,
    /// `vast`'s binary for this set, stripped, in bytes (with `--vast`).
    pub vast: Option<u64>,
    /// Load averages (1 min) before and after the build.
    pub load: (String, String),
    /// The wall time of every round (`--rounds`), shortest first; this
    /// measure is the fastest one.
    pub walls: Vec<Duration>,
}

/// Cargo with incremental compilation off.
fn cargo() -> Command {
    let mut command = measure::cargo();
    command.env("CARGO_INCREMENTAL", "0");
    command
}

/// The 1-minute load average, as text.
fn load_average() -> String {
    measure::load_averages()
        .and_then(|l| l.into_iter().next())
        .unwrap_or_else(|| "?".into())
}

/// The `vast-api-ext` dependency line for a feature set.
fn dependency(repo: &Path, set: &str) -> String {
    let path = repo.join("vast-api-ext");
    let path = path.display();
    match set {
        "default" => format!(r#"vast-api-ext = {{ path = "{path}", features = ["blocking"] }}"#),
        tls => format!(
            r#"vast-api-ext = {{ path = "{path}", default-features = false, features = ["blocking", "{tls}"] }}"#
        ),
    }
}

/// A fresh scratch directory.
fn scratch(name: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("vast-build-times-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Size of `binary` after `strip` (on a copy).
fn stripped_size(binary: &Path) -> Result<u64, String> {
    let copy = binary.with_extension("stripped");
    std::fs::copy(binary, &copy).map_err(|e| format!("{}: {e}", binary.display()))?;
    run(Command::new("strip").arg(&copy), "strip")?;
    let size = std::fs::metadata(&copy)
        .map_err(|e| format!("{}: {e}", copy.display()))?
        .len();
    Ok(size)
}

/// Parses the units of a `cargo-timing.html` (its `UNIT_DATA` array).
pub fn units(html: &str) -> Result<Vec<Unit>, String> {
    let start = html
        .find("const UNIT_DATA = ")
        .ok_or("no UNIT_DATA in the timings")?
        + "const UNIT_DATA = ".len();
    let end = html[start..].find("\n];").ok_or("UNIT_DATA does not end")? + start + 2;
    let data: Vec<Value> =
        serde_json::from_str(&html[start..end]).map_err(|e| format!("UNIT_DATA: {e}"))?;
    Ok(data
        .iter()
        .map(|unit| {
            let name = unit["name"].as_str().unwrap_or("?");
            let target = unit["target"].as_str().unwrap_or("").trim();
            let mode = unit["mode"].as_str().unwrap_or("");
            let label = if mode == "run-custom-build" {
                format!("{name} (build script run)")
            } else if target.contains("build-script") || target.contains("custom-build") {
                format!("{name} (build script)")
            } else {
                name.to_owned()
            };
            Unit {
                name: name.to_owned(),
                label,
                duration: unit["duration"].as_f64().unwrap_or(0.0),
            }
        })
        .collect())
}

/// Measures one feature set of the minimal crate.
fn measure(repo: &Path, set: &str) -> Result<Measure, String> {
    let dir = scratch(set)?;
    let result = measure_in(&dir, repo, set);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure_in(dir: &Path, repo: &Path, set: &str) -> Result<Measure, String> {
    let manifest = format!(
        "[package]\nname = \"minimal\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n{}\n",
        dependency(repo, set)
    );
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), MAIN_RS).map_err(|e| e.to_string())?;
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let target = dir.join("target");
    // Resolve (and download) before the clock starts.
    run(
        cargo().arg("fetch").current_dir(dir),
        &format!("cargo fetch ({set})"),
    )?;
    let tree = run(
        cargo()
            .args([
                "tree", "-e", "normal", "--prefix", "none", "--format", "{p}",
            ])
            .current_dir(dir),
        &format!("cargo tree ({set})"),
    )?;
    let crates = measure::distinct_crates(&tree);
    let before = load_average();
    let start = Instant::now();
    run(
        cargo()
            .args(["build", "--release", "--timings", "--offline"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(dir),
        &format!("cargo build ({set})"),
    )?;
    let wall = start.elapsed();
    let after = load_average();
    let html = std::fs::read_to_string(target.join("cargo-timings/cargo-timing.html"))
        .map_err(|e| format!("timings ({set}): {e}"))?;
    let mut all = units(&html)?;
    let unit_total = all.iter().map(|u| u.duration).sum();
    let watched = WATCHED
        .iter()
        .map(|name| {
            let mine: Vec<f64> = all
                .iter()
                .filter(|u| u.name == *name)
                .map(|u| u.duration)
                .collect();
            (*name, (!mine.is_empty()).then(|| mine.iter().sum()))
        })
        .collect();
    all.sort_by(|a, b| b.duration.total_cmp(&a.duration));
    all.truncate(5);
    Ok(Measure {
        set: set.to_owned(),
        label: format!("`{set}`"),
        repo: repo.to_owned(),
        wall,
        unit_total,
        top: all,
        watched,
        crates,
        binary: stripped_size(&target.join("release/minimal"))?,
        vast: None,
        load: (before, after),
        walls: vec![wall],
    })
}

/// Builds `vast` for a feature set in `dir` (a target directory shared by
/// the sets of one checkout: sizes do not need clean builds) and returns its
/// stripped size.
fn vast_size(dir: &Path, repo: &Path, set: &str) -> Result<u64, String> {
    let mut command = cargo();
    command
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "vast-cli",
            "--bin",
            "vast",
        ])
        .env("CARGO_TARGET_DIR", dir)
        .current_dir(repo);
    if set != "default" {
        command.args(["--no-default-features", "--features", set]);
    }
    run(&mut command, &format!("cargo build vast ({set})"))?;
    stripped_size(&dir.join("release/vast"))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The published crates whose normal trees the section counts per set.
pub const PACKAGES: [&str; 4] = ["vast-api", "vast-api-ext", "vast-cli", "vast-mock"];

/// Crates in `package`'s normal tree in `repo` with a feature set (`None`
/// when the package has no such feature: vast-mock has no TLS feature).
fn tree_size(repo: &Path, package: &str, set: &str) -> Result<Option<usize>, String> {
    match set {
        "default" => measure::crate_count(repo, package, None).map(Some),
        _ if package == "vast-mock" => Ok(None),
        tls => measure::crate_count(repo, package, Some(tls)).map(Some),
    }
}

/// Measures every set in turn and renders the section.
pub fn measure_all(options: &Options) -> Result<String, String> {
    let mut trees = Vec::new();
    for package in PACKAGES {
        let mut sizes = Vec::new();
        for set in &options.sets {
            sizes.push(tree_size(&options.repo, package, set)?);
        }
        trees.push((package, sizes));
    }
    // The rows: each set of the repository, then the "before" checkout.
    let mut rows: Vec<(&Path, &str, String)> = options
        .sets
        .iter()
        .map(|set| (options.repo.as_path(), set.as_str(), format!("`{set}`")))
        .collect();
    if let Some(before) = &options.before {
        rows.push((before.as_path(), "default", "`default`, before".to_owned()));
    }
    // Rounds alternate the order, so that a load that rises or falls during
    // the run does not favour the rows measured first.
    let mut runs: Vec<Vec<Measure>> = rows.iter().map(|_| Vec::new()).collect();
    for round in 0..options.rounds.max(1) {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (repo, set, label) = &rows[i];
            eprintln!("build-times: round {}: {label}…", round + 1);
            let mut m = measure(repo, set)?;
            eprintln!("build-times: {label}: {:.1} s", m.wall.as_secs_f64());
            m.label = label.clone();
            runs[i].push(m);
        }
    }
    // Each row is its fastest run, the one other work on the machine slowed
    // least, with every run's wall time.
    let mut measures = Vec::new();
    for mut row in runs {
        row.sort_by_key(|m| m.wall);
        let walls = row.iter().map(|m| m.wall).collect();
        let mut fastest = row.swap_remove(0);
        fastest.walls = walls;
        measures.push(fastest);
    }
    if options.vast {
        let dirs = [scratch("vast")?, scratch("vast-before")?];
        let mut result = Ok(());
        for m in &mut measures {
            eprintln!("build-times: vast ({})…", m.label);
            let dir = &dirs[usize::from(m.repo != options.repo)];
            match vast_size(dir, &m.repo, &m.set) {
                Ok(size) => m.vast = Some(size),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        for dir in &dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
        result?;
    }
    let rustc = measure::rustc_version()?;
    Ok(render(
        &measures,
        &trees,
        &command(options),
        &rustc,
        &measure::machine(),
    ))
}

/// The BENCHMARKS.md section for `measures` (the first is the reference)
/// and the published crates' tree sizes (`trees`: per package, one size
/// per set, in the order of `measures`).
pub fn render(
    measures: &[Measure],
    trees: &[(&str, Vec<Option<usize>>)],
    command: &str,
    rustc: &str,
    machine: &str,
) -> String {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let mut text = format!(
        "{}\n\n\
         Produced by `{command}`: a clean release build (`cargo build --release --timings`, \
         a fresh target directory each time, the sets one after the other) of a minimal \
         downstream crate that depends on `vast-api-ext` only (features `blocking` and the \
         set's TLS feature, default features off except in `default`) and makes one call in \
         `main`. Each row is the fastest of `--rounds` runs (the one other work on the machine \
         slowed least), the rounds in alternating order so that a changing load does not \
         favour the rows measured first; its load figures and units are that run's. A \"before\" row is the same measurement of the checkout given to `--before` \
         (the code before a change, e.g. `git archive main`). Wall times depend on what else \
         the machine runs: the 1-minute load average before and after each build is shown.\n\n\
         - Machine: {machine}\n- Toolchain: {rustc}\n- Date: {date}\n\n\
         | feature set | wall (s), fastest | every round (s) | vs `{}` | compile time, all units (s) | crates in the normal tree | minimal binary, stripped | `vast`, stripped | load before → after |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---|\n",
        measure::BUILD_COST_HEADING,
        measures.first().map_or("default", |m| m.set.as_str())
    );
    let reference = measures.first().map_or(1.0, |m| m.wall.as_secs_f64());
    for m in measures {
        text.push_str(&format!(
            "| {} | {:.1} | {} | {:.0} % | {:.1} | {} | {} | {} | {} → {} |\n",
            m.label,
            m.wall.as_secs_f64(),
            m.walls
                .iter()
                .map(|w| format!("{:.1}", w.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", "),
            100.0 * m.wall.as_secs_f64() / reference,
            m.unit_total,
            m.crates,
            mib(m.binary),
            m.vast.map_or("—".to_owned(), mib),
            m.load.0,
            m.load.1,
        ));
    }
    text.push_str(
        "\nThe five slowest units of each build (seconds, share of the compile time):\n\n",
    );
    for m in measures {
        let top: Vec<String> = m
            .top
            .iter()
            .map(|u| {
                format!(
                    "{} {:.1} ({:.0} %)",
                    u.label,
                    u.duration,
                    100.0 * u.duration / m.unit_total.max(f64::EPSILON)
                )
            })
            .collect();
        text.push_str(&format!("- {}: {}\n", m.label, top.join(", ")));
    }
    text.push_str(
        "\nSeconds spent on some crates (all their units; — : not built):\n\n| feature set |",
    );
    for name in WATCHED {
        text.push_str(&format!(" {name} |"));
    }
    text.push_str("\n|---|");
    text.push_str(&"---:|".repeat(WATCHED.len()));
    text.push('\n');
    for m in measures {
        text.push_str(&format!("| {} |", m.label));
        for (_, seconds) in &m.watched {
            text.push_str(&match seconds {
                Some(s) => format!(" {s:.1} |"),
                None => " — |".to_owned(),
            });
        }
        text.push('\n');
    }
    text.push_str("\nCrates in each published crate's normal tree (`cargo tree -e normal -p <crate>`, the set's features), itself included:\n\n| crate |");
    let sets: Vec<&Measure> = measures
        .iter()
        .filter(|m| m.label == format!("`{}`", m.set))
        .collect();
    for m in &sets {
        text.push_str(&format!(" `{}` |", m.set));
    }
    text.push_str("\n|---|");
    text.push_str(&"---:|".repeat(sets.len()));
    text.push('\n');
    for (package, sizes) in trees {
        text.push_str(&format!("| {package} |"));
        for size in sizes {
            text.push_str(&size.map_or(" — |".to_owned(), |n| format!(" {n} |")));
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_from_cargo_timings() {
        let html = "<script>\nDURATION = 1;\nconst UNIT_DATA = [\n  {\"name\": \"aws-lc-sys\", \"target\": \" build-script-build\", \"mode\": \"run-custom-build\", \"duration\": 88.5},\n  {\"name\": \"ring\", \"target\": \"\", \"mode\": \"todo\", \"duration\": 9.25}\n];\nconst CONCURRENCY_DATA = [];";
        let units = units(html).unwrap();
        assert_eq!(
            units,
            [
                Unit {
                    name: "aws-lc-sys".into(),
                    label: "aws-lc-sys (build script run)".into(),
                    duration: 88.5
                },
                Unit {
                    name: "ring".into(),
                    label: "ring".into(),
                    duration: 9.25
                }
            ]
        );
        assert!(super::units("no data").is_err());
    }
}
