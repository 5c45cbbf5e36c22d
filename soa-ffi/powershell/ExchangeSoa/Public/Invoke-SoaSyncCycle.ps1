function Invoke-SoaSyncCycle {
    <#
    .SYNOPSIS
    Runs one Entra Connect Sync cycle in a simulated organization.

    .DESCRIPTION
    Like Start-ADSyncSyncCycle -PolicyType Delta: carries identity attributes from AD always, and
    Exchange attributes only for mailboxes that are not cloud-managed (which is how a rollback
    overwrites cloud edits). Writes the cycle's report; a warning names export errors, such as
    those of a Connect Sync build older than 2.5.190.0 for cloud-managed users.

    .EXAMPLE
    $org | Invoke-SoaSyncCycle | Select-Object -ExpandProperty Overwritten
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SyncReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, 'Run an Entra Connect Sync cycle')) {
            return
        }
        try {
            $report = ConvertTo-CycleReportObject -Report (ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::SyncCycle($Org.Handle))) -Cycle 'sync'
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        Write-CycleReportNotice -Report $report
        $report
    }
}
