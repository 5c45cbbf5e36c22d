function Disconnect-SoaTenant {
    <#
    .SYNOPSIS
    Closes a connection made by Connect-SoaTenant.

    .DESCRIPTION
    Releases the connection's native client (its connections and cached token). Transfers and
    listings already started with it keep working until they end.

    .EXAMPLE
    Disconnect-SoaTenant -Connection $c
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection
    )

    process {
        $Connection.Handle.Dispose()
    }
}
