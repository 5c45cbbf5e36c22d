# A text argument for the library's JSON: $null when it is $null or empty, else the text.
function ConvertTo-NullIfEmpty {
    param([AllowNull()] [string] $Text)

    if ([string]::IsNullOrEmpty($Text)) {
        return $null
    }
    return $Text
}
