//! # shrike-dsl
//!
//! The policy language, built as a compiler: [`lexer`] → [`parser`] ([`ast`]) → [`check`]
//! (typed [`ir`]) → [`planner`] ([`plan::CompiledPolicy`]), with [`eval`] running the IR.
//! [`compile::compile`] runs the pipeline once per publish; nothing here runs per event
//! except [`eval`].
//!
//! Invariants:
//! - Every error carries a [`ast::Span`]; [`diagnostic::render`] prints `path:line:column`.
//! - Plans are immutable; names are resolved to indices; `let`s are inlined; regexes are
//!   compiled with a size bound; recursion in the parser is depth-bounded.
//! - Missing values follow one rule everywhere (see [`eval`]).

pub mod ast;
pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod eval;
pub mod functions;
pub mod ir;
pub mod lexer;
pub mod parser;
pub mod plan;
pub mod planner;
pub mod printer;

pub use check::{ModelResolver, NoModels};
pub use compile::{CompileError, CompileErrors, Stage, compile, compile_with, model_files};
pub use plan::CompiledPolicy;
