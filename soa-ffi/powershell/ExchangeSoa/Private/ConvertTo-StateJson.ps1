# A MailboxState as JSON.
function ConvertTo-StateJson {
    param([bool] $DirSynced, [bool] $CloudManaged, [string] $RecipientType)

    $recipient = $null
    if (-not [string]::IsNullOrWhiteSpace($RecipientType)) {
        $recipient = $RecipientType.Trim()
    }
    $state = [ordered]@{
        dir_synced     = $DirSynced
        cloud_managed  = $CloudManaged
        recipient_type = $recipient
    }
    return ConvertTo-CompactJson -InputObject $state
}
