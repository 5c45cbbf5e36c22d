# The file Undo-SoaTransfer -ExportPath saves the values a rollback loses to, in that folder
# (created): the name is the library's (Api.RollbackLossPath).
function Get-RollbackLossPath {
    param([string] $Directory, [string] $Identity)

    $null = [System.IO.Directory]::CreateDirectory($Directory)
    return [ExchangeSoa.Api]::RollbackLossPath($Directory, $Identity)
}
