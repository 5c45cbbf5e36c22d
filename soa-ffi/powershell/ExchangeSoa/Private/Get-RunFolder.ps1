# The files of a run folder as the library lays them out (Api.RunFolder): Dir, Plan, Journal,
# Audit and Backups, as full paths.
function Get-RunFolder {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Path)

    $folder = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::RunFolder((Resolve-LiteralFilePath -Cmdlet $Cmdlet -Path $Path)))
    [pscustomobject]@{
        Dir     = $folder.dir
        Plan    = $folder.plan
        Journal = $folder.journal
        Audit   = $folder.audit
        Backups = $folder.backups
    }
}
