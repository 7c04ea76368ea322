//! The `analyzer` command line: turns arguments into a validated request, runs it, and turns
//! any error into one line and an exit code.

fn main() {
    eprintln!("analyzer: not built yet");
    std::process::exit(2);
}
