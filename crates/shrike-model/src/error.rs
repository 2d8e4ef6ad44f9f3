//! Errors of building, loading and importing models. Each names the field (a JSON-style path
//! such as `trees[3].nodes[7].right`) or the line, so a bad file can be fixed by hand.

/// A model that cannot be built, loaded or imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A field holds a value the model cannot use.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A text model file is malformed at a line (1-based).
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    /// A JSON document does not parse or does not have the expected shape.
    #[error("JSON at line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The file is larger than [`crate::limits::MAX_FILE_BYTES`].
    #[error("{path}: {bytes} bytes is more than the limit of {limit}")]
    TooLarge { path: String, bytes: u64, limit: u64 },
}

impl ModelError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ModelError {
        ModelError::Invalid { field: field.into(), message: message.into() }
    }

    pub(crate) fn line(line: usize, message: impl Into<String>) -> ModelError {
        ModelError::Line { line, message: message.into() }
    }

    pub(crate) fn json(e: &serde_json::Error) -> ModelError {
        ModelError::Json { line: e.line(), column: e.column(), message: e.to_string() }
    }
}

/// Reads a whole file, refusing one over [`crate::limits::MAX_FILE_BYTES`].
pub fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, ModelError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let io = |source| ModelError::Io { path: shown.clone(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let limit = crate::limits::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ModelError::TooLarge { path: shown, bytes: bytes.len() as u64, limit });
    }
    Ok(bytes)
}
