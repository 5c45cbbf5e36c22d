function ConvertTo-AttributeObject {
    param([object] $Attribute)

    [pscustomobject]@{
        PSTypeName     = 'ExchangeSoa.Attribute'
        Name           = $Attribute.name
        Class          = $Attribute.class
        ValueKind      = $Attribute.value_kind
        LdapName       = $Attribute.ldap_name
        ExoProperty    = $Attribute.exo_property
        Parameter      = $Attribute.parameter
        GraphName      = $Attribute.graph_name
        WrittenBack    = [bool]$Attribute.writeback
        WritebackSince = $Attribute.writeback_since
        Confirmed      = [bool]$Attribute.confirmed
        Sources        = [string[]]@($Attribute.sources)
        Note           = $Attribute.note
    }
}
