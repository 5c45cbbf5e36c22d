function Test-SoaPrerequisite {
    <#
    .SYNOPSIS
    Tests the organization's prerequisites for cloud-managed mailboxes.

    .DESCRIPTION
    Checks the sync engines (Entra Connect Sync version, the Cloud Sync provisioning agent when
    writeback is wanted), the tenant (the tenant-wide default while on-premises provisioning is
    in use, the writeback capacity for the planned wave) and the caller's roles, and writes a
    Finding per problem, with a severity (a 'block' finding stops a transfer) and a fix.
    Nothing is written when every check passes.

    .PARAMETER ConnectSyncVersion
    Entra Connect Sync version, from (Get-ADSyncGlobalSettings).Parameters['Microsoft.Synchronize.ServerConfigurationVersion'].

    .PARAMETER Role
    Entra roles and Exchange Online role groups the caller holds (activated, if through PIM).

    .PARAMETER CustomRoleParameter
    Cmdlet parameters granted through custom management roles, written 'Cmdlet -Parameter'.

    .PARAMETER PlannedCount
    The number of mailboxes about to be flipped.

    .PARAMETER Requirement
    Thresholds to change (keys of the library's Requirements: connect_sync_minimum,
    cloud_sync_writeback_minimum, sync_interval_minutes, settle_hours, writeback_capacity,
    writeback_warn_ratio, sufficient_roles).

    .PARAMETER Preflight
    What Get-SoaPreflight gathered through a session, checked as it is.

    .EXAMPLE
    Get-SoaPreflight -Session $s | Test-SoaPrerequisite -PlannedCount 25

    .EXAMPLE
    Test-SoaPrerequisite -ConnectSyncVersion 2.5.190.0 -WritebackWanted -CloudSyncAgentVersion 1.1.1107.0 -Role 'Exchange Administrator'
    #>
    [CmdletBinding(DefaultParameterSetName = 'Manual')]
    [OutputType('ExchangeSoa.Finding')]
    param(
        [Parameter(ParameterSetName = 'Preflight', Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Preflight')]
        [psobject] $Preflight,

        [Parameter(ParameterSetName = 'Manual', ValueFromPipelineByPropertyName)]
        [string] $ConnectSyncVersion,

        [Parameter(ParameterSetName = 'Manual', ValueFromPipelineByPropertyName)]
        [string] $CloudSyncAgentVersion,

        [Parameter(ParameterSetName = 'Manual')]
        [switch] $WritebackWanted,

        [Parameter(ParameterSetName = 'Manual')]
        [switch] $WritebackEnabled,

        [Parameter(ParameterSetName = 'Manual')]
        [switch] $CloudManagedByDefault,

        [Parameter(ParameterSetName = 'Manual')]
        [switch] $OnPremisesProvisioningInUse,

        [Parameter(ParameterSetName = 'Manual')]
        [uint64] $CloudManagedMailboxCount = 0,

        [Parameter()]
        [uint64] $PlannedCount = 0,

        [Parameter(ParameterSetName = 'Manual')]
        [string] $CallerName,

        [Parameter(ParameterSetName = 'Manual')]
        [AllowEmptyCollection()]
        [string[]] $Role,

        [Parameter(ParameterSetName = 'Manual')]
        [string[]] $CustomRoleParameter,

        [Parameter(ParameterSetName = 'Manual')]
        [System.Collections.IDictionary] $Requirement
    )

    process {
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Preflight') {
                $preflightJson = ConvertTo-PreflightJson -Preflight $Preflight
            }
            else {
                $preflightJson = ConvertTo-ManualPreflightJson -ConnectSyncVersion $ConnectSyncVersion -CloudSyncAgentVersion $CloudSyncAgentVersion `
                    -WritebackWanted ([bool]$WritebackWanted) -WritebackEnabled ([bool]$WritebackEnabled) -CloudManagedByDefault ([bool]$CloudManagedByDefault) `
                    -OnPremisesProvisioningInUse ([bool]$OnPremisesProvisioningInUse) -CloudManagedMailboxCount $CloudManagedMailboxCount `
                    -CallerName $CallerName -Role $Role -CustomRoleParameter $CustomRoleParameter -Requirement $Requirement -BoundParameters $PSBoundParameters
            }
            $report = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::CheckOrganization($preflightJson, $PlannedCount))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $ConnectSyncVersion))
            return
        }
        foreach ($finding in @($report.findings)) {
            ConvertTo-FindingObject -Finding $finding
        }
    }
}
