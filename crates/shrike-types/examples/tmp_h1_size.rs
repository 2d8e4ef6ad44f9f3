fn main() {
    use shrike_types::event::*;
    println!("Event {} Card {} Address {} Option<Card> {} Result<Event,EventError> {}", std::mem::size_of::<Event>(), std::mem::size_of::<Card>(), std::mem::size_of::<Address>(), std::mem::size_of::<Option<Card>>(), std::mem::size_of::<Result<Event, shrike_types::parse::EventError>>());
}
