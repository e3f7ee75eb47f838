//! ExposeProtoCasing: `EXPOSE 80/TCP`. (ExposeInvalidFormat, `EXPOSE 80:80`, is the error
//! `syntax` already gives: see [`Rule::error_instead`].)

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{StepKind, Word};

use super::written::{self, Written};
use super::{Context, Rule};

/// The image config keys ports in lower case (`80/tcp`) whatever is written, so the
/// upper case only reads differently from every other place a port is named. Ports from
/// variables are not known here and not checked.
pub(super) fn protocols(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = Written::default();
    for (_, step) in context.buildfile.walk() {
        let StepKind::Expose(ports) = &step.kind else {
            continue;
        };
        if !seen.first(step.span) {
            continue;
        }
        found
            .0
            .extend(ports.iter().filter_map(|port| casing(context, port)));
    }
}

fn casing(context: &Context<'_>, port: &Word) -> Option<Diagnostic> {
    let literal = port.as_literal()?;
    let (_, protocol) = literal.split_once('/')?;
    let lower = protocol.to_lowercase();
    if protocol == lower {
        return None;
    }
    let warning = Diagnostic::lint(
        Rule::ExposeProtoCasing,
        format!("Defined protocol '{literal}' in EXPOSE instruction should be lowercase"),
    )
    .with_help(format!("write `{}`", literal.to_lowercase()));
    // The protocol as written, after the last `/` and before a closing quote: the fix
    // touches it alone, so quotes and the port stay as they are.
    let written = written::text(context, port.span);
    let at = written.rfind('/').map(|slash| slash + 1);
    match at.filter(|&at| written[at..].trim_end_matches(['"', '\'']) == protocol) {
        Some(at) => {
            let span = port.span.part(at..at + protocol.len());
            Some(warning.with_label(span, "not lowercase").with_fix(
                format!("write `{lower}`"),
                span,
                lower,
            ))
        }
        None => Some(warning.with_label(port.span, "protocol not lowercase")),
    }
}
