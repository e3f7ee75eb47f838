//! Test helpers: IR written by hand against a Buildfile text (spans found by searching
//! the text), and accessors for the ops of a lowered Definition.

use prost::Message;

use crate::ir::{self, StepKind, VarRef, Word, WordPart};
use crate::llb::digest_of;
use crate::pb::pb;
use crate::source::{SourceFile, Span, Spanned};

/// A Buildfile text and IR nodes pointing into it.
pub(super) struct Fixture {
    pub(super) file: SourceFile,
}

impl Fixture {
    pub(super) fn new(text: &str) -> Self {
        Self {
            file: SourceFile::new("Buildfile", text),
        }
    }

    /// The span of the first occurrence of `needle` (the whole text when absent).
    pub(super) fn span(&self, needle: &str) -> Span {
        match self.file.text.find(needle) {
            Some(start) => Span::from_range(start..start + needle.len()),
            None => Span::from_range(0..self.file.text.len()),
        }
    }

    /// The span of the line starting with `prefix`, newline included.
    pub(super) fn line(&self, prefix: &str) -> Span {
        let text = &self.file.text;
        let start = text
            .match_indices(prefix)
            .map(|(i, _)| i)
            .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
            .unwrap_or(0);
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |e| start + e + 1);
        Span::from_range(start..end)
    }

    /// A word; `$NAME` and `${NAME}` become variables.
    pub(super) fn word(&self, text: &str) -> Word {
        word(text, self.span(text))
    }

    pub(super) fn stage(
        &self,
        from_line: &str,
        base: &str,
        name: Option<&str>,
        steps: Vec<ir::Step>,
    ) -> ir::Stage {
        ir::Stage {
            base: self.word(base),
            platform: None,
            name: name.map(|n| Spanned::new(n.to_string(), self.span(n))),
            description: None,
            steps,
            namespace: None,
            text: self.text_of(from_line),
            span: self.line(from_line),
        }
    }

    pub(super) fn step(&self, line: &str, kind: StepKind) -> ir::Step {
        ir::Step {
            kind,
            text: self.text_of(line),
            span: self.line(line),
        }
    }

    /// The text of the line starting with `prefix`, as syntax keeps an instruction's.
    fn text_of(&self, prefix: &str) -> String {
        self.file.slice(self.line(prefix)).trim_end().to_string()
    }

    pub(super) fn shell_run(&self, line: &str, command: &str) -> ir::Step {
        self.step(
            line,
            StepKind::Run(self.run(ir::Command::Shell(Spanned::new(
                command.to_string(),
                self.span(command),
            )))),
        )
    }

    pub(super) fn run(&self, command: ir::Command) -> ir::Run {
        ir::Run {
            mounts: Vec::new(),
            network: None,
            security: None,
            command,
            heredocs: Vec::new(),
            bare_heredoc: false,
        }
    }

    pub(super) fn copy(&self, sources: &[&str], dest: &str) -> ir::Copy {
        ir::Copy {
            add: false,
            sources: sources.iter().map(|s| self.word(s)).collect(),
            dest: self.word(dest),
            from: None,
            chown: None,
            chmod: None,
            link: false,
            if_exists: false,
            heredocs: Vec::new(),
        }
    }

    pub(super) fn mount(&self, kind: ir::MountKind) -> ir::Mount {
        ir::Mount {
            unexpanded: Vec::new(),
            kind,
            span: self.span("--mount"),
        }
    }

    /// A cache mount at `target`, no other option set.
    pub(super) fn cache(&self, target: &str) -> ir::CacheMount {
        ir::CacheMount {
            target: Some(self.word(target)),
            ..ir::CacheMount::default()
        }
    }

    pub(super) fn kv(&self, key: &str, value: &str) -> ir::KeyValue {
        ir::KeyValue {
            key: self.word(key),
            value: self.word(value),
            legacy: false,
            span: self.span(key),
        }
    }

    pub(super) fn arg(&self, name: &str, default: Option<&str>) -> ir::ArgDecl {
        ir::ArgDecl {
            name: Spanned::new(name.to_string(), self.span(name)),
            default: default.map(|d| self.word(d)),
            span: self.span(name),
        }
    }

    pub(super) fn exec(&self, args: &[&str]) -> ir::Command {
        ir::Command::Exec(
            args.iter()
                .map(|a| Spanned::new((*a).to_string(), self.span(a)))
                .collect(),
        )
    }
}

pub(super) fn buildfile(global_args: Vec<ir::ArgDecl>, stages: Vec<ir::Stage>) -> ir::Buildfile {
    ir::Buildfile {
        directives: ir::Directives::default(),
        global_args,
        stages,
        imports: Vec::new(),
    }
}

/// Parses `$NAME`/`${NAME}` out of test text.
fn word(text: &str, span: Span) -> Word {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        if pos > 0 {
            parts.push(WordPart::Literal(rest[..pos].to_string()));
        }
        let after = &rest[pos + 1..];
        let (name, consumed) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}').unwrap_or(inner.len());
                (&inner[..end], end + 2)
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        parts.push(WordPart::Var(VarRef {
            name: name.to_string(),
            modifier: None,
            span,
        }));
        rest = &after[consumed.min(after.len())..];
    }
    if !rest.is_empty() {
        parts.push(WordPart::Literal(rest.to_string()));
    }
    Word { parts, span }
}

/// The ops of a Definition with their digests, terminal op excluded.
pub(super) fn ops(def: &pb::Definition) -> Vec<(String, pb::Op)> {
    let count = def.def.len().saturating_sub(1);
    def.def[..count]
        .iter()
        .map(|bytes| (digest_of(bytes), pb::Op::decode(bytes.as_slice()).unwrap()))
        .collect()
}

pub(super) fn execs(def: &pb::Definition) -> Vec<(String, pb::Op, pb::ExecOp)> {
    ops(def)
        .into_iter()
        .filter_map(|(d, op)| match op.op.clone() {
            Some(pb::op::Op::Exec(exec)) => Some((d, op, exec)),
            _ => None,
        })
        .collect()
}

pub(super) fn files(def: &pb::Definition) -> Vec<(String, pb::Op, pb::FileOp)> {
    ops(def)
        .into_iter()
        .filter_map(|(d, op)| match op.op.clone() {
            Some(pb::op::Op::File(file)) => Some((d, op, file)),
            _ => None,
        })
        .collect()
}

pub(super) fn sources(def: &pb::Definition) -> Vec<(String, pb::Op, pb::SourceOp)> {
    ops(def)
        .into_iter()
        .filter_map(|(d, op)| match op.op.clone() {
            Some(pb::op::Op::Source(source)) => Some((d, op, source)),
            _ => None,
        })
        .collect()
}

pub(super) fn custom_name(def: &pb::Definition, digest: &str) -> String {
    def.metadata[digest].description["llb.customname"].clone()
}

pub(super) fn caps(def: &pb::Definition, digest: &str) -> Vec<String> {
    def.metadata[digest].caps.keys().cloned().collect()
}

pub(super) fn lines(def: &pb::Definition, digest: &str) -> (i32, i32) {
    let range = &def.source.as_ref().unwrap().locations[digest].locations[0].ranges[0];
    (range.start.unwrap().line, range.end.unwrap().line)
}
