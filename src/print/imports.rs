//! What IMPORT asks of a flat file, which has one namespace and one set of global ARGs:
//! each stage's flat name, each stage reference as that name, and the values an imported
//! file's global ARGs give its FROM lines and stage ARGs, written out.

use std::collections::{BTreeMap, BTreeSet};

use super::word;
use crate::ir::{ArgDecl, Buildfile, Reference, Stage, StageRef, Word};
use crate::vars::{self, Env, Scope, expand};

/// The scopes lowering gives each file of a build, and the name of each stage in the flat file.
pub(super) struct Flat<'a> {
    buildfile: &'a Buildfile,
    /// The main file's global ARGs, then each imported file's, as `lower::Plan` has them.
    globals: Vec<Env>,
    /// The IMPORT line's values for each imported file: its build arguments.
    import_args: Vec<BTreeMap<String, String>>,
    /// The build's `--build-arg`s, which reach only the main file's stages.
    build_args: &'a BTreeMap<String, String>,
    /// The stage's name in the flat file; `None` for an unnamed stage no printed
    /// reference needs to name.
    names: Vec<Option<String>>,
}

impl<'a> Flat<'a> {
    pub(super) fn new(buildfile: &'a Buildfile, scope: Scope<'a>) -> Result<Self, String> {
        let (globals, import_args) = scopes(buildfile, scope);
        let mut flat = Flat {
            buildfile,
            globals,
            import_args,
            build_args: scope.build_args,
            names: Vec::new(),
        };
        flat.names = flat.flat_names()?;
        Ok(flat)
    }

    /// The global ARGs the stages of `namespace` see (`None`: the main file's).
    fn globals(&self, namespace: Option<usize>) -> &Env {
        &self.globals[namespace.map_or(0, |n| n + 1)]
    }

    pub(super) fn imported(&self, stage: usize) -> bool {
        self.buildfile.stages[stage].namespace.is_some()
    }

    /// The flat name of stage `index`, if it has one.
    pub(super) fn name(&self, index: usize) -> Option<&str> {
        self.names.get(index)?.as_deref()
    }

    /// Main stages keep their names; an imported stage's `NS+name` becomes `NS-name`, and
    /// an unnamed stage that a rewritten reference names gets `[NS-]stage-N` (N counts
    /// within its file, as `--from=N` does). A name already taken, by a stage or by a
    /// reference to an image or a context, gets `-2`, `-3`…: in the flat file it would
    /// capture that reference.
    fn flat_names(&self) -> Result<Vec<Option<String>>, String> {
        let stages = &self.buildfile.stages;
        let mut taken: BTreeSet<String> = stages
            .iter()
            .filter(|s| s.namespace.is_none())
            .filter_map(|s| s.name.as_ref().map(|n| n.node.clone()))
            .collect();
        let mut referred = vec![false; stages.len()];
        for (current, text, numeric) in self.references() {
            match self.buildfile.stage_ref(current, &text, numeric) {
                StageRef::Earlier(i) | StageRef::NotYet(i) => {
                    referred[i] |= self.rewritten(current, &text, numeric, i);
                }
                StageRef::NotAStage => {
                    taken.insert(text.to_ascii_lowercase());
                }
                StageRef::NoSuchIndex(_) => {}
            }
        }
        let mut names = Vec::with_capacity(stages.len());
        for (index, stage) in stages.iter().enumerate() {
            let wanted = match (&stage.name, stage.namespace) {
                (Some(name), None) => {
                    names.push(Some(name.node.clone()));
                    continue;
                }
                (Some(name), Some(_)) => name.node.replace('+', "-"),
                (None, _) if referred[index] => self.unnamed(index, stage),
                (None, _) => {
                    names.push(None);
                    continue;
                }
            };
            let name = unique(&wanted, &mut taken);
            if !crate::syntax::is_stage_name(&name) {
                return Err(format!(
                    "the stage `{wanted}` has no valid name in a flat file (`{name}`)"
                ));
            }
            names.push(Some(name));
        }
        Ok(names)
    }

    /// A stage as its file names it: `NS+name`, or `NS+` and its place.
    fn stage_label(&self, index: usize) -> String {
        let stage = &self.buildfile.stages[index];
        match (&stage.name, stage.namespace) {
            (Some(name), _) => name.node.clone(),
            (None, _) => self.unnamed(index, stage),
        }
    }

