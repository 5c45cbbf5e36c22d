function Invoke-SoaWritebackCycle {
    <#
    .SYNOPSIS
    Runs one Cloud Sync writeback cycle in a simulated organization.

    .DESCRIPTION
    Copies the writeback attribute set of cloud-managed mailboxes to AD, as the Entra Cloud Sync
    "EXO to AD attribute sync" job does. The report says whether it ran, and why not (no agent,
    an agent older than 1.1.1107.0, writeback disabled, beyond capacity).

    .EXAMPLE
    $org | Invoke-SoaWritebackCycle
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.WritebackReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, 'Run a Cloud Sync writeback cycle')) {
            return
        }
        try {
            $report = ConvertTo-CycleReportObject -Report (ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::WritebackCycle($Org.Handle))) -Cycle 'writeback'
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        Write-CycleReportNotice -Report $report
        $report
    }
}
