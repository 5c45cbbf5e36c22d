@{
    RootModule           = 'ExchangeSoa.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5ae241ac-bad8-43ed-b022-12c38239ad2a'
    Author               = 'exchange-soa developers'
    CompanyName          = 'exchange-soa'
    Copyright            = '(c) exchange-soa developers. MIT OR Apache-2.0.'
    Description          = 'Source of authority of Exchange attributes in hybrid Exchange: who masters each attribute of a mailbox (on-premises AD or Exchange Online, per IsExchangeCloudManaged), whether an edit will stick, what a rollback loses, and the prerequisites for cloud-managed mailboxes; and a simulated hybrid organization (AD, Entra Connect Sync, Cloud Sync writeback, Exchange Online with RBAC and an audit log, on a virtual clock) to rehearse a transfer without a tenant. A thin front end over the exchange-soa native library (soa_ffi), which must sit next to this manifest.'
    PowerShellVersion    = '7.2'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('ExchangeSoa.format.ps1xml')
    FunctionsToExport    = @(
        'Get-SoaAttribute'
        'Get-SoaAuthority'
        'Test-SoaEdit'
        'Get-SoaRollbackLoss'
        'Test-SoaProxyAddress'
        'Test-SoaSmtpAddress'
        'Test-SoaRecipientType'
        'Test-SoaPrerequisite'
        'Test-SoaMailbox'
        'ConvertTo-SoaSyncVersion'
        'Compare-SoaSyncVersion'
        'New-SoaSimulatedOrg'
        'Import-SoaSimulatedOrg'
        'Export-SoaSimulatedOrg'
        'Connect-SoaSimulatedOrg'
        'Add-SoaSimulatedPrincipal'
        'Get-SoaSimulatedRoleAssignment'
        'Invoke-SoaSyncCycle'
        'Invoke-SoaWritebackCycle'
        'Step-SoaSimulatedClock'
        'Get-SoaSimulatedMailbox'
        'New-SoaSimulatedMailbox'
        'Set-SoaSimulatedMailbox'
        'Set-SoaCloudManaged'
        'Get-SoaSimulatedUser'
        'New-SoaSimulatedAdUser'
        'Get-SoaSimulatedAdUser'
        'Set-SoaSimulatedAdUser'
        'Remove-SoaSimulatedAdUser'
        'Add-SoaSimulatedLicense'
        'Set-SoaSimulatedSyncEngine'
        'Get-SoaSimulatedOrgConfig'
        'Set-SoaSimulatedOrgConfig'
        'Search-SoaSimulatedAuditLog'
        'Get-SoaSimulatedSyncError'
        'Get-SoaSimulatedOrgSummary'
    )
    CmdletsToExport      = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Exchange', 'ExchangeOnline', 'Hybrid', 'ActiveDirectory', 'EntraID', 'SourceOfAuthority', 'IsExchangeCloudManaged', 'Simulation', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/exchange-soa/exchange-soa'
            ReleaseNotes = '0.1.0: first release. Get-SoaAttribute, Get-SoaAuthority, Test-SoaEdit, Get-SoaRollbackLoss, Test-SoaProxyAddress, Test-SoaSmtpAddress, Test-SoaRecipientType, Test-SoaPrerequisite, Test-SoaMailbox, ConvertTo-SoaSyncVersion and Compare-SoaSyncVersion over soa_ffi 0.1.0. The simulated organization: New-, Import-, Export- and Connect-SoaSimulatedOrg, Add-SoaSimulatedPrincipal, Get-SoaSimulatedRoleAssignment, Invoke-SoaSyncCycle, Invoke-SoaWritebackCycle, Step-SoaSimulatedClock, Get-, New- and Set-SoaSimulatedMailbox, Set-SoaCloudManaged, Get-SoaSimulatedUser, New-, Get-, Set- and Remove-SoaSimulatedAdUser, Add-SoaSimulatedLicense, Set-SoaSimulatedSyncEngine, Get- and Set-SoaSimulatedOrgConfig, Search-SoaSimulatedAuditLog, Get-SoaSimulatedSyncError and Get-SoaSimulatedOrgSummary.'
        }
    }
}
