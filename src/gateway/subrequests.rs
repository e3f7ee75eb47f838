//! Subrequests (`requestid=frontend.…`, what `docker buildx build --call=…` sends): answers
//! computed from the Buildfile alone, never by building it. The JSON follows the shapes of
//! BuildKit's `frontend/subrequests` packages, so buildx formats them as for dockerfile.v0.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{self, MountKind, StepKind};
use crate::lint::Rule;
use crate::lower::{self, LowerOptions};
use crate::source::{Sources, Span};

use super::report;

pub(crate) const DESCRIBE: &str = "frontend.subrequests.describe";
pub(crate) const OUTLINE: &str = "frontend.outline";
pub(crate) const TARGETS: &str = "frontend.targets";
pub(crate) const LINT: &str = "frontend.lint";

/// The answer's result metadata (`result.json`, `result.txt`, `version`, …).
pub(crate) type Answer = BTreeMap<String, Vec<u8>>;

/// Whether `name` is a subrequest this frontend answers.
pub(crate) fn is_known(name: &str) -> bool {
    [DESCRIBE, OUTLINE, TARGETS, LINT].contains(&name)
}

fn answer(json: &Value, text: String) -> Answer {
    let pretty = serde_json::to_string_pretty(json).unwrap_or_default();
    BTreeMap::from([
        ("result.json".into(), pretty.into_bytes()),
        ("result.txt".into(), text.into_bytes()),
        ("version".into(), b"1.0.0".to_vec()),
    ])
}

/// `frontend.subrequests.describe`: the requests answered here.
pub(crate) fn describe() -> Answer {
    let requests = [
        (
            OUTLINE,
            "List all parameters current build target supports",
            true,
        ),
        (TARGETS, "List all targets current build supports", false),
        (LINT, "Lint the Buildfile", true),
        (DESCRIBE, "List available subrequest types", false),
    ];
    let list: Vec<Value> = requests
        .iter()
        .map(|(name, description, target)| {
            let opts = if *target {
                json!([{"name": "target", "description": "Target build stage"}])
            } else {
                json!([])
            };
            json!({"name": name, "version": "1.0.0", "type": "rpc",
                   "description": description, "opts": opts,
                   "metadata": [{"name": "result.json"}, {"name": "result.txt"}]})
        })
        .collect();
    let mut text = format!("{:<20}{:<10}{}\n", "NAME", "VERSION", "DESCRIPTION");
    for (name, description, _) in requests {
        let short = name.strip_prefix("frontend.").unwrap_or(name);
        text.push_str(&format!("{short:<20}{:<10}{description}\n", "1.0.0"));
    }
    answer(&Value::Array(list), text)
}

/// A `pb.Location` in Go's JSON: the index of the span's file among the build's files, and
/// its lines there.
fn location(sources: &(impl Sources + ?Sized), span: Span) -> Value {
    let Some(file) = sources.file(span.file) else {
        return json!({"sourceIndex": -1});
    };
    let lines = report::range_json(report::line_range(file, span));
    json!({"sourceIndex": span.file.0, "ranges": [lines]})
}

/// A word as written: its literal text, or the source when it holds variables.
fn word_text(sources: &(impl Sources + ?Sized), word: &ir::Word) -> String {
    word.as_literal().unwrap_or_else(|| {
        let file = sources.file(word.span.file);
        file.map(|file| file.slice(word.span).to_string())
            .unwrap_or_default()
    })
}

fn sources(sources: &(impl Sources + ?Sized)) -> Value {
    let data: Vec<String> = sources
        .files()
        .into_iter()
        .map(|file| report::base64(file.text.as_bytes()))
        .collect();
    json!(data)
}

/// What `targets` and `outline` show for a stage. Dockerfile's convention first: the comment
/// line that starts with the stage name, without the name (`# build compiles the program`
/// describes `build` as "compiles the program"), so a Dockerfile gets the same description
/// as from dockerfile.v0. Otherwise the whole comment above FROM (a rustbuild extension,
/// also for the unnamed last stage).
fn stage_description(stage: &ir::Stage) -> Option<String> {
    let comment = stage.description.as_deref()?;
    let by_name = stage.name.as_ref().and_then(|name| {
        let prefix = format!("{} ", name.node);
        comment
            .lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
    });
    Some(by_name.unwrap_or(comment).to_string())
}

