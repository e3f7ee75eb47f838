//! Go to definition: a stage name to its FROM, a CALL to its FUNCTION, an INCLUDE or
//! IMPORT path to the file, a variable to its ARG, parameter or FOR.

use lsp_types::{Location, Position, Range};

use super::cursor::{self, Target};
use super::documents::Document;

pub(crate) fn definition(document: &Document, position: Position) -> Option<Location> {
    let offset = document.offset(position);
    let (target, _) = cursor::target(document.text(), offset, document.escape())?;
    let at = document.at(position);
    let index = &document.index;
    let span = match target {
        Target::Stage(name) => index.stage(&name)?.span,
        Target::Function(name) => index.function(&name)?.span,
        Target::Param { function, name } => {
            let function = index.function(&function)?;
            function.params.iter().find(|p| p.name == name)?.span
        }
        Target::Var(name) => index.var(&name, at)?.span,
        Target::Path => {
            let file = index.link(at)?.file?;
            let (uri, _) = document.files.get(file.index())?;
            return Some(Location::new(uri.clone()?, Range::default()));
        }
        Target::Keyword(_) | Target::Flag { .. } | Target::MountOption(_) => return None,
    };
    document.location(span)
}
