//! Reading the log across segments, verifying every record.

use crate::error::{Corruption, LogError};
use crate::pos::LogPos;
use crate::segment::{Segment, SegmentReader, Step};

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub pos: LogPos,
    pub kind: u8,
    pub payload: Vec<u8>,
}

/// One record read back, its payload borrowed from the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    pub pos: LogPos,
    pub kind: u8,
    pub payload: &'a [u8],
}

/// Reads records `from..end` in order, verifying each one and that consecutive segments
/// join. An error ends the iteration; nothing is ever skipped.
///
/// [`next_record`](LogReader::next_record) lends the payload without allocating; the
/// `Iterator` impl returns owned [`Record`]s.
#[derive(Debug)]
pub struct LogReader<'a> {
    segments: &'a [Segment],
    current: Option<SegmentReader>,
    from: LogPos,
    end: LogPos,
    next: LogPos,
    payload: Vec<u8>,
    failed: bool,
}

impl<'a> LogReader<'a> {
    pub(crate) fn new(segments: &'a [Segment], from: LogPos, end: LogPos) -> LogReader<'a> {
        let next = segments.first().map_or(from, |s| s.first);
        LogReader { segments, current: None, from, end, next, payload: Vec::new(), failed: false }
    }

    /// The next record at or after `from`, its payload borrowed until the next call.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>, LogError> {
        if self.failed {
            return Ok(None);
        }
        match self.advance() {
            Ok(Some((pos, kind))) => Ok(Some(RecordRef { pos, kind, payload: &self.payload })),
            Ok(None) => Ok(None),
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    fn advance(&mut self) -> Result<Option<(LogPos, u8)>, LogError> {
        while self.next < self.end {
            if self.current.is_none() {
                self.current = Some(self.open_next()?);
            }
            let Some(reader) = &mut self.current else { continue };
            match reader.step(&mut self.payload)? {
                Step::Record { pos, kind } => {
                    self.next = pos.next();
                    if pos >= self.from {
                        return Ok(Some((pos, kind)));
                    }
                }
                Step::End => self.finish_segment()?,
                Step::Bad { offset, reason } => return Err(LogError::corrupt(&reader.path, offset, reason)),
            }
        }
        Ok(None)
    }

    fn open_next(&mut self) -> Result<SegmentReader, LogError> {
        // `finish_segment` fails before the last segment runs out, and `new` gets at least one.
        let Some((segment, rest)) = self.segments.split_first() else {
            return Err(LogError::PastEnd { requested: self.next, end: self.next });
        };
        self.segments = rest;
        SegmentReader::open_valid(segment)
    }

    /// At the end of a segment, the next one must start exactly where this one ended.
    fn finish_segment(&mut self) -> Result<(), LogError> {
        let Some(done) = self.current.take() else { return Ok(()) };
        match self.segments.first() {
            Some(next) if next.first != done.next => Err(LogError::corrupt(
                &done.path,
                done.offset,
                Corruption::Gap { end: done.next, next_first: next.first },
            )),
            Some(_) => Ok(()),
            None => Err(LogError::corrupt(
                &done.path,
                done.offset,
                Corruption::Short { end: done.next, expected: self.end },
            )),
        }
    }
}

impl Iterator for LogReader<'_> {
    type Item = Result<Record, LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_record() {
            Ok(Some(r)) => Some(Ok(Record { pos: r.pos, kind: r.kind, payload: r.payload.to_vec() })),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
