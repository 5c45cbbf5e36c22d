# A mailbox (a Get-Mailbox object, a hashtable or JSON text) as the JSON the library reads.
function ConvertTo-MailboxJson {
    param([object] $InputObject)

    if ($InputObject -is [string]) {
        if (([string]$InputObject).TrimStart().StartsWith('[')) {
            throw [System.ArgumentException]::new(
                'The JSON text holds an array; pass one mailbox per string, or pipe ConvertFrom-Json output instead.')
        }
        return [string]$InputObject
    }
    # The Get-Mailbox properties that the library reads (the serde shape of soa_core::model::Mailbox).
    $properties = @(
        'Identity', 'Name', 'Alias', 'DisplayName', 'UserPrincipalName', 'PrimarySmtpAddress',
        'WindowsEmailAddress', 'EmailAddresses', 'RecipientTypeDetails', 'ExchangeGuid',
        'ExternalDirectoryObjectId', 'Guid', 'IsDirSynced', 'IsExchangeCloudManaged',
        'HiddenFromAddressListsEnabled', 'ForwardingAddress', 'ForwardingSmtpAddress',
        'DeliverToMailboxAndForward', 'LitigationHoldEnabled', 'WhenChanged', 'WhenChangedUTC',
        'WhenCreated', 'WhenCreatedUTC'
    ) + @(1..15 | ForEach-Object { "CustomAttribute$_" }) + @(1..5 | ForEach-Object { "ExtensionCustomAttribute$_" })
    $mailbox = [ordered]@{}
    foreach ($name in $properties) {
        $value = $null
        if ($InputObject -is [System.Collections.IDictionary]) {
            if (-not $InputObject.Contains($name)) {
                continue
            }
            $value = $InputObject[$name]
        }
        else {
            $property = $InputObject.PSObject.Properties[$name]
            if ($null -eq $property) {
                continue
            }
            $value = $property.Value
        }
        if ($value -is [System.Management.Automation.PSObject]) {
            $value = $value.PSObject.BaseObject
        }
        if ($null -eq $value -or $value -is [bool] -or $value -is [string]) {
            $mailbox[$name] = $value
        }
        elseif ($value -is [datetime] -or $value -is [System.DateTimeOffset]) {
            $mailbox[$name] = $value.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
        }
        elseif ($value -is [System.Collections.IEnumerable]) {
            $mailbox[$name] = [string[]]@(foreach ($item in $value) { [string]$item })
        }
        else {
            $mailbox[$name] = $value.ToString()
        }
    }
    return ConvertTo-CompactJson -InputObject $mailbox
}
