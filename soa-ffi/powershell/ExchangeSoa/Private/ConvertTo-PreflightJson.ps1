# The Preflight handed to the planner as JSON: an ExchangeSoa.Preflight (Get-SoaPreflight) carries
# the library's own JSON; a hashtable with the library's keys is converted; none is an empty one.
function ConvertTo-PreflightJson {
    param([AllowNull()] [object] $Preflight)

    if ($null -eq $Preflight) {
        return '{}'
    }
    if ($Preflight -is [System.Collections.IDictionary]) {
        return ConvertTo-CompactJson -InputObject $Preflight
    }
    return [string]$Preflight.Json
}
