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

:class:`ExoClient` is the REST client of a real tenant (``ClientSecretCredential``,
``ClientCertificateCredential`` or ``StaticTokenCredential``; ``Cloud`` for national clouds). It
has the same Exchange Online operations as :class:`SimulatedOrg` (both are
:class:`ExchangeOnline`), blocking with the GIL released or for asyncio (``aget_mailbox``, ...,
``async for`` over ``list_mailboxes``). :class:`Emulator` serves a simulated organization over
the real wire protocol, with fault injection:

>>> with Emulator(org) as emu:
...     client = ExoClient.for_emulator(emu, "admin@contoso.com")
...     client.get_mailbox("alice@contoso.com").is_exchange_cloud_managed
True

Every workflow takes a :class:`Session`: Exchange Online (either backend), the on-premises
directory (an :class:`OnPremisesDirectory`; a simulated organization's is ``org.directory``),
the catalog, the clock and the actor that audit logs record, with every default decided by the
core (the actor is the backend's principal):

>>> session = Session(org, directory=org.directory)
>>> session.actor == org.principal and session.now == org.now
True

The transfer itself — :func:`gather_preflight`, :func:`plan` under a :class:`TransferPolicy`,
:func:`run` (backup, flip, verify; a ``progress`` callback that suits tqdm; a
:class:`CancelToken`), :func:`resume`, :func:`rollback` with its loss report,
:func:`restore_in_cloud` and :func:`restore_script`, the tenant-wide default and
:func:`rbac_review` — takes the session. Without a directory, a plan states that the settle
rule was checked against the cloud side only (``plan.directory_checked is False``).

:func:`reconcile` compares an AD export (CSV of ``Export-Csv``, LDIF of ``ldifde``, JSON of
``ConvertTo-Json``) with a ``Get-Mailbox | ConvertTo-Json`` file, :func:`reconcile_live` with a
session's Exchange Online read live (``areconcile`` and ``areconcile_live`` for asyncio; a
``progress`` callback receives :class:`ReconcileProgress` events), and classifies every
:class:`Difference` under the authority rules. The
:class:`ReconcileReport` iterates over the differences, renders JSON, CSV and HTML, gives flat
``records()`` for ``csv.DictWriter`` or pandas, compares itself with an earlier report
(:class:`ReportChanges`) and makes a :class:`WritebackPlan` (LDIF and a ``Set-ADUser`` script) for
the stale AD values:

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "ad.csv").write_text(
...     "ObjectGUID,UserPrincipalName,extensionAttribute1\\n"
...     "a0000000-0000-0000-0000-000000000001,alice@contoso.com,Sales\\n")
>>> _ = (folder / "mailboxes.json").write_text(
...     '[{"UserPrincipalName": "alice@contoso.com", "IsDirSynced": true,'
...     ' "IsExchangeCloudManaged": true, "CustomAttribute1": "Finance"}]')
>>> report = reconcile(folder / "ad.csv", folder / "mailboxes.json")
>>> [(d.attribute, d.diff_class, d.reason) for d in report]
[('CustomAttribute1', 'cloud_master_ad_stale', 'writeback_off')]
>>> print(report.writeback_plan().to_powershell().splitlines()[-1])
Set-ADUser -Identity 'a0000000-0000-0000-0000-000000000001' -Replace @{extensionAttribute1='Finance'} -WhatIf:(-not $Apply)
>>> import shutil; shutil.rmtree(folder)

:func:`audit_scripts` audits PowerShell automation (a file, or a folder walked recursively)
for commands that still write Exchange attributes on-premises; :func:`audit_script_source`
audits text in memory. A :class:`ScriptAuditReport` holds one :class:`ScriptFileAudit` per file
with its :class:`ScriptFinding` list (rules ``SOA-PS001``...), the safe rewrites and their
unified diff, as text, JSON or a SARIF 2.1.0 log:

>>> audit = audit_script_source("alias.ps1", "Set-ADUser jdoe -Replace @{extensionAttribute1='Finance'}\\n")
>>> [(f.rule_id, f.line) for f in audit.findings]
[('SOA-PS002', 1)]
>>> audit.rewritten
"Set-Mailbox -Identity 'jdoe' -CustomAttribute1 'Finance'\\n"

