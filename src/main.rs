//! The `cybriq` binary: everything is in the library's `cli` module.

fn main() -> std::process::ExitCode {
    cybriq::cli::main()
}