    /// `[NS-]stage-N` for the unnamed stage `index`, N its place in its own file.
    fn unnamed(&self, index: usize, stage: &Stage) -> String {
        let stages = &self.buildfile.stages;
        let nth = stages[..index]
            .iter()
            .filter(|s| s.namespace == stage.namespace)
            .count();
        let prefix = stage
            .namespace
            .and_then(|n| self.buildfile.imports.get(n))
            .map_or(String::new(), |ns| ns.prefix.replace('+', "-"));
        format!("{prefix}stage-{nth}")
    }

    /// Every stage reference of the build: (the referring stage, the name as lowering
    /// resolves it, whether a number is an index).
    fn references(&self) -> Vec<(usize, String, bool)> {
        let mut out = Vec::new();
        for (index, stage) in self.buildfile.stages.iter().enumerate() {
            let base = self.base_name(stage);
            if !base.eq_ignore_ascii_case("scratch") {
                out.push((index, base, false));
            }
            for step in stage.walk() {
                for reference in step.references() {
                    out.push((index, self.reference_name(stage, &reference), true));
                }
            }
        }
        out
    }

    /// The FROM base as lowering expands it.
    fn base_name(&self, stage: &Stage) -> String {
        expand(&stage.base, self.globals(stage.namespace))
    }

    /// `COPY --from` expanded with the file's global ARGs; a mount's `from` as written.
    fn reference_name(&self, stage: &Stage, reference: &Reference<'_>) -> String {
        match reference {
            Reference::CopyFrom(word) => expand(word, self.globals(stage.namespace)),
            Reference::MountFrom(from) => from.node.clone(),
        }
    }

    /// Whether a reference from `current` to stage `target`, written `text`, must be
    /// printed as the target's flat name: always from an imported stage (its names and
    /// numbers count in its own file), and from the main file when the text would name
    /// another stage of the flat file (a number, once imported stages come first).
    fn rewritten(&self, current: usize, text: &str, numeric: bool, target: usize) -> bool {
        if self.imported(current) {
            return true;
        }
        let same_index = numeric
            && text.bytes().all(|b| b.is_ascii_digit())
            && text.parse::<usize>() == Ok(target);
        let same_name = self.buildfile.stages[target]
            .name
            .as_ref()
            .is_some_and(|n| n.node.eq_ignore_ascii_case(text) && !self.imported(target));
        !(same_index || same_name)
    }

    /// The flat name a reference from `current` written `text` must be printed as, if any.
    fn stage_name(&self, current: usize, text: &str, numeric: bool) -> Option<String> {
        match self.buildfile.stage_ref(current, text, numeric) {
            StageRef::Earlier(i) | StageRef::NotYet(i)
                if self.rewritten(current, text, numeric, i) =>
            {
                self.name(i).map(str::to_owned)
            }
            _ => None,
        }
    }

    /// FROM's base: a stage by its flat name; an imported stage's image with its file's
    /// global ARGs expanded, since the flat file has only the main file's.
    pub(super) fn base(&self, index: usize, stage: &Stage) -> String {
        let name = self.base_name(stage);
        if !name.eq_ignore_ascii_case("scratch")
            && let Some(flat) = self.stage_name(index, &name, false)
        {
            return flat;
        }
        match stage.namespace {
            Some(_) => word(&Word::literal(name, stage.base.span)),
            None => word(&stage.base),
        }
    }

    /// `FROM --platform`: expanded for an imported stage, as its base is.
    pub(super) fn platform(&self, stage: &Stage, platform: &Word) -> String {
        match stage.namespace {
            Some(_) => {
                let value = expand(platform, self.globals(stage.namespace));
                word(&Word::literal(value, platform.span))
            }
            None => word(platform),
        }
    }

    /// `COPY --from` or a mount's `from=` of stage `current`, as the flat file must say it.
    pub(super) fn reference(&self, current: usize, reference: &Reference<'_>) -> String {
        let stage = &self.buildfile.stages[current];
        let name = self.reference_name(stage, reference);
        if let Some(flat) = self.stage_name(current, &name, true) {
            return flat;
        }
        match (reference, stage.namespace) {
            // An image or a context: expanded with the imported file's global ARGs.
            (Reference::CopyFrom(from), Some(_)) => word(&Word::literal(name, from.span)),
            (Reference::CopyFrom(from), None) => word(from),
            (Reference::MountFrom(from), _) => from.node.clone(),
        }
    }

