# The folder of a run: -RunDirectory as a full path, or the library's default folder for the
# run under the current file-system location.
function Resolve-RunDirectory {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Path, [string] $RunId)

    if (-not [string]::IsNullOrEmpty($Path)) {
        return Resolve-LiteralFilePath -Cmdlet $Cmdlet -Path $Path
    }
    $here = (Get-Location -PSProvider FileSystem).ProviderPath
    return [ExchangeSoa.Api]::DefaultRunFolder($here, $RunId)
}
