//! Tokens of the policy language, produced by [`crate::lexer::lex`].

use shrike_types::Duration;

use crate::ast::Span;

/// One token with the byte range it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword.
    Ident(String),
    Keyword(Keyword),
    /// A number literal; the text is kept exactly as written (money is read from it).
    Number {
        value: f64,
        text: String,
    },
    /// A string literal, escapes already resolved.
    Str(String),
    /// An integer immediately followed by a unit: `10m`, `90d`, `500ms`.
    Duration(Duration),
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Colon,
    /// `=`
    Assign,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Pipe,
    /// `??`
    Coalesce,
    /// End of input; always the last token, with an empty span at the end of the source.
    Eof,
}

macro_rules! keywords {
    ($($variant:ident => $text:literal),* $(,)?) => {
        /// Reserved words: none of them can be used as a name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Keyword { $($variant),* }

        impl Keyword {
            pub const ALL: &'static [Keyword] = &[$(Keyword::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Keyword::$variant => $text),* }
            }
        }
    };
}

keywords! {
    Policy => "policy",
    Lateness => "lateness",
    Score => "score",
    At => "at",
    Attribute => "attribute",
    List => "list",
    Feature => "feature",
    Let => "let",
    Model => "model",
    Rule => "rule",
    On => "on",
    When => "when",
    Then => "then",
    Reason => "reason",
    Tags => "tags",
    Shadow => "shadow",
    Live => "live",
    By => "by",
    Over => "over",
    Every => "every",
    Of => "of",
    Where => "where",
    And => "and",
    Or => "or",
    Not => "not",
    In => "in",
    True => "true",
    False => "false",
}

impl Keyword {
    /// The keyword spelled `word`, if any.
    pub fn from_word(word: &str) -> Option<Keyword> {
        Keyword::ALL.iter().copied().find(|k| k.as_str() == word)
    }
}

impl TokenKind {
    /// The fixed spelling of punctuation tokens; `None` for tokens that carry a value.
    pub fn punct(&self) -> Option<&'static str> {
        let text = match self {
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::Comma => ",",
            TokenKind::Dot => ".",
            TokenKind::Colon => ":",
            TokenKind::Assign => "=",
            TokenKind::EqEq => "==",
            TokenKind::NotEq => "!=",
            TokenKind::Lt => "<",
            TokenKind::Le => "<=",
            TokenKind::Gt => ">",
            TokenKind::Ge => ">=",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::Slash => "/",
            TokenKind::Percent => "%",
            TokenKind::Pipe => "|",
            TokenKind::Coalesce => "??",
            _ => return None,
        };
        Some(text)
    }

    /// Whether this is the keyword `kw`.
    pub fn is_keyword(&self, kw: Keyword) -> bool {
        matches!(self, TokenKind::Keyword(k) if *k == kw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip_through_their_spelling() {
        for kw in Keyword::ALL {
            assert_eq!(Keyword::from_word(kw.as_str()), Some(*kw));
        }
        assert_eq!(Keyword::from_word("count"), None);
        assert_eq!(Keyword::from_word("missing"), None);
    }
}
