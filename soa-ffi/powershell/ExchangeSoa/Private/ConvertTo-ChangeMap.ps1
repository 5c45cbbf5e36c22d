# Attribute values keyed by attribute name (a hashtable) as a JSON object, with the values of
# multi-valued changes (Add, Remove) as arrays of strings; the names in -Clear map to $null.
function ConvertTo-ChangeMap {
    param([System.Collections.IDictionary] $Values, [switch] $AsStringLists, [string[]] $Clear)

    $map = [ordered]@{}
    foreach ($name in @($Clear | Where-Object { -not [string]::IsNullOrEmpty($_) })) {
        $map[$name] = $null
    }
    if ($null -eq $Values) {
        return $map
    }
    foreach ($key in $Values.Keys) {
        $value = $Values[$key]
        if ($AsStringLists) {
            $map[[string]$key] = [string[]]@(foreach ($item in @($value)) { if ($null -ne $item) { [string]$item } })
        }
        else {
            $map[[string]$key] = $value
        }
    }
    return $map
}
