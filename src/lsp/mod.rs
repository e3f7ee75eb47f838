//! `rustbuild lsp`: a language server for Buildfiles over stdin/stdout.
//!
//! Input: the editor's JSON-RPC messages (documents opened and changed, requests at
//! positions). Output: diagnostics published per file (an INCLUDEd file's under its own
//! URI), hover, go to definition, document symbols, completion, quick fixes and
//! formatting.
//!
//! Every document is analysed whole on each change (full sync): analysis is a pure
//! function of the text and the files it brings in, fast enough per keystroke, so the
//! server is synchronous (rust-analyzer's `lsp-server` transport, `lsp-types`). Invariants:
//! no request on any text panics or hangs (a handler that panicked anyway answers an
//! internal error and the server goes on); unknown requests answer MethodNotFound;
//! `shutdown` then `exit` ends it with success, `exit` alone with failure.
//!
//! One module per concern: [`documents`] (the open texts, analysed), [`position`] (byte
//! offsets to UTF-16 positions), [`uri`], [`diagnostics`], [`index`] (the names a document
//! defines), [`cursor`] (what a position points at), [`hover`], [`definition`],
//! [`symbols`], [`completion`], [`actions`], [`format`] (`rustbuild fmt`'s layout), and
//! [`reference`] (the instructions' and flags' reference text).

mod actions;
mod completion;
mod cursor;
mod definition;
mod diagnostics;
mod documents;
mod format;
mod hover;
mod index;
mod position;
mod reference;
mod server;
mod symbols;
mod uri;

pub use documents::Loader;
pub use server::{Ending, run};
