# The mailboxes a plan flips, for ShouldProcess: "N mailbox(es): upn, upn, ..." (the library's
# count; each entry named by its UPN, else its identity).
function Format-PlanTarget {
    param([psobject] $Plan)

    $names = @($Plan.Entries | Where-Object { $_.Decision -eq 'go' } | ForEach-Object {
            if ([string]::IsNullOrEmpty($_.UserPrincipalName)) { $_.Identity } else { $_.UserPrincipalName }
        })
    return "$($Plan.Go) mailbox(es): $($names -join ', ')"
}
