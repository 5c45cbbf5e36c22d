//! Domain types: mailboxes, users, proxy addresses, SMTP addresses, sync versions and recipient types.

mod mailbox;
mod proxy;
mod recipient;
mod smtp;
mod timestamp;
mod user;
mod value;
mod version;

pub use mailbox::Mailbox;
pub use proxy::{ProxyAddress, ProxyAddresses, ProxyPrefix};
pub use recipient::RecipientTypeDetails;
pub use smtp::SmtpAddress;
pub use user::User;
pub use value::AttributeValue;
pub use version::SyncVersion;
