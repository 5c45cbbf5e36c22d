# A Plan of the library's JSON as an ExchangeSoa.TransferPlan. The JSON itself rides along (Json)
# so that Start-SoaTransfer hands the library exactly the plan it made; the counts are the
# library's (PlanCounts), and the session rides along for the pipeline (| Start-SoaTransfer).
function ConvertTo-TransferPlanObject {
    param([string] $PlanJson, [psobject] $Session)

    $plan = ConvertFrom-Json -InputObject $PlanJson
    $entries = @(foreach ($entry in @($plan.entries | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName        = 'ExchangeSoa.TransferPlanEntry'
                Identity          = $entry.identity
                UserPrincipalName = $entry.user_principal_name
                Decision          = $entry.decision
                Reason            = $entry.reason
                Findings          = @(foreach ($finding in @($entry.findings | Where-Object { $null -ne $_ })) {
                        ConvertTo-FindingObject -Finding $finding
                    })
            }
        })
    $organization = @(foreach ($finding in @($plan.organization | Where-Object { $null -ne $_ })) {
            ConvertTo-FindingObject -Finding $finding
        })
    $counts = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::PlanCounts($PlanJson))
    [pscustomobject]@{
        PSTypeName       = 'ExchangeSoa.TransferPlan'
        RunId            = $plan.run_id
        Created          = $plan.created
        Ticket           = $plan.policy.ticket
        Go               = [int]$counts.go
        Deferred         = [int]$counts.deferred
        Skipped          = [int]$counts.skipped
        Total            = [int]$counts.total
        Blocked          = [bool]$counts.blocked
        DirectoryChecked = [bool]$plan.directory_checked
        Summary          = [ExchangeSoa.Api]::PlanSummary($PlanJson)
        Entries          = $entries
        Organization     = $organization
        Json             = $PlanJson
        Session          = $Session
    }
}
