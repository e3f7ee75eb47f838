//! FUNCTION, CALL, IF / ELSE IF / ELSE, FOR and END: the lines that open and close blocks,
//! and [`Nest`], which gathers the items between them into the blocks' bodies.
//!
//! A block that opens with an error is still a block: its END closes it and its body is
//! read (and checked), then dropped, so one bad line does not unbalance the rest.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{ArgDecl, Branch, Call, Condition, For, Function, If, Item, Step, Word};
use crate::source::{Span, Spanned};

use super::condition::condition;
use super::cx::{Cx, extra, missing};
use super::from::stage_name;
use super::instruction::{Instruction, no_flags};
use super::text::Text;
use super::vars::{assignments, decls, variable_name};

/// Blocks nest at most this deep.
pub(crate) const MAX_NESTING: usize = 64;

const FUNCTION_USAGE: &str = "FUNCTION NAME [PARAM[=default]...]";
const CALL_USAGE: &str = "CALL NAME [PARAM=value...]";
const FOR_USAGE: &str = "FOR NAME IN WORD...";

/// `FUNCTION NAME [PARAM[=default]]…`: the header, its body still empty.
pub(super) fn function(cx: &mut Cx, ins: &Instruction<'_>, span: Span) -> Option<Function> {
    let mut ok = flagless(cx, ins, "FUNCTION");
    let words = cx.split(&ins.args);
    let Some(name) = words.first() else {
        cx.error(missing(
            "FUNCTION needs a name",
            ins.keyword.span(),
            FUNCTION_USAGE,
        ));
        return None;
    };
    let name = function_name(cx, name);
    let params = decls(cx, &words[1..], "FUNCTION");
    ok &= unique_params(cx, params.as_deref().unwrap_or_default());
    Some(Function {
        name: name?,
        params: params?,
        body: Vec::new(),
        span,
    })
    .filter(|_| ok)
}

/// `CALL NAME [PARAM=value]…`.
pub(super) fn call(cx: &mut Cx, ins: &Instruction<'_>, span: Span) -> Option<Call> {
    let ok = flagless(cx, ins, "CALL");
    let words = cx.split(&ins.args);
    let Some(name) = words.first() else {
        cx.error(missing(
            "CALL needs a function",
            ins.keyword.span(),
            CALL_USAGE,
        ));
        return None;
    };
    let function = called_name(cx, name);
    let args = assignments(cx, &words[1..], "CALL");
    Some(Call {
        function: function?,
        args: args?,
        span,
    })
    .filter(|_| ok)
}

/// `FOR NAME IN WORD…`: the header, its body still empty.
pub(super) fn for_(cx: &mut Cx, ins: &Instruction<'_>, span: Span) -> Option<For> {
    let ok = flagless(cx, ins, "FOR");
    let words = cx.split(&ins.args);
    let in_at = words
        .iter()
        .position(|w| w.as_str().eq_ignore_ascii_case("in"));
    let (Some(name), Some(1)) = (words.first(), in_at) else {
        let problem = match words.len() {
            0 => "FOR needs a variable and a list",
            _ => "FOR without IN",
        };
        cx.error(
            missing(problem, ins.keyword.span(), FOR_USAGE)
                .with_label(ins.args.span(), "expected `NAME IN WORD...`"),
        );
        return None;
    };
    let name = variable_name(cx, name, "FOR");
    let words: Option<Vec<Word>> = words[2..].iter().map(|w| cx.word(w)).collect();
    Some(For {
        name: name?,
        words: words?,
        body: Vec::new(),
        span,
    })
    .filter(|_| ok)
}

/// `IF condition`, or the `ELSE IF condition` whose condition is `text`.
pub(super) fn branch(
    cx: &mut Cx,
    ins: &Instruction<'_>,
    text: &Text<'_>,
    span: Span,
) -> Option<Branch> {
    let ok = flagless(cx, ins, "IF");
    if text.is_empty() {
        cx.error(missing(
            "IF needs a condition",
            ins.keyword.span(),
            "IF $VAR == value",
        ));
        return None;
    }
    let condition = condition(cx, text)?;
    ok.then_some(Branch {
        condition,
        body: Vec::new(),
        span,
    })
}

/// `ELSE` or `ELSE IF condition`: `Some(text)` of the condition for ELSE IF.
pub(super) fn else_condition<'a>(ins: &Instruction<'a>) -> Option<Text<'a>> {
    let args = ins.args.as_str();
    // `get`: the first two bytes may split a character (`ELSE I\u{feff}F`).
    let is_if = args
        .get(..2)
        .is_some_and(|head| head.eq_ignore_ascii_case("if"))
        && args[2..].chars().next().is_none_or(char::is_whitespace);
    is_if.then(|| ins.args.slice(2..ins.args.len()).trim())
}

