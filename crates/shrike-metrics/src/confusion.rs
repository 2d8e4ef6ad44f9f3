//! A binary confusion matrix.

/// Counts of a binary decision ("flagged") against labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Confusion {
    /// Fraud flagged.
    pub tp: u64,
    /// Legitimate flagged.
    pub fp: u64,
    /// Legitimate not flagged.
    pub tn: u64,
    /// Fraud not flagged.
    pub fn_: u64,
}

impl Confusion {
    pub fn add(&mut self, flagged: bool, fraud: bool) {
        match (flagged, fraud) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// tp / (tp + fp); `None` when nothing was flagged.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn); `None` without fraud.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// fp / (fp + tn); `None` without legitimate events.
    pub fn fpr(&self) -> Option<f64> {
        ratio(self.fp, self.fp + self.tn)
    }

    /// Share of all events flagged.
    pub fn flag_rate(&self) -> Option<f64> {
        ratio(self.tp + self.fp, self.total())
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_from_hand_counts() {
        let mut c = Confusion::default();
        for (flagged, fraud) in
            [(true, true), (true, true), (true, false), (false, false), (false, false), (false, true)]
        {
            c.add(flagged, fraud);
        }
        assert_eq!(c, Confusion { tp: 2, fp: 1, tn: 2, fn_: 1 });
        assert_eq!(c.precision(), Some(2.0 / 3.0));
        assert_eq!(c.recall(), Some(2.0 / 3.0));
        assert_eq!(c.fpr(), Some(1.0 / 3.0));
        assert_eq!(c.flag_rate(), Some(0.5));
        assert_eq!(Confusion::default().precision(), None);
    }
}
