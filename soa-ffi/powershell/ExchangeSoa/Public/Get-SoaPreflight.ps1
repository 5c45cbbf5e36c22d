function Get-SoaPreflight {
    <#
    .SYNOPSIS
    Gathers what the prerequisites are checked against, through a session: the tenant's configuration, the actor's roles, the cloud-managed count and the sync environment.

    .DESCRIPTION
    The library reads the tenant configuration and the cloud-managed mailboxes from the session's
    Exchange Online, the roles of the session's actor, and the sync engines from the session's
    directory (a session without one has no sync environment). Pass the result to
    New-SoaTransferPlan -Preflight, which turns blocking findings into a refused plan, or to
    Test-SoaPrerequisite -Preflight to see the findings.

    .PARAMETER Requirement
    Thresholds to change (keys of the library's Requirements: connect_sync_minimum,
    cloud_sync_writeback_minimum, sync_interval_minutes, settle_hours, writeback_capacity,
    writeback_warn_ratio, sufficient_roles).

    .EXAMPLE
    $preflight = Get-SoaPreflight -Session $s
    New-SoaTransferPlan -Session $s -Ticket CHG-7 -Preflight $preflight
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Preflight')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter()]
        [System.Collections.IDictionary] $Requirement
    )

    begin {
        $requirements = [NullString]::Value
        if ($null -ne $Requirement) {
            $requirements = ConvertTo-CompactJson -InputObject $Requirement
        }
    }

    process {
        try {
            $json = [ExchangeSoa.Api]::GatherPreflight($Session.Handle, $requirements)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Session.Tenant))
            return
        }
        ConvertTo-PreflightObject -Json $json -Session $Session
    }
}
