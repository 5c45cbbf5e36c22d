# The restore a dry-run RestoreReport (already parsed) still calls for: one object with the
# mailbox and the names of the values that differ ("A, B"), or nothing when every value is
# already the backup's.
function Select-PendingRestore {
    param([object] $Report)

    $names = @($Report.changes.set.PSObject.Properties | ForEach-Object { $_.Name })
    if ($names.Count -gt 0) {
        [pscustomobject]@{ Identity = $Report.identity; Names = ($names -join ', ') }
    }
}
