# A Preflight of the library's JSON as an ExchangeSoa.Preflight: its parts as properties, and the
# JSON itself (Json), which New-SoaTransferPlan and Test-SoaPrerequisite hand back unchanged.
function ConvertTo-PreflightObject {
    param([string] $Json, [psobject] $Session)

    $preflight = ConvertFrom-Json -InputObject $Json
    [pscustomobject]@{
        PSTypeName   = 'ExchangeSoa.Preflight'
        Tenant       = $Session.Tenant
        Sync         = $preflight.sync
        TenantState  = $preflight.tenant
        Caller       = $preflight.caller
        Requirements = $preflight.requirements
        Json         = $Json
        Session      = $Session
    }
}
