function Step-SoaSimulatedClock {
    <#
    .SYNOPSIS
    Moves the virtual clock of a simulated organization forward.

    .DESCRIPTION
    Advances the clock by -Minutes and runs, in time order, the sync cycles (every 30 minutes)
    and writeback cycles (every 20 minutes, when a Cloud Sync agent can write back) that fall due,
    writing one report per cycle. The clock never moves backward.

    .EXAMPLE
    $org | Step-SoaSimulatedClock -Minutes (24 * 60) | Where-Object { $_.Errors }
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SyncReport', 'ExchangeSoa.WritebackReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0)]
        [ValidateRange(0, [long]::MaxValue)]
        [long] $Minutes
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, "Move the clock forward by $Minutes minute(s) and run the cycles that fall due")) {
            return
        }
        try {
            $reports = @(ConvertFrom-JsonArray -Json ([ExchangeSoa.Api]::Advance($Org.Handle, $Minutes)))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Minutes))
            return
        }
        foreach ($report in $reports) {
            ConvertTo-CycleReportObject -Report $report
        }
    }
}
