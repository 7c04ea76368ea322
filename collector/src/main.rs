//! The `collector` command line.

fn main() {
    eprintln!("collector: not built yet");
    std::process::exit(2);
}
