//! `scene-proc`: the tiny program a live scene stages as containerd, the shims, pause and the
//! apps; see `nodesnap_tests::scene::runner`.

fn main() {
    nodesnap_tests::scene::runner::main()
}