/// `frontend.targets`: every named stage of the file (not of the files it imports), and the
/// last (the default) even unnamed.
pub(crate) fn targets(file: &(impl Sources + ?Sized), buildfile: &ir::Buildfile) -> Answer {
    let last = buildfile.stages.len().saturating_sub(1);
    let mut list = Vec::new();
    let mut text = format!("{:<24}{}\n", "TARGET", "DESCRIPTION");
    for (i, stage) in buildfile.stages.iter().enumerate() {
        let name = stage.name.as_ref().map(|n| n.node.clone());
        // Imported stages are targets by their full names, but the file's own are listed.
        if (name.is_none() && i != last) || stage.namespace.is_some() {
            continue;
        }
        let mut target = json!({
            "name": name.clone().unwrap_or_default(),
            "base": word_text(file, &stage.base),
            "location": location(file, stage.span),
        });
        if i == last {
            target["default"] = json!(true);
        }
        let description = stage_description(stage);
        if let Some(description) = &description {
            target["description"] = json!(description);
        }
        if let Some(platform) = &stage.platform {
            target["platform"] = json!(word_text(file, platform));
        }
        list.push(target);
        let shown = match (name, i == last) {
            (Some(n), true) => format!("{n} (default)"),
            (Some(n), false) => n,
            (None, _) => "(default)".into(),
        };
        let description = description.unwrap_or_default();
        text.push_str(&format!("{shown:<24}{description}\n"));
    }
    answer(&json!({"targets": list, "sources": sources(file)}), text)
}

