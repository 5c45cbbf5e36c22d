# The object that every -Org parameter takes ([PSTypeName('ExchangeSoa.SimulatedOrg')]), made by
# New-SoaSimulatedOrg, Import-SoaSimulatedOrg or Connect-SoaSimulatedOrg around a native handle.
function ConvertTo-SimulatedOrgObject {
    param([object] $Handle, [AllowNull()] [object] $Tenant, [AllowNull()] [object] $Principal)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.SimulatedOrg'
        Tenant     = $Tenant
        Principal  = $Principal
        Handle     = $Handle
    }
}
