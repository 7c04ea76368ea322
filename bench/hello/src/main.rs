//! The smallest program built the way the collector ships: the size baseline.

fn main() {
    println!("hello");
}
