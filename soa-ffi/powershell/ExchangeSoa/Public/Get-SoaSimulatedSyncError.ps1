function Get-SoaSimulatedSyncError {
    <#
    .SYNOPSIS
    Gets the current sync export errors of a simulated organization.

    .DESCRIPTION
    The errors of the last sync cycle, as the Synchronization Service Manager shows them: the
    object, the error code (ExchangeManagedAttributesUpdateNotAllowed for cloud-managed users
    under a Connect Sync build older than 2.5.190.0) and the message.

    .EXAMPLE
    $org | Get-SoaSimulatedSyncError
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SyncError')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        try {
            $errors = @(ConvertFrom-JsonArray -Json ([ExchangeSoa.Api]::SyncErrors($Org.Handle)))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        foreach ($syncError in $errors) {
            ConvertTo-SyncErrorObject -SyncError $syncError
        }
    }
}