/// ELSE and END take nothing after the keyword.
pub(super) fn no_arguments(cx: &mut Cx, ins: &Instruction<'_>, name: &str, usage: &str) {
    flagless(cx, ins, name);
    if !ins.args.is_empty() {
        cx.error(extra(name, &cx.split(&ins.args), usage));
    }
}

fn flagless(cx: &mut Cx, ins: &Instruction<'_>, name: &str) -> bool {
    let errors = no_flags(ins, name);
    let ok = errors.is_empty();
    for diagnostic in errors {
        cx.error(diagnostic);
    }
    ok
}

/// A function's name follows the rule of stage names.
fn function_name(cx: &mut Cx, text: &Text<'_>) -> Option<Spanned<String>> {
    if text.as_str().contains('+') {
        cx.error(
            Diagnostic::error(Code::InvalidStageName, "a function name cannot hold `+`")
                .with_label(text.span(), "`+` separates a namespace from a name")
                .with_help("name the function with letters, digits, `-`, `_` and `.`"),
        );
        return None;
    }
    stage_name(cx, text)
}

/// `NAME` or `NS+NAME`: each part follows the rule of stage names.
fn called_name(cx: &mut Cx, text: &Text<'_>) -> Option<Spanned<String>> {
    let mut start = 0;
    let written = text.as_str();
    for part in written.split('+') {
        stage_name(cx, &text.slice(start..start + part.len()))?;
        start += part.len() + 1;
    }
    Some(Spanned::new(written.to_lowercase(), text.span()))
}

fn unique_params(cx: &mut Cx, params: &[ArgDecl]) -> bool {
    let mut ok = true;
    for (i, param) in params.iter().enumerate() {
        if let Some(first) = params[..i].iter().find(|p| p.name.node == param.name.node) {
            cx.error(
                Diagnostic::error(
                    Code::InvalidKeyValue,
                    format!("the parameter `{}` is declared twice", param.name.node),
                )
                .with_label(param.name.span, "declared again")
                .with_label(first.name.span, "first declared here")
                .with_help("give each parameter its own name"),
            );
            ok = false;
        }
    }
    ok
}

/// A block being read, with what its END needs to know.
struct Frame {
    open: Open,
    /// The body being read: the open branch's, or the ELSE's.
    items: Vec<Item>,
    /// The header was read without errors: the block is kept at its END.
    ok: bool,
    /// The opening line.
    span: Span,
}

enum Open {
    Function(Function),
    For(For),
    If {
        block: If,
        /// The branch being read; `None` in the ELSE.
        branch: Option<Branch>,
        /// The ELSE line, once read.
        otherwise: Option<Span>,
    },
}

/// The items of a file, gathered into nested bodies as the block lines come; the steps
/// after a FROM are gathered into its stage, within the same body.
#[derive(Default)]
pub(super) struct Nest {
    frames: Vec<Frame>,
    top: Vec<Item>,
    /// The steps after the last FROM of the current body, moved into its stage at their
    /// exact size when the stage ends: the buffer is reused from stage to stage, so it grows
    /// only for the first. A finished stage keeps its steps until lowering is done: without
    /// the room doubling leaves, a quarter less memory on a large file.
    steps: Vec<Step>,
}

impl Nest {
    fn body(&mut self) -> &mut Vec<Item> {
        body(&mut self.frames, &mut self.top)
    }

    /// Moves the steps read since the last FROM of the current body into its stage.
    fn settle(&mut self) {
        if let Some(Item::From(stage)) = body(&mut self.frames, &mut self.top).last_mut() {
            stage.steps.append(&mut self.steps);
        }
    }

    pub(super) fn push(&mut self, item: Item) {
        match item {
            Item::Step(step) if matches!(self.body().last(), Some(Item::From(_))) => {
                self.steps.push(step);
            }
            item => {
                self.settle();
                self.body().push(item);
            }
        }
    }

    /// Opens a FUNCTION (`Err(span)`: its header had errors).
    pub(super) fn function(&mut self, cx: &mut Cx, function: Result<Function, Span>) {
        self.open(cx, function.map(|f| (f.span, Open::Function(f))));
    }

    pub(super) fn for_(&mut self, cx: &mut Cx, block: Result<For, Span>) {
        self.open(cx, block.map(|b| (b.span, Open::For(b))));
    }

