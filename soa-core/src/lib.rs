//! # soa_core — who masters which Exchange attribute, and how to move it safely
//!
//! Hybrid Exchange organizations synchronize their users from on-premises Active Directory to
//! Entra ID and Exchange Online. For a dir-synced mailbox, every attribute has exactly one place
//! where an edit sticks — its *source of authority* (SOA). Since late 2025 a per-mailbox flag,
//! `IsExchangeCloudManaged`, moves the SOA of the mailbox's *Exchange* attributes from AD to
//! Exchange Online, which lets an organization retire its last Exchange server. This crate is
//! the model of that world and the tool to move through it.
//!
//! ## The model in one table
//!
//! Every attribute belongs to one [`catalog::AttributeClass`]:
//!
//! | class | examples | mastered in |
//! |---|---|---|
//! | **identity** | displayName, givenName, sn, title, department, userPrincipalName | AD, always (for a dir-synced user) |
//! | **exchange** | proxyAddresses, extensionAttribute1–15, mailNickname, msExchHideFromAddressLists | AD while the flag is false; Exchange Online once it is true |
//! | **cloud-only** | ForwardingSmtpAddress, RetentionPolicy | Exchange Online (never came from AD) |
//!
//! A subset of the exchange class — 24 attributes at general availability — is *written back* to
//! AD by Entra Cloud Sync; the rest of what becomes cloud-editable stays in the cloud only. The
//! table is data with provenance ([`catalog::Catalog`]): each row says which sources support it
//! and whether Microsoft's own text confirms it. Rows that are inferred are marked unconfirmed,
//! and a user can load an override file that reclassifies or adds rows.
//!
//! Everything else is a consequence of the table and of a mailbox's state
//! ([`authority::MailboxState`]: dir-synced or not, cloud-managed or not, recipient type):
//!
//! - [`authority::master`] says who masters an attribute; [`authority::decide_edit`] says
//!   whether an edit made somewhere will stick, which command to use instead, and whether AD
//!   will see the value; [`authority::rollback_loss`] lists the cloud values that the next sync
//!   overwrites if the flag goes back to false.
//! - [`preflight`] checks the prerequisites (sync engine versions, roles, the tenant-wide
//!   default, writeback capacity) and each mailbox's eligibility (recipient type, dir-synced,
//!   already cloud-managed, changed on-premises within a sync cycle plus 24 hours), as findings
//!   with a stable code, a severity, a message and a fix.
//! - [`model`] holds the domain types: [`model::Mailbox`] and [`model::User`] (which accept the
//!   JSON of `Get-Mailbox | ConvertTo-Json` and `Get-User | ConvertTo-Json`),
//!   [`model::ProxyAddresses`], [`model::SmtpAddress`], [`model::SyncVersion`] and
//!   [`model::RecipientTypeDetails`].
//! - [`pwsh`] renders values as PowerShell literals, so that no generated command lets a value
//!   become code.
//!
//! ```
//! use soa_core::authority::{decide_edit, EditLocation, MailboxState, ProposedEdit};
//! use soa_core::catalog::Catalog;
//!
//! let edit = ProposedEdit {
//!     attribute: "extensionAttribute1".into(),
//!     value: "Finance".into(),
//!     location: EditLocation::ActiveDirectory,
//!     identity: Some("alice@contoso.com".into()),
//! };
//! let decision = decide_edit(Catalog::builtin(), &MailboxState::cloud_managed(), &edit)?;
//! assert!(!decision.allowed); // the mailbox is cloud-managed: edit it in Exchange Online
//! assert_eq!(
//!     decision.tool.as_deref(),
//!     Some("Set-Mailbox -Identity 'alice@contoso.com' -CustomAttribute1 'Finance'")
//! );
//! # Ok::<(), soa_core::Error>(())
//! ```
//!
//! ## Errors
//!
//! Every fallible function returns [`Result`]; [`Error`] names the offending input and what is
//! wrong with it, and [`Error::kind`] classifies it for the Python and C front ends.

pub mod audit;
pub mod authority;
pub mod catalog;
pub mod clock;
pub mod directory;
mod error;
pub mod exo;
mod fsutil;
pub mod json;
pub mod model;
pub mod preflight;
pub mod pwsh;
pub mod reconcile;
pub mod scripts;
pub mod session;
#[cfg(feature = "sim")]
pub mod sim;
pub mod transfer;

/// Hooks for the library's own tests (not part of the API).
#[doc(hidden)]
pub mod test_hooks {
    /// Adds `delay` to every fsync the library makes (0 turns it off): tests prove with it
    /// that file syncs run off the async executor.
    pub fn set_fsync_delay(delay: std::time::Duration) {
        crate::fsutil::set_fsync_delay(delay);
    }
}

pub use error::{Error, ErrorKind, Result};

/// The library's version (the crate version), as the bindings report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust quick start, compiled and run as a doctest (it uses the simulated
/// organization).
#[cfg(all(doctest, feature = "sim"))]
#[doc = include_str!("../../README.md")]
struct ReadmeQuickStart;
