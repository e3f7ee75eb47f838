//! The condition of `IF` and `ELSE IF`: a small typed language decided while converting,
//! never by running a command (grammar/README.md, "Conditions").

use super::Word;
use crate::source::Span;

/// `$MODE == "release" && !exists("debug.conf")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// A value on its own (`$SKIP`, `"yes"`): true when it is not empty and not `0` or
    /// `false` in any case.
    Truthy(Word),
    /// `left == right`, or `left != right` when `equal` is false: the values as strings.
    Compare {
        left: Word,
        right: Word,
        equal: bool,
        /// The operator.
        span: Span,
    },
    /// `exists("path")`: a file or directory of the build context.
    Exists {
        path: Word,
        span: Span,
    },
    /// `!condition`; `span` is the `!`.
    Not(Box<Condition>, Span),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}
