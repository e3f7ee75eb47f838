//! Hover: the reference text of an instruction, flag or mount option; a variable's
//! declaration and default; a stage's base and description; a function's parameters.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::cursor::{self, Target};
use super::documents::Document;
use super::index::{Var, VarKind};
use super::reference;
use crate::source::Span;

pub(crate) fn hover(document: &Document, position: Position) -> Option<Hover> {
    let offset = document.offset(position);
    let (target, word) = cursor::target(document.text(), offset, document.escape())?;
    let at = document.at(position);
    let text = match &target {
        Target::Keyword(keyword) => {
            reference::instruction_hover(reference::instruction_named(keyword)?)
        }
        Target::Flag { keyword, name } => {
            let flag = reference::flag_of(reference::instruction_named(keyword)?, name)?;
            format!("`--{}` ({keyword})\n\n{}", flag.name, flag.text)
        }
        Target::MountOption(key) => {
            let option = reference::mount_option(key)?;
            format!("`--mount` option `{}`\n\n{}", option.name, option.text)
        }
        Target::Var(name) => {
            let var = document.index.var(name, at)?;
            let mut text = var_text(var);
            // `ARG NAME` in a stage takes the global ARG's value: show it.
            let global =
                document.index.vars.iter().find(|v| {
                    v.kind == VarKind::GlobalArg && v.name == var.name && v.value.is_some()
                });
            if let (VarKind::Arg, None, Some(global)) = (&var.kind, &var.value, global) {
                let value = global.value.as_deref().unwrap_or_default();
                text.push_str(&format!(
                    ", its default from the global `ARG {}={value}`",
                    global.name
                ));
            }
            text
        }
        Target::Stage(name) => {
            let stage = document.index.stage(name)?;
            let mut text = format!(
                "stage `{}`: `FROM {}`",
                stage.name.as_deref().unwrap_or(name),
                stage.base
            );
            if let Some(description) = &stage.description {
                text.push_str(&format!("\n\n{description}"));
            }
            text
        }
        Target::Function(name) | Target::Param { function: name, .. } => {
            let function = document.index.function(name)?;
            let params: Vec<String> = function.params.iter().map(param_text).collect();
            format!("```\nFUNCTION {} {}\n```", function.name, params.join(" "))
        }
        Target::Path => return None,
    };
    let range = document.range(Span::from_range(word.start..word.end));
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(range),
    })
}

fn param_text(var: &Var) -> String {
    match &var.value {
        Some(value) => format!("{}={value}", var.name),
        None => var.name.clone(),
    }
}

fn var_text(var: &Var) -> String {
    let declared = param_text(var);
    match &var.kind {
        VarKind::GlobalArg => format!("```\nARG {declared}\n```\nglobal build argument"),
        VarKind::Arg => format!("```\nARG {declared}\n```\nbuild argument of the stage"),
        VarKind::Param(function) => {
            let required = if var.value.is_none() {
                ", required"
            } else {
                ""
            };
            format!("```\n{declared}\n```\nparameter of FUNCTION `{function}`{required}")
        }
        VarKind::For(words) => format!("```\nFOR {} IN {words}\n```\nloop variable", var.name),
    }
}
