//! The compiler pipeline: lexer → parser → type checker → planner. Each stage has its own
//! error type; [`CompileErrors`] gathers them with their stage and renders them as
//! `path:line:column: message` with the source line and a caret.

use std::hash::{BuildHasher, Hasher};

use crate::ast::Span;
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

/// Compiles policy source text into an immutable plan. Called once per publish, never per event.
pub fn compile(source: &str) -> Result<CompiledPolicy, CompileErrors> {
    let ast = parser::parse(source).map_err(|e| {
        CompileErrors::new(vec![CompileError { stage: Stage::Parse, message: e.message, span: e.span }])
    })?;
    let (mut checked, type_errors) = check::check(&ast);
    let plan_errors = planner::validate(&mut checked);
    let errors: Vec<CompileError> = type_errors
        .into_iter()
        .map(|e| CompileError { stage: Stage::Type, message: e.message, span: e.span })
        .chain(plan_errors.into_iter().map(|e| CompileError { stage: Stage::Plan, message: e.message, span: e.span }))
        .collect();
    if !errors.is_empty() {
        return Err(CompileErrors::new(errors));
    }
    Ok(planner::plan(checked, &source_hash(source)))
}

/// A short, stable content hash of the source, used as the default version.
fn source_hash(source: &str) -> String {
    let mut h = foldhash::quality::FixedState::with_seed(0x0005_eed5).build_hasher();
    h.write(source.as_bytes());
    format!("{:08x}", h.finish() as u32)
}
