# An AD account's attributes (keyed by LDAP name) as one object: Identity first, then the
# attributes as properties, as Get-ADUser -Properties shows them.
function ConvertTo-SimulatedAdUserObject {
    param([string] $Identity, [string] $ObjectGuid, [string] $AttributesJson)

    $user = [ordered]@{ Identity = $Identity }
    if (-not [string]::IsNullOrEmpty($ObjectGuid)) {
        $user['ObjectGuid'] = $ObjectGuid
    }
    $attributes = ConvertFrom-Json -InputObject $AttributesJson
    foreach ($property in $attributes.PSObject.Properties) {
        $user[$property.Name] = $property.Value
    }
    return Add-ObjectTypeName -InputObject ([pscustomobject]$user) -TypeName 'ExchangeSoa.SimulatedAdUser'
}
