# One difference of the library's report JSON (already parsed) as an ExchangeSoa.Difference.
function ConvertTo-DifferenceObject {
    param([object] $Difference)

    [pscustomobject]@{
        PSTypeName          = 'ExchangeSoa.Difference'
        Mailbox             = $Difference.mailbox
        Attribute           = $Difference.attribute
        LdapName            = $Difference.ldap_name
        AdValue             = $Difference.ad_value
        CloudValue          = $Difference.cloud_value
        Class               = $Difference.class
        Reason              = $Difference.reason
        AttributeClass      = $Difference.attribute_class
        WrittenBack         = [bool]$Difference.written_back
        MatchedBy           = $Difference.matched_by
        ExchangeGuid        = $Difference.exchange_guid
        AdObjectGuid        = $Difference.ad_object_guid
        AdDistinguishedName = $Difference.ad_distinguished_name
        AdOrigin            = $Difference.ad_origin
    }
}