/// `frontend.outline`: the build arguments, secrets and ssh sockets the target uses.
/// The stages are those lowering would build, `--from=${X}` expanded with the build args.
pub(crate) fn outline(
    file: &(impl Sources + ?Sized),
    buildfile: &ir::Buildfile,
    opts: &LowerOptions,
) -> Result<Answer, Diagnostics> {
    let (index, needed) = lower::needed_stages(buildfile, opts)?;
    let stage = &buildfile.stages[index];
    let needed = (0..needed.len()).filter(|&i| needed[i]);
    let mut args: Vec<Value> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add_arg = |decl: &ir::ArgDecl| {
        if seen.insert(decl.name.node.clone()) {
            let mut arg = json!({"name": decl.name.node, "location": location(file, decl.span)});
            if let Some(default) = &decl.default {
                arg["value"] = json!(word_text(file, default));
            }
            args.push(arg);
        }
    };
    buildfile.global_args.iter().for_each(&mut add_arg);
    let (mut secrets, mut ssh) = (Vec::new(), Vec::new());
    for i in needed {
        for step in buildfile.stages[i].walk() {
            match &step.kind {
                // The build's arguments do not reach an imported file's ARGs.
                StepKind::Arg(decls) if buildfile.stages[i].namespace.is_none() => {
                    decls.iter().for_each(&mut add_arg);
                }
                StepKind::Run(run) => {
                    for mount in &run.mounts {
                        let entry = |name: String, required: bool| json!({"name": name, "required": required, "location": location(file, mount.span)});
                        match &mount.kind {
                            MountKind::Secret(secret) => {
                                let name = secret.name(|w| word_text(file, w));
                                secrets.push(entry(name, secret.required));
                            }
                            MountKind::Ssh(ssh_mount) => {
                                let id = ssh_mount.id.as_ref().map(|id| word_text(file, id));
                                let name = id.unwrap_or_else(|| "default".into());
                                ssh.push(entry(name, ssh_mount.required));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut json = json!({"args": args, "sources": sources(file)});
    if let Some(name) = &stage.name {
        json["name"] = json!(name.node);
    }
    if let Some(description) = stage_description(stage) {
        json["description"] = json!(description);
    }
    if !secrets.is_empty() {
        json["secrets"] = json!(secrets);
    }
    if !ssh.is_empty() {
        json["ssh"] = json!(ssh);
    }
    let text = outline_text(&json);
    Ok(answer(&json, text))
}

fn outline_text(json: &Value) -> String {
    let mut text = format!("{:<24}{:<24}{}\n", "BUILD ARG", "VALUE", "DESCRIPTION");
    for arg in json["args"].as_array().into_iter().flatten() {
        let name = arg["name"].as_str().unwrap_or_default();
        let value = arg["value"].as_str().unwrap_or_default();
        text.push_str(&format!("{name:<24}{value:<24}\n"));
    }
    for (key, title) in [("secrets", "SECRET"), ("ssh", "SSH")] {
        if let Some(list) = json[key].as_array() {
            text.push_str(&format!("\n{:<24}{}\n", title, "REQUIRED"));
            for entry in list {
                let name = entry["name"].as_str().unwrap_or_default();
                let required = if entry["required"] == json!(true) {
                    "true"
                } else {
                    ""
                };
                text.push_str(&format!("{name:<24}{required}\n"));
            }
        }
    }
    text
}

/// The name a finding goes by in lint output: a rule's name (`JSONArgsRecommended`), else
/// its code.
fn rule_name(diagnostic: &Diagnostic) -> &'static str {
    diagnostic
        .code
        .rule()
        .map_or(diagnostic.code.as_str(), Rule::name)
}

/// `frontend.lint`: every lint finding (also those `# check=error=true` made errors) and
/// every other warning as a warning, the first other error as the build error.
/// `result.statuscode` is 1 when there is anything to report.
pub(crate) fn lint(files: &(impl Sources + ?Sized), diagnostics: &Diagnostics) -> Answer {
    let warnings: Vec<Value> = diagnostics
        .iter()
        .filter(|d| d.code.rule().is_some() || !d.is_error())
        .map(|d| {
            let detail = match &d.help {
                Some(help) => format!("{} ({help})", d.message),
                None => d.message.clone(),
            };
            // buildx dereferences every warning's location; -1 means "no source to show".
            let location = d
                .span()
                .map_or_else(|| json!({"sourceIndex": -1}), |span| location(files, span));
            let description = d
                .code
                .rule()
                .map_or_else(|| d.message.clone(), |rule| rule.description().to_owned());
            let mut warning = json!({"ruleName": rule_name(d), "description": description,
                   "detail": detail, "location": location});
            if let Some(url) = d.code.url() {
                warning["url"] = json!(url);
            }
            warning
        })
        .collect();
    let sources: Vec<Value> = files
        .files()
        .into_iter()
        .map(|file| {
            json!({"filename": file.name, "data": report::base64(file.text.as_bytes()),
                   "language": report::LANGUAGE})
        })
        .collect();
    let mut json = json!({"warnings": warnings, "sources": sources});
    let mut text = String::new();
    for d in diagnostics.iter() {
        let span = d.span().unwrap_or_default();
        let file = files.file(span.file);
        let name = file.map_or("", |f| f.name.as_str());
        let line = file.map_or(0, |file| report::line_range(file, span).0);
        text.push_str(&format!(
            "{name}:{line}: {} {}: {}\n",
            d.severity.as_str(),
            rule_name(d),
            d.message
        ));
    }
    let build_error = diagnostics
        .iter()
        .find(|d| d.is_error() && d.code.rule().is_none());
    if let Some(error) = build_error {
        let mut build_error = json!({"message": error.message});
        if let Some(span) = error.span() {
            build_error["location"] = location(files, span);
        }
        json["buildError"] = build_error;
    }
    if diagnostics.is_empty() {
        text.push_str("Check complete, no warnings found.\n");
    }
    let mut out = answer(&json, text);
    let status = if diagnostics.is_empty() { "0" } else { "1" };
    out.insert("result.statuscode".into(), status.as_bytes().to_vec());
    out
}

#[cfg(test)]
#[path = "subrequests_tests.rs"]
mod tests;
