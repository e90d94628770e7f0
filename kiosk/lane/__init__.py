"""The lane, pure: events, state, the reducer (the state machine), effects and the transition table."""
