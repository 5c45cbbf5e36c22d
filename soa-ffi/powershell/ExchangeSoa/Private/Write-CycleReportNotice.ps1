# What a cycle report (ExchangeSoa.SyncReport or ExchangeSoa.WritebackReport) should tell people
# beyond the object: export errors of a sync cycle as a warning, a writeback cycle that did not
# run (and why) as a verbose message.
function Write-CycleReportNotice {
    param([psobject] $Report)

    if ($Report.Cycle -eq 'Sync' -and @($Report.Errors).Count -gt 0) {
        Write-Warning -Message ("The sync cycle had $(@($Report.Errors).Count) export error(s) " +
            "($((@($Report.Errors.Code) | Sort-Object -Unique) -join ', ')); see the report's Errors or Get-SoaSimulatedSyncError.")
    }
    if ($Report.Cycle -eq 'Writeback' -and -not $Report.Ran) {
        Write-Verbose -Message "Writeback did not run: $($Report.Reason)"
    }
}
