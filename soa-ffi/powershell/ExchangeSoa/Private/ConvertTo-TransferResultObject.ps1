# The results of a RunReport of the library's JSON, one ExchangeSoa.TransferResult per mailbox.
function ConvertTo-TransferResultObject {
    param([string] $ReportJson, [string] $RunDirectory, [psobject] $Session)

    $report = ConvertFrom-Json -InputObject $ReportJson
    if ($report.cancelled) {
        Write-Warning -Message "Run $($report.run_id) stopped early; Resume-SoaTransfer -RunDirectory '$RunDirectory' finishes it."
    }
    foreach ($result in @($report.results | Where-Object { $null -ne $_ })) {
        [pscustomobject]@{
            PSTypeName   = 'ExchangeSoa.TransferResult'
            RunId        = $report.run_id
            Identity     = $result.identity
            Step         = $result.step
            Reason       = $result.reason
            DryRun       = [bool]$report.dry_run
            RunDirectory = $RunDirectory
            Session      = $Session
        }
    }
}
