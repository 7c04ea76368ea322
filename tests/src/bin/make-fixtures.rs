//! Writes every fixture node tree: `make-fixtures DIR` replaces `DIR/<layout>/` for each layout.

use nodesnap_tests::layouts;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: make-fixtures DIR   (writes DIR/<layout>/ for every layout)");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    for (name, node) in layouts::all() {
        let dir = out.join(name);
        if dir.exists() {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                eprintln!("make-fixtures: cannot remove {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        }
        if let Err(e) = node.write_to(&dir) {
            eprintln!("make-fixtures: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {}", dir.display());
    }
    ExitCode::SUCCESS
}
