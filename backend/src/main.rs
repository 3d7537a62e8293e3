//! The `factoria` command.

fn main() -> std::process::ExitCode {
    factoria::cli::main()
}