    /// A stage ARG of an imported file, with the value lowering gives it there: the IMPORT
    /// line's, else the default (expanded where it stands, as `ARG --bind` does too), else
    /// the file's global. Printed `ARG --bind`, which no `--build-arg` reaches, as none
    /// reaches into an imported file; an ARG left without a value cannot be bound (a
    /// binding is set, if empty), so a line with one is a plain ARG, refused when the
    /// build's arguments or the main file's global ARGs would give it a value.
    pub(super) fn imported_arg(&self, current: usize, decls: &[ArgDecl]) -> Result<String, String> {
        let Some(namespace) = self.buildfile.stages[current].namespace else {
            return Err("not an imported stage".to_owned());
        };
        let globals = self.globals(Some(namespace));
        let values: Vec<Option<String>> = decls
            .iter()
            .map(|decl| {
                let name = &decl.name.node;
                let literal = |value: &str| word(&Word::literal(value, decl.span));
                match (self.import_args[namespace].get(name), &decl.default) {
                    (Some(value), _) => Some(literal(value)),
                    (None, Some(default)) => Some(word(default)),
                    (None, None) => globals.get(name).map(literal),
                }
            })
            .collect();
        let parts = decls_text(decls, &values);
        if values.iter().all(Option::is_some) {
            return Ok(format!("ARG --bind {parts}"));
        }
        self.unbindable(current, decls, &values)?;
        Ok(format!("ARG {parts}"))
    }

    /// Why a plain ARG in an imported stage would not mean what it does there: a build
    /// argument, or for an ARG without a value a main global ARG, of the same name.
    fn unbindable(
        &self,
        current: usize,
        decls: &[ArgDecl],
        values: &[Option<String>],
    ) -> Result<(), String> {
        for (decl, value) in decls.iter().zip(values) {
            let name = &decl.name.node;
            let reached = if self.build_args.contains_key(name) {
                format!("the build argument `{name}`")
            } else if value.is_none() && self.globals(None).get(name).is_some() {
                format!("the main file's global ARG `{name}`")
            } else {
                continue;
            };
            return Err(format!(
                "cannot flatten `ARG {}` of the imported stage `{}` for this build: \
                 `ARG --bind` cannot leave an ARG without a value, and as a plain ARG \
                 {reached} would reach it in the flat file, where it does not now",
                decls_text(decls, values),
                self.stage_label(current),
            ));
        }
        Ok(())
    }
}

/// `NAME=value`, or `NAME` without one, for each ARG.
fn decls_text(decls: &[ArgDecl], values: &[Option<String>]) -> String {
    let parts = decls.iter().zip(values).map(|(decl, value)| match value {
        Some(value) => format!("{}={value}", decl.name.node),
        None => decl.name.node.clone(),
    });
    parts.collect::<Vec<_>>().join(" ")
}

/// `wanted`, or `wanted-N` for the first N from 2 that no stage or reference has taken.
fn unique(wanted: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = wanted.to_owned();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{wanted}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// The global ARGs of the main file and of each imported one, and the imported files'
/// values, as lowering computes them (`lower::plan`): an IMPORT line's values expand in
/// the importing file's global ARGs, and take the place of the build's arguments.
fn scopes(buildfile: &Buildfile, scope: Scope<'_>) -> (Vec<Env>, Vec<BTreeMap<String, String>>) {
    let mut globals = vec![vars::globals(&buildfile.global_args, &scope)];
    let mut import_args = Vec::new();
    for namespace in &buildfile.imports {
        let importer = &globals[namespace.importer.map_or(0, |n| n + 1)];
        let values: BTreeMap<String, String> = namespace
            .values
            .iter()
            .map(|v| {
                let key = v.key.as_literal().unwrap_or_default();
                (key, expand(&v.value, importer))
            })
            .collect();
        let own = Scope {
            build_args: &values,
            ..scope
        };
        globals.push(vars::globals(&namespace.global_args, &own));
        import_args.push(values);
    }
    (globals, import_args)
}
