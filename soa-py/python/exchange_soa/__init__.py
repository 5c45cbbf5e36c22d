"""exchange-soa: the source of authority of Exchange attributes in hybrid Exchange.

Every attribute of a directory-synchronized mailbox is mastered in one place: on-premises
Active Directory, Exchange Online, or (for a cloud-only user) Entra ID. Which one follows from
the attribute's class in the :class:`Catalog` (identity, exchange or cloud-only) and from the
mailbox's :class:`MailboxState` (dir-synced, ``IsExchangeCloudManaged``).

>>> from exchange_soa import Catalog, MailboxState, decide_edit
>>> catalog = Catalog.builtin()
>>> state = MailboxState(dir_synced=True, cloud_managed=True)
>>> decision = decide_edit(catalog, state, "extensionAttribute1", "Finance", "active_directory")
>>> decision.allowed
False
>>> decision.authority
'exchange_online'

A :class:`SimulatedOrg` rehearses a transfer without credentials or network: on-premises AD,
the sync engines and Exchange Online (with RBAC and the admin audit log) on a virtual clock.

>>> from exchange_soa import SimulatedOrg
>>> org = SimulatedOrg()
>>> guid = org.add_ad_user("alice@contoso.com", remote_mailbox="RemoteUserMailbox")
>>> org.sync_cycle().created
['alice@contoso.com']
>>> org.assign_license("alice@contoso.com")
>>> org.set_cloud_managed("alice@contoso.com", True)
>>> org.get_mailbox("alice").is_exchange_cloud_managed
True

The logic is the Rust crate ``soa_core``; this package is a thin binding over it. Errors are
:class:`SoaError` subclasses (see :mod:`exchange_soa.errors`).
"""

from exchange_soa._native import (
    ELIGIBLE_RECIPIENT_TYPES,
    Attribute,
    AuditRecord,
    Catalog,
    CloudSyncAgent,
    EditDecision,
    Finding,
    LossEntry,
    Mailbox,
    MailboxIterator,
    MailboxState,
    OrganizationConfig,
    OrgSummary,
    PreflightReport,
    ProxyAddress,
    ProxyAddresses,
    RecipientType,
    Requirements,
    RoleAssignment,
    RollbackLoss,
    SimulatedOrg,
    SmtpAddress,
    SyncError,
    SyncReport,
    SyncVersion,
    User,
    WritebackReport,
    __version__,
    check_caller,
    check_mailbox,
    check_organization,
    check_sync,
    check_tenant,
    decide_edit,
    master,
    rollback_loss,
)
from exchange_soa.errors import (
    AccessDeniedError,
    ExchangeError,
    InvalidCatalogError,
    InvalidInputError,
    InvalidJsonError,
    InvalidProxyAddressError,
    InvalidRecipientTypeError,
    InvalidSmtpAddressError,
    InvalidVersionError,
    NotFoundError,
    OutOfWriteScopeError,
    SoaError,
    SoaFileNotFoundError,
    SoaIOError,
    SoaIsADirectoryError,
    SoaPermissionError,
    UnknownAttributeError,
)

__all__ = [
    "__version__",
    # catalog
    "Catalog",
    "Attribute",
    # authority
    "MailboxState",
    "master",
    "decide_edit",
    "EditDecision",
    "rollback_loss",
    "RollbackLoss",
    "LossEntry",
    # model
    "ProxyAddress",
    "ProxyAddresses",
    "SmtpAddress",
    "SyncVersion",
    "RecipientType",
    "ELIGIBLE_RECIPIENT_TYPES",
    # preflight
    "Requirements",
    "Finding",
    "PreflightReport",
    "check_sync",
    "check_tenant",
    "check_caller",
    "check_mailbox",
    "check_organization",
    # Exchange Online
    "Mailbox",
    "MailboxIterator",
    "User",
    "OrganizationConfig",
    "RoleAssignment",
    "AuditRecord",
    # simulated organization
    "SimulatedOrg",
    "SyncReport",
    "WritebackReport",
    "SyncError",
    "CloudSyncAgent",
    "OrgSummary",
    # errors
    "SoaError",
    "InvalidProxyAddressError",
    "InvalidSmtpAddressError",
    "InvalidVersionError",
    "InvalidRecipientTypeError",
    "UnknownAttributeError",
    "InvalidCatalogError",
    "InvalidInputError",
    "InvalidJsonError",
    "NotFoundError",
    "AccessDeniedError",
    "ExchangeError",
    "OutOfWriteScopeError",
    "SoaIOError",
    "SoaFileNotFoundError",
    "SoaPermissionError",
    "SoaIsADirectoryError",
]
