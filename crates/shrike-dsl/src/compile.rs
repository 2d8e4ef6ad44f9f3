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

    fn from(stage: Stage, items: impl IntoIterator<Item = (String, Span)>) -> CompileErrors {
        let mut errors: Vec<CompileError> =
            items.into_iter().map(|(message, span)| CompileError { stage, message, span }).collect();
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        CompileErrors { errors }
    }
}

/// Compiles policy source text into an immutable plan. Called once per publish, never per event.
pub fn compile(source: &str) -> Result<CompiledPolicy, CompileErrors> {
    let ast = parser::parse(source).map_err(|e| CompileErrors::from(Stage::Parse, [(e.message, e.span)]))?;
    let checked = check::check(&ast)
        .map_err(|errs| CompileErrors::from(Stage::Type, errs.into_iter().map(|e| (e.message, e.span))))?;
    planner::plan(checked, &source_hash(source))
        .map_err(|errs| CompileErrors::from(Stage::Plan, errs.into_iter().map(|e| (e.message, e.span))))
}

/// A short, stable content hash of the source, used as the default version.
fn source_hash(source: &str) -> String {
    let mut h = foldhash::quality::FixedState::with_seed(0x0005_eed5).build_hasher();
    h.write(source.as_bytes());
    format!("{:08x}", h.finish() as u32)
}
