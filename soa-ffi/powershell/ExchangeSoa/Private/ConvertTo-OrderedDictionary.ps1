# The properties of a JSON object (as ConvertFrom-Json gives it) as an ordered dictionary.
function ConvertTo-OrderedDictionary {
    param([object] $InputObject)

    $dictionary = [ordered]@{}
    if ($null -ne $InputObject) {
        foreach ($property in $InputObject.PSObject.Properties) {
            $dictionary[$property.Name] = $property.Value
        }
    }
    return $dictionary
}
