//! The `vast` command line's definition ([`cli::Cli`]), as a library so that
//! `cargo xtask man` can render the man pages from the same clap definition
//! the binary parses with. The binary (`src/main.rs`) holds everything else.

pub mod cli;
