//! The syntax tree produced by [`crate::parser`]. Every node carries the [`Span`] of the
//! source text it came from, so later stages can point at it.

use shrike_types::Duration;

/// Byte offsets `[start, end)` into the policy source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A name as written, e.g. `card_attempts_10m`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A dotted name: `amount`, `card.fingerprint`, `payment.attempt`, `attributes.referrer`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    /// The segments joined with dots.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// A whole policy file: declarations in source order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Policy {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `policy "name"`
    Header {
        name: String,
        span: Span,
    },
    /// `lateness 1h`: how far behind the newest event time an event may arrive and still count.
    Lateness {
        value: Duration,
        span: Span,
    },
    /// `score review at 60`: the outcome given when the total score reaches a threshold.
    Threshold {
        outcome: Ident,
        at: f64,
        span: Span,
    },
    /// `attribute referrer: string`
    Attribute {
        name: Ident,
        ty: Ident,
        span: Span,
    },
    /// `list blocked_cards: string` or `list disposable: string = ["a.com", "b.com"]`
    List {
        name: Ident,
        ty: Ident,
        entries: Option<Vec<Expr>>,
        span: Span,
    },
    Feature(FeatureDecl),
    /// `let decline_ratio = declines_1h / attempts_1h`
    Let {
        name: Ident,
        value: Expr,
        span: Span,
    },
    Rule(RuleDecl),
    Model(ModelDecl),
}

/// `model NAME = "FILE" { INPUT = EXPR ... }`: a tree model, its file and what each input is.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelDecl {
    pub name: Ident,
    /// The model file as written (a path relative to the policy file, or a name the service
    /// resolves), with the span of the string literal.
    pub file: (String, Span),
    pub inputs: Vec<ModelBinding>,
    pub span: Span,
}

/// One input of a model: `amount = number(amount)`, `"card country" = card.country`, or the
/// shorthand `device_cards_1h` (the input bound to the name it is called).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelBinding {
    /// The input's name with the span it was written at.
    pub input: (String, Span),
    /// `None` for the shorthand.
    pub value: Option<Expr>,
    pub span: Span,
}

impl ModelBinding {
    /// The expression the input is bound to: the written one, or for the shorthand the name
    /// itself as a path.
    pub fn expr(&self) -> Expr {
        if let Some(e) = &self.value {
            return e.clone();
        }
        let (name, span) = &self.input;
        let mut start = span.start as usize;
        let segments = name
            .split('.')
            .map(|part| {
                let ident = Ident { name: part.to_string(), span: Span::new(start, start + part.len()) };
                start += part.len() + 1;
                ident
            })
            .collect();
        Expr { kind: ExprKind::Path(Path { segments, span: *span }), span: *span }
    }
}

/// `feature NAME = AGG(ARG of TYPES where FILTER) by KEY, KEY over WINDOW every RESOLUTION`
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureDecl {
    pub name: Ident,
    /// `count`, `sum`, `avg`, `min`, `max`, `distinct`, `first_seen`, `last_seen`.
    pub agg: Ident,
    /// The aggregated expression (`amount`, `card.fingerprint`); `None` for count / first_seen / last_seen.
    pub arg: Option<Expr>,
    /// Event types selected; empty means every type (`*`).
    pub types: Vec<Path>,
    pub filter: Option<Expr>,
    pub keys: Vec<Expr>,
    pub window: Duration,
    pub window_span: Span,
    pub every: Option<(Duration, Span)>,
    pub span: Span,
}

/// `rule NAME { on …  when …  then …  score …  reason "…"  tags a, b  shadow }`
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    pub name: Ident,
    /// Event types the rule applies to; empty means every type.
    pub on: Vec<Path>,
    pub when: Option<Expr>,
    /// `allow`, `challenge`, `review` or `block`.
    pub then: Option<Ident>,
    pub score: Option<(f64, Span)>,
    pub reason: Option<(String, Span)>,
    pub tags: Vec<Ident>,
    /// `shadow` or `live`, with its span.
    pub mode: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `a ?? b`: `a` unless it is missing, then `b`.
    Coalesce,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Coalesce => "??",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal with its exact source text (money literals are read from the text).
    Number {
        value: f64,
        text: String,
    },
    Str(String),
    Bool(bool),
    Duration(Duration),
    /// A field, feature, let, list or attribute name.
    Path(Path),
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x in S` / `x not in S`, where S is a list name or a literal set.
    In {
        expr: Box<Expr>,
        set: Box<Expr>,
        negated: bool,
    },
    /// `["a", "b"]`
    Set(Vec<Expr>),
    /// `model.NAME`: a declared model's score.
    Model(Ident),
}
