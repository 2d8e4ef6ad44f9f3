//! Outcomes and their severity order.

use std::fmt;

/// What the caller should do. Ordered by severity: `Allow < Challenge < Review < Block`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Allow,
    /// Step-up: OTP, CAPTCHA, 3-D Secure.
    Challenge,
    /// Let it through for now, queue it for an analyst.
    Review,
    Block,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Allow, Outcome::Challenge, Outcome::Review, Outcome::Block];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Challenge => "challenge",
            Outcome::Review => "review",
            Outcome::Block => "block",
        }
    }

    pub fn from_name(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == name)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a rule's hit changes the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleMode {
    #[default]
    Live,
    /// Evaluated and recorded in `shadow_hits`, never changes outcome or score.
    Shadow,
}