    pub(super) fn if_(&mut self, cx: &mut Cx, branch: Result<Branch, Span>) {
        self.open(
            cx,
            branch.map(|b| {
                let span = b.span;
                let open = Open::If {
                    block: If {
                        branches: Vec::new(),
                        otherwise: None,
                    },
                    branch: Some(b),
                    otherwise: None,
                };
                (span, open)
            }),
        );
    }

    fn open(&mut self, cx: &mut Cx, header: Result<(Span, Open), Span>) {
        self.settle();
        let (ok, span, open) = match header {
            Ok((span, open)) => (true, span, open),
            // A placeholder that its END closes and drops.
            Err(span) => (false, span, Open::For(placeholder(span))),
        };
        if self.frames.len() == MAX_NESTING {
            cx.error(
                Diagnostic::error(
                    Code::TooDeep,
                    format!("blocks nest more than {MAX_NESTING} deep"),
                )
                .with_label(span, "one too many")
                .with_help("move the inner blocks into a FUNCTION"),
            );
        }
        let ok = ok && self.frames.len() < MAX_NESTING;
        self.frames.push(Frame {
            open,
            items: Vec::new(),
            ok,
            span,
        });
    }

    /// `ELSE` (`branch: None`) or `ELSE IF` (`Some`: the branch, or its header's errors).
    pub(super) fn else_(&mut self, cx: &mut Cx, branch: Option<Result<Branch, Span>>, span: Span) {
        self.settle();
        let Some(frame) = self.frames.last_mut() else {
            return cx.error(unbalanced("ELSE without IF", span, "nothing to continue"));
        };
        let Open::If {
            block,
            branch: open,
            otherwise,
        } = &mut frame.open
        else {
            let opened = frame.span;
            return cx.error(
                unbalanced(
                    "ELSE inside a block that is not an IF",
                    span,
                    "not in an IF",
                )
                .with_label(opened, "the innermost block opens here"),
            );
        };
        if let Some(first) = otherwise {
            let first = *first;
            return cx.error(
                Diagnostic::error(Code::MisplacedElse, "ELSE after the ELSE of the same IF")
                    .with_label(span, "one ELSE too many")
                    .with_label(first, "the ELSE of this IF")
                    .with_help("an IF has at most one ELSE, after its ELSE IFs; close it with END"),
            );
        }
        let body = std::mem::take(&mut frame.items);
        if let Some(mut done) = open.take() {
            done.body = body;
            block.branches.push(done);
        }
        match branch {
            None => *otherwise = Some(span),
            Some(Ok(branch)) => *open = Some(branch),
            Some(Err(_)) => {
                frame.ok = false;
                *open = Some(Branch {
                    condition: Condition::Truthy(Word::literal("", span)),
                    body: Vec::new(),
                    span,
                });
            }
        }
    }

    /// `END`: closes the innermost block and puts it in the body around it.
    pub(super) fn end(&mut self, cx: &mut Cx, span: Span) {
        self.settle();
        let Some(frame) = self.frames.pop() else {
            return cx.error(unbalanced("END without a block", span, "nothing to close"));
        };
        let body = frame.items;
        let item = match frame.open {
            Open::Function(mut function) => {
                function.body = body;
                Item::Function(function)
            }
            Open::For(mut block) => {
                block.body = body;
                Item::For(block)
            }
            Open::If {
                mut block,
                branch,
                otherwise,
            } => {
                match branch {
                    Some(mut branch) => {
                        branch.body = body;
                        block.branches.push(branch);
                    }
                    None => block.otherwise = otherwise.map(|_| body),
                }
                Item::If(block)
            }
        };
        if frame.ok {
            self.body().push(item);
        }
    }

    /// The file's items; every block still open is an error.
    pub(super) fn finish(mut self, cx: &mut Cx) -> Vec<Item> {
        self.settle();
        while let Some(frame) = self.frames.last() {
            let opened = frame.span;
            cx.error(
                Diagnostic::error(Code::UnbalancedBlock, "a block is not closed")
                    .with_label(opened, "opened here")
                    .with_help("close it with END"),
            );
            self.end(cx, opened);
        }
        self.top
    }
}

fn body<'a>(frames: &'a mut [Frame], top: &'a mut Vec<Item>) -> &'a mut Vec<Item> {
    match frames.last_mut() {
        Some(frame) => &mut frame.items,
        None => top,
    }
}

fn placeholder(span: Span) -> For {
    For {
        name: Spanned::new(String::new(), span),
        words: Vec::new(),
        body: Vec::new(),
        span,
    }
}

fn unbalanced(message: &str, span: Span, label: &str) -> Diagnostic {
    Diagnostic::error(Code::UnbalancedBlock, message)
        .with_label(span, label)
        .with_help("each FUNCTION, IF and FOR ends with its own END; ELSE belongs to an IF")
}
