# The object every -Session parameter takes ([PSTypeName('ExchangeSoa.Session')]) around a native
# session: the actor comes from the library (which decided it), and Backend is the session's
# Exchange Online for the Exchange Online operations.
function ConvertTo-SessionObject {
    param([object] $Handle, [string] $Tenant, [string] $Kind, [AllowNull()] [object] $Directory)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.Session'
        Tenant     = $Tenant
        Kind       = $Kind
        Actor      = [ExchangeSoa.Api]::SessionActor($Handle)
        Directory  = $Directory
        Handle     = $Handle
        Backend    = [ExchangeSoa.Api]::SessionBackend($Handle)
    }
}
