# One finding of the library's audit JSON (already parsed) as an ExchangeSoa.ScriptFinding.
function ConvertTo-ScriptFindingObject {
    param([object] $Finding)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.ScriptFinding'
        Rule       = $Finding.rule
        Severity   = $Finding.severity
        File       = $Finding.location.file
        Line       = $Finding.location.line
        Column     = $Finding.location.column
        EndLine    = $Finding.location.end_line
        EndColumn  = $Finding.location.end_column
        Command    = $Finding.command
        Attributes = [string[]]@($Finding.attributes | Where-Object { $null -ne $_ })
        Message    = $Finding.message
        Fix        = $Finding.fix
    }
}
