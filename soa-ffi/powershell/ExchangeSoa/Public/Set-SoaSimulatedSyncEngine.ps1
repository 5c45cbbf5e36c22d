function Set-SoaSimulatedSyncEngine {
    <#
    .SYNOPSIS
    Sets the sync engines of a simulated organization.

    .DESCRIPTION
    -ConnectSyncVersion sets the Entra Connect Sync build (builds older than 2.5.190.0 fail
    cloud-managed users with ExchangeManagedAttributesUpdateNotAllowed export errors).
    -CloudSyncAgentVersion installs (or replaces) the Entra Cloud Sync provisioning agent that
    runs Exchange attribute writeback (1.1.1107.0 or later), configured by -WritebackEnabled,
    -MailWriteback and -WritebackCapacity; -RemoveCloudSyncAgent removes it.

    .PARAMETER WritebackCapacity
    The most cloud-managed mailboxes writeback serves (default 600000, the capacity at general
    availability).

    .EXAMPLE
    Set-SoaSimulatedSyncEngine -Org $org -ConnectSyncVersion 2.5.190.0 -CloudSyncAgentVersion 1.1.1107.0
    #>
    [CmdletBinding(DefaultParameterSetName = 'ConnectSync', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'ConnectSync', Mandatory)]
        [Parameter(ParameterSetName = 'Agent')]
        [Parameter(ParameterSetName = 'RemoveAgent')]
        [ValidateNotNullOrEmpty()]
        [string] $ConnectSyncVersion,

        [Parameter(ParameterSetName = 'Agent', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $CloudSyncAgentVersion,

        [Parameter(ParameterSetName = 'Agent')]
        [bool] $WritebackEnabled = $true,

        [Parameter(ParameterSetName = 'Agent')]
        [bool] $MailWriteback = $true,

        [Parameter(ParameterSetName = 'Agent')]
        [uint64] $WritebackCapacity = 600000,

        [Parameter(ParameterSetName = 'RemoveAgent', Mandatory)]
        [switch] $RemoveCloudSyncAgent
    )

    process {
        try {
            if ($PSBoundParameters.ContainsKey('ConnectSyncVersion') -and
                $PSCmdlet.ShouldProcess($Org.Tenant, "Set the Entra Connect Sync version to $ConnectSyncVersion")) {
                [ExchangeSoa.Api]::SetConnectSyncVersion($Org.Handle, $ConnectSyncVersion)
            }
            if ($PSCmdlet.ParameterSetName -eq 'Agent') {
                $agent = [ordered]@{
                    version           = $CloudSyncAgentVersion.Trim()
                    writeback_enabled = $WritebackEnabled
                    mail_writeback    = $MailWriteback
                    capacity          = $WritebackCapacity
                }
                if ($PSCmdlet.ShouldProcess($Org.Tenant, "Install the Cloud Sync agent $CloudSyncAgentVersion (writeback enabled: $WritebackEnabled)")) {
                    [ExchangeSoa.Api]::SetCloudSyncAgent($Org.Handle, (ConvertTo-CompactJson -InputObject $agent))
                }
            }
            elseif ($RemoveCloudSyncAgent -and $PSCmdlet.ShouldProcess($Org.Tenant, 'Remove the Cloud Sync agent')) {
                [ExchangeSoa.Api]::SetCloudSyncAgent($Org.Handle, [NullString]::Value)
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
        }
    }
}
