//! How a runtime builder gets the [`Park`] hook of each runtime it builds: a [`MakePark`] recipe,
//! called once per `build`, so two runtimes never share a hook.

use std::fmt;
use std::io;
use std::sync::Arc;

use crate::config::RuntimeFlavor;
use crate::park::Park;

/// What a [`MakePark`] is told about the runtime it makes a hook for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParkSettings {
    /// The runtime's flavour.
    pub flavor: RuntimeFlavor,
    /// Whether the hook's clock starts paused (set with
    /// [`Builder::start_paused`](crate::builder::Builder::start_paused); only for a
    /// [`PausableClock`] and a current-thread runtime).
    pub start_paused: bool,
}

/// A recipe for the park hook of each runtime a [`Builder`](crate::builder::Builder) builds.
///
/// weft-io's `MakeDriver` makes its reactor and timers (the facade's builder uses it); [`NoPark`]
/// makes none. The type is the builder's parameter, so a builder's type says which hook its
/// runtimes get.
pub trait MakePark: fmt::Debug + Send + Sync + 'static {
    /// Makes the hook of a new runtime (`None`: no hook; idle workers sleep on condvars).
    ///
    /// # Errors
    /// If the hook cannot be made (for a reactor: the OS refused a poller or a descriptor);
    /// `build` returns the error.
    fn make_park(&self, settings: &ParkSettings) -> io::Result<Option<Arc<dyn Park>>>;
}

/// A [`MakePark`] whose hook keeps a clock that can start paused (virtual time), which turns on
/// [`Builder::start_paused`](crate::builder::Builder::start_paused).
pub trait PausableClock: MakePark {}

/// No park hook: the executor alone, with no I/O or timers (`weft_runtime::Builder`'s choice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoPark;

impl MakePark for NoPark {
    fn make_park(&self, _settings: &ParkSettings) -> io::Result<Option<Arc<dyn Park>>> {
        Ok(None)
    }
}
