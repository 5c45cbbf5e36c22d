# The progress handler of a live reconciliation: each event (JSON: records and bytes read of the
# export, and its size when known) becomes a Write-Progress record. The library calls it on this
# thread, during the native call, so Write-Progress reaches the host.
function Get-ReconcileProgressHandler {
    param([string] $Activity)

    $handler = {
        param([string] $EventJson)

        $progressEvent = ConvertFrom-Json -InputObject $EventJson
        $percent = -1
        if ($progressEvent.total_bytes -gt 0) {
            $percent = [math]::Min(100, [int][math]::Floor(100 * $progressEvent.bytes / $progressEvent.total_bytes))
        }
        $status = "$($progressEvent.records) record(s), $($progressEvent.bytes) byte(s) read"
        Write-Progress -Id 2 -Activity $Activity -Status $status -PercentComplete $percent
    }
    $closure = $handler.GetNewClosure()
    return [System.Action[string]]$closure
}
