# A SyncReport or a WritebackReport (or a CycleReport, which is either with a "cycle" tag).
function ConvertTo-CycleReportObject {
    param([object] $Report, [string] $Cycle)

    if ([string]::IsNullOrEmpty($Cycle)) {
        $Cycle = $Report.cycle
    }
    if ($Cycle -eq 'writeback') {
        $written = @(foreach ($pair in @($Report.written)) {
                [pscustomobject]@{
                    PSTypeName        = 'ExchangeSoa.WrittenBackValue'
                    UserPrincipalName = $pair[0]
                    LdapName          = $pair[1]
                }
            })
        return [pscustomobject]@{
            PSTypeName = 'ExchangeSoa.WritebackReport'
            Cycle      = 'Writeback'
            Time       = $Report.time
            Ran        = [bool]$Report.ran
            Reason     = $Report.reason
            Written    = $written
        }
    }
    # Each pair of the report is (UPN, attribute).
    $overwritten = @(foreach ($pair in @($Report.overwritten)) {
            [pscustomobject]@{
                PSTypeName        = 'ExchangeSoa.OverwrittenValue'
                UserPrincipalName = $pair[0]
                Attribute         = $pair[1]
            }
        })
    $errors = @(foreach ($syncError in @($Report.errors)) {
            ConvertTo-SyncErrorObject -SyncError $syncError
        })
    return [pscustomobject]@{
        PSTypeName   = 'ExchangeSoa.SyncReport'
        Cycle        = 'Sync'
        Time         = $Report.time
        Processed    = $Report.processed
        Created      = [string[]]@($Report.created)
        Deleted      = [string[]]@($Report.deleted)
        Updated      = $Report.updated
        Overwritten  = $overwritten
        Blocked      = [string[]]@($Report.blocked)
        IdentityOnly = [string[]]@($Report.identity_only)
        Errors       = $errors
    }
}
