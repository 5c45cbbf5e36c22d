# Attribute values keyed by attribute name (a hashtable, an object or JSON text) as a JSON object;
# anything else is an ArgumentException naming the parameter.
function ConvertTo-ValueMapJson {
    param([object] $InputObject, [string] $ParameterName)

    if ($InputObject -is [string]) {
        return [string]$InputObject
    }
    if ($InputObject -is [System.Collections.IDictionary] -or $InputObject -is [System.Management.Automation.PSCustomObject]) {
        return ConvertTo-CompactJson -InputObject $InputObject
    }
    $type = 'null'
    if ($null -ne $InputObject) {
        $type = $InputObject.GetType().FullName
    }
    throw [System.ArgumentException]::new(
        "-$ParameterName must be a hashtable, an object or JSON text that maps attribute names to values, not $type.")
}
