//! The compiler pipeline: lexer → parser → type checker → planner. Each stage has its own
//! error type; [`CompileErrors`] gathers them with their stage and renders them as
//! `path:line:column: message` with the source line and a caret.

use std::hash::{BuildHasher, Hasher};

use crate::ast::Span;
use crate::check::{ModelResolver, NoModels};
use crate::plan::CompiledPolicy;
use crate::{check, diagnostic, parser, planner};

/// Which stage rejected the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Parse,
    Type,
    Plan,
}

/// One compile error.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    pub stage: Stage,
    pub message: String,
    pub span: Span,
}

/// All errors of one compilation, in source order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} error(s) in the policy; the first: {}", .errors.len(), .errors.first().map_or("", |e| e.message.as_str()))]
pub struct CompileErrors {
    pub errors: Vec<CompileError>,
}

impl CompileErrors {
    /// Renders every error against the source, separated by blank lines.
    pub fn render(&self, path: &str, source: &str) -> String {
        let parts: Vec<String> =
            self.errors.iter().map(|e| diagnostic::render(path, source, e.span, &e.message)).collect();
        parts.join("\n\n")
    }

    fn new(mut errors: Vec<CompileError>) -> CompileErrors {
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        CompileErrors { errors }
    }
}

/// Compiles policy source text that declares no models into an immutable plan (a `model`
/// declaration is an error naming its file; see [`compile_with`]).
pub fn compile(source: &str) -> Result<CompiledPolicy, CompileErrors> {
    compile_with(source, &NoModels)
}

/// Compiles policy source text into an immutable plan, loading the models it declares
/// through `models`. Called once per publish, never per event: the models are loaded and
/// their inputs resolved here. The version hash covers the source and each model's digest,
/// so a new model under the same source is a new version.
pub fn compile_with(source: &str, models: &dyn ModelResolver) -> Result<CompiledPolicy, CompileErrors> {
    let ast = parse(source)?;
    let (mut checked, type_errors) = check::check_with(&ast, models);
    let plan_errors = planner::validate(&mut checked);
    let errors: Vec<CompileError> = type_errors
        .into_iter()
        .map(|e| CompileError { stage: Stage::Type, message: e.message, span: e.span })
        .chain(plan_errors.into_iter().map(|e| CompileError { stage: Stage::Plan, message: e.message, span: e.span }))
        .collect();
    if !errors.is_empty() {
        return Err(CompileErrors::new(errors));
    }
    let digests: Vec<&str> = checked.models.iter().map(|m| m.model.digest()).collect();
    let version = source_hash(source, &digests);
    Ok(planner::plan(checked, &version))
}

/// The model files a policy declares, in order (parsing only): what a service must fetch
/// before it can [`compile_with`] the policy.
pub fn model_files(source: &str) -> Result<Vec<String>, CompileErrors> {
    let ast = parse(source)?;
    let files = ast.items.iter().filter_map(|i| match i {
        crate::ast::Item::Model(m) => Some(m.file.0.clone()),
        _ => None,
    });
    Ok(files.collect())
}

fn parse(source: &str) -> Result<crate::ast::Policy, CompileErrors> {
    parser::parse(source)
        .map_err(|e| CompileErrors::new(vec![CompileError { stage: Stage::Parse, message: e.message, span: e.span }]))
}

/// A short, stable content hash of the source and the model digests, used as the default
/// version. Without models it is the hash of the source alone, as it always was.
fn source_hash(source: &str, model_digests: &[&str]) -> String {
    let mut h = foldhash::quality::FixedState::with_seed(0x0005_eed5).build_hasher();
    h.write(source.as_bytes());
    for d in model_digests {
        h.write(d.as_bytes());
    }
    format!("{:08x}", h.finish() as u32)
}
