//! The `vast` command line's library: its clap definition ([`cli::Cli`]),
//! so that `cargo xtask man` renders the man pages from the same definition
//! the binary parses with, and its output and exit statuses
//! ([`output`]), so that tests can check them against the library's retry
//! table. The binary (`src/main.rs`) holds the rest.

pub mod cli;
pub mod output;
