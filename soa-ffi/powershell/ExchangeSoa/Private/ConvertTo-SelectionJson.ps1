# The Selection of a plan as JSON, with words for ShouldProcess: the identities given (-Identity or
# the pipeline), else the identities of a CSV file, else every dir-synced mailbox not yet
# cloud-managed (of -RecipientType). Both identities and a CSV file is an error.
function ConvertTo-SelectionJson {
    param([string[]] $Identity, [AllowNull()] [string] $CsvPath, [string[]] $RecipientType)

    $given = @($Identity | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })
    if ($given.Count -gt 0 -and -not [string]::IsNullOrEmpty($CsvPath)) {
        throw [System.ArgumentException]::new('Give the mailboxes either with -Identity (or the pipeline) or with -CsvPath, not both.')
    }
    if ($given.Count -gt 0) {
        $selection = [ordered]@{ identities = [string[]]$given }
        $what = "$($given.Count) selected mailbox(es)"
    }
    elseif (-not [string]::IsNullOrEmpty($CsvPath)) {
        $selection = [ordered]@{ csv_file = $CsvPath }
        $what = "the mailboxes of $CsvPath"
    }
    else {
        $filter = [ordered]@{ dir_synced = $true; cloud_managed = $false }
        if ($null -ne $RecipientType -and $RecipientType.Count -gt 0) {
            $filter['recipient_types'] = [string[]]@($RecipientType)
        }
        $selection = [ordered]@{ filter = $filter }
        $what = 'every dir-synced mailbox not yet cloud-managed'
    }
    [pscustomobject]@{
        Json        = ConvertTo-CompactJson -InputObject $selection
        Description = $what
    }
}
