# A RollbackOutcome of the library's JSON (already parsed) as an ExchangeSoa.RollbackOutcome.
function ConvertTo-RollbackOutcomeObject {
    param([object] $Outcome)

    [pscustomobject]@{
        PSTypeName       = 'ExchangeSoa.RollbackOutcome'
        Identity         = $Outcome.identity
        RolledBack       = [bool]$Outcome.rolled_back
        DirectoryChecked = [bool]$Outcome.directory_checked
        ExportedTo       = $Outcome.exported
        Loss             = ConvertTo-RollbackLossObject -Loss $Outcome.loss
    }
}
