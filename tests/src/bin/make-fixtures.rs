//! Writes fixture node trees.
//!
//!     make-fixtures DIR                        replaces DIR/<layout>/ for every layout
//!     make-fixtures --scale PODS PROCS DIR     writes DIR/scale-<PODS>x<PROCS>/ (benchmarks)

use nodesnap_tests::fake_node::FakeNode;
use nodesnap_tests::layouts;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: make-fixtures DIR | make-fixtures --scale PODS PROCS_PER_POD DIR";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [out] => write_all(Path::new(out)),
        [flag, pods, procs, out] if flag == "--scale" => match (pods.parse(), procs.parse()) {
            (Ok(pods), Ok(procs)) if pods > 0 && procs > 0 => {
                let dir = PathBuf::from(out).join(format!("scale-{pods}x{procs}"));
                replace(&dir, &layouts::scaled(pods, procs))
            }
            _ => Err(format!(
                "PODS and PROCS_PER_POD must be positive numbers\n{USAGE}"
            )),
        },
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("make-fixtures: {message}");
            ExitCode::from(2)
        }
    }
}

fn write_all(out: &Path) -> Result<(), String> {
    for (name, node) in layouts::all() {
        replace(&out.join(name), &node)?;
    }
    Ok(())
}

/// Writes `node` at `dir`, removing an earlier tree there first.
fn replace(dir: &Path, node: &FakeNode) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    node.write_to(dir).map_err(|e| e.to_string())?;
    println!("wrote {}", dir.display());
    Ok(())
}
