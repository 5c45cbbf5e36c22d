function ConvertTo-FindingObject {
    param([object] $Finding)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.Finding'
        Severity   = $Finding.severity
        Code       = $Finding.code
        Subject    = $Finding.subject
        Message    = $Finding.message
        Fix        = $Finding.fix
        Blocks     = ($Finding.severity -eq 'block')
    }
}
