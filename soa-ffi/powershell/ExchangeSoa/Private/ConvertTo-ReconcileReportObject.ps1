# A report handle as an ExchangeSoa.ReconcileReport: the counts, the differences as objects, the
# report's JSON and the native handle (which Export-SoaWritebackPlan uses).
function ConvertTo-ReconcileReportObject {
    param([ExchangeSoa.SoaReconcileReportHandle] $Handle)

    $json = [ExchangeSoa.Api]::ReconcileReportJson($Handle)
    $report = ConvertFrom-Json -InputObject $json
    [pscustomobject]@{
        PSTypeName       = 'ExchangeSoa.ReconcileReport'
        Generated        = $report.generated
        AdSource         = $report.ad_source
        CloudSource      = $report.cloud_source
        WritebackEnabled = [bool]$report.writeback_enabled
        Totals           = $report.totals
        Differences      = @(foreach ($d in @($report.differences | Where-Object { $null -ne $_ })) { ConvertTo-DifferenceObject -Difference $d })
        AdOnly           = @($report.ad_only | Where-Object { $null -ne $_ })
        CloudOnly        = @($report.cloud_only | Where-Object { $null -ne $_ })
        Ambiguous        = @($report.ambiguous | Where-Object { $null -ne $_ })
        Json             = $json
        Handle           = $Handle
    }
}
