//! The integration tests, one binary: corpus snapshots, the command line, and end-to-end
//! builds against real BuildKit daemons started by `scripts/test.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build_cli;
mod check_cli;
mod cli;
mod disk;
mod expand;
mod expand_cli;
mod format;
mod gateway_cli;
mod lint_corpus;
mod llb_cli;
mod load_corpus;
mod lower_corpus;
mod lsp;
mod neovim;
mod syntax_corpus;
