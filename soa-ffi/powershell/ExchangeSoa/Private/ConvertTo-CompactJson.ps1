# JSON text for the library. With -OmitEmpty, the entries of a dictionary whose value is $null or an
# empty string are left out (criteria not given). ConvertTo-Json's -EnumsAsStrings is not used:
# Windows PowerShell 5.1 lacks it, and no value handed to the library is an enum.
function ConvertTo-CompactJson {
    param([AllowNull()] [object] $InputObject, [switch] $OmitEmpty)

    if ($OmitEmpty -and $InputObject -is [System.Collections.IDictionary]) {
        $kept = [ordered]@{}
        foreach ($key in $InputObject.Keys) {
            $value = $InputObject[$key]
            if ($null -ne $value -and -not ($value -is [string] -and $value.Length -eq 0)) {
                $kept[$key] = $value
            }
        }
        $InputObject = $kept
    }
    return ConvertTo-Json -InputObject $InputObject -Compress -Depth 16
}