The logic is the Rust crate ``soa_core``; this package is a thin binding over it. Errors are
:class:`SoaError` subclasses (see :mod:`exchange_soa.errors`).
"""

from exchange_soa._native import (
    ELIGIBLE_RECIPIENT_TYPES,
    Attribute,
    AuditRecord,
    Backup,
    BackupStore,
    CancelToken,
    Catalog,
    ClientCertificateCredential,
    ClientSecretCredential,
    Cloud,
    CloudSyncAgent,
    Difference,
    EditDecision,
    Emulator,
    EmulatorStats,
    ExchangeOnline,
    ExoClient,
    Faults,
    Finding,
    LossEntry,
    Mailbox,
    MailboxIterator,
    MailboxResult,
    MailboxState,
    OnPremisesDirectory,
    OrganizationConfig,
    OrgSummary,
    Plan,
    PlanEntry,
    PreflightReport,
    ProgressEvent,
    ProxyAddress,
    ProxyAddresses,
    RbacReport,
    RecipientType,
    ReconcileProgress,
    ReconcileReport,
    ReportChanges,
    Requirements,
    RestoreReport,
    RoleAssignment,
    RollbackLoss,
    RollbackOutcome,
    RunReport,
    ScriptAuditReport,
    ScriptFileAudit,
    ScriptFinding,
    Session,
    SimulatedOrg,
    SmtpAddress,
    StaticTokenCredential,
    SyncError,
    SyncReport,
    SyncVersion,
    TokenCredential,
    TransferPolicy,
    User,
    WritebackPlan,
    WritebackReport,
    __version__,
    areconcile,
    areconcile_live,
    audit_script_source,
    audit_scripts,
    check_caller,
    check_mailbox,
    check_offboarding,
    check_organization,
    check_sync,
    check_tenant,
    decide_edit,
    disable_cloud_managed_by_default,
    enable_cloud_managed_by_default,
    gather_preflight,
    master,
    plan,
    rbac_review,
    read_audit_log,
    reconcile,
    reconcile_live,
    restore_in_cloud,
    restore_script,
    resume,
    rollback,
    rollback_loss,
    run,
)
from exchange_soa.errors import (
    AccessDeniedError,
    AuthError,
    ExchangeError,
    HttpError,
    InvalidCatalogError,
    InvalidInputError,
    InvalidJsonError,
    InvalidProxyAddressError,
    InvalidRecipientTypeError,
    InvalidSmtpAddressError,
    InvalidVersionError,
    NotFoundError,
    OutOfWriteScopeError,
    RefusedError,
    SoaError,
    SoaFileNotFoundError,
    SoaIOError,
    SoaIsADirectoryError,
    SoaPermissionError,
    ThrottledError,
    TransportError,
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
    # Exchange Online backends, the on-premises directory, the session
    "ExchangeOnline",
    "OnPremisesDirectory",
    "Session",
    # simulated organization
    "SimulatedOrg",
    "SyncReport",
    "WritebackReport",
    "SyncError",
    "CloudSyncAgent",
    "OrgSummary",
    # REST client
    "ExoClient",
    "Cloud",
    "TokenCredential",
    "ClientSecretCredential",
    "ClientCertificateCredential",
    "StaticTokenCredential",
    # HTTP emulator
    "Emulator",
    "Faults",
    "EmulatorStats",
    # transfer
    "gather_preflight",
    "TransferPolicy",
    "plan",
    "Plan",
    "PlanEntry",
    "run",
    "resume",
    "RunReport",
    "MailboxResult",
    "ProgressEvent",
    "CancelToken",
    "BackupStore",
    "Backup",
    "rollback",
    "RollbackOutcome",
    "restore_in_cloud",
    "restore_script",
    "RestoreReport",
    "check_offboarding",
    "enable_cloud_managed_by_default",
    "disable_cloud_managed_by_default",
    "rbac_review",
    "RbacReport",
    "read_audit_log",
    # reconciliation
    "reconcile",
    "areconcile",
    "reconcile_live",
    "areconcile_live",
    "ReconcileProgress",
    "ReconcileReport",
    "Difference",
    "ReportChanges",
    "WritebackPlan",
    # script auditor
    "audit_scripts",
    "audit_script_source",
    "ScriptAuditReport",
    "ScriptFileAudit",
    "ScriptFinding",
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
    "RefusedError",
    "ThrottledError",
    "TransportError",
    "AuthError",
    "HttpError",
]
