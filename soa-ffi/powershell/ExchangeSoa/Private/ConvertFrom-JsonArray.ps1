# The items of a JSON array from the library, written one by one. Windows PowerShell 5.1's
# ConvertFrom-Json writes an array as one object (so @(... | ConvertFrom-Json) would hold a single
# array); PowerShell 7 writes its items. Enumerating the result gives the items in both.
function ConvertFrom-JsonArray {
    param([string] $Json)

    $parsed = ConvertFrom-Json -InputObject $Json
    foreach ($item in $parsed) {
        $item
    }
}
