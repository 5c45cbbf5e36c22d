# The progress handler of a transfer run: each event (JSON) becomes a Write-Progress record. The
# library calls it on this thread, during the native call, so Write-Progress reaches the host; an
# exception it throws (a stopped pipeline) is rethrown by the facade once the call returns.
function Get-TransferProgressHandler {
    param([string] $Activity)

    $handler = {
        param([string] $EventJson)

        $progressEvent = ConvertFrom-Json -InputObject $EventJson
        $percent = 0
        if ($progressEvent.total -gt 0) {
            $percent = [math]::Min(100, [int][math]::Floor(100 * $progressEvent.done / $progressEvent.total))
        }
        $status = "$($progressEvent.done) of $($progressEvent.total) mailbox(es) done"
        $operation = "$($progressEvent.identity): $($progressEvent.step)"
        Write-Progress -Id 1 -Activity $Activity -Status $status -CurrentOperation $operation -PercentComplete $percent
    }
    $closure = $handler.GetNewClosure()
    return [System.Action[string]]$closure
}
