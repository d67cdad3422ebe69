//! Timers: the timing wheel (more to come).

// The driver that uses the wheel lands in the next commit.
#[allow(dead_code)]
mod wheel;
