# Inserts a type name so that the format file and -is checks recognise an object.
function Add-ObjectTypeName {
    param([object] $InputObject, [string] $TypeName)

    $InputObject.PSObject.TypeNames.Insert(0, $TypeName)
    return $InputObject
}
