@{
    RootModule        = 'offboarding.psm1'
    ModuleVersion     = '1.4.0'
    GUID              = '5f2b8a7e-3f1d-4b5a-9c1e-2d7a6b9e0c11'
    Author            = 'Messaging team'
    Description       = 'Legacy helpers; used to wrap Set-RemoteMailbox and Remove-ADUser.'
    FunctionsToExport = @('Disable-Leaver', 'Remove-ExpiredLeaver')
    PrivateData       = @{ Notes = 'Set-ADUser -Replace @{proxyAddresses=...} is in alias-management.ps1' }
}
