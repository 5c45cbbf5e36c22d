# A RollbackLoss of the library's JSON (already parsed) as an object.
function ConvertTo-RollbackLossObject {
    param([object] $Loss)

    $entries = @(foreach ($lost in @($Loss.entries | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName  = 'ExchangeSoa.LossEntry'
                Attribute   = $lost.attribute
                LdapName    = $lost.ldap_name
                CloudValue  = $lost.cloud_value
                AdValue     = $lost.ad_value
                WrittenBack = [bool]$lost.written_back
            }
        })
    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.RollbackLoss'
        Applies    = [bool]$Loss.applies
        IsLossless = ($entries.Count -eq 0)
        Summary    = $Loss.summary
        Entries    = $entries
    }
}
