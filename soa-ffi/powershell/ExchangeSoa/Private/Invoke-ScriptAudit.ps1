# Audits the scripts of a file or folder and writes the findings in the form Test-SoaScript
# -Format asks for: 'Text', 'Json' and 'Sarif' as the library's text, else (Object) one
# ExchangeSoa.ScriptFinding per finding.
function Invoke-ScriptAudit {
    param([object] $Catalog, [string] $Path, [object] $OptionsJson, [string] $Format)

    switch ($Format) {
        'Text' { [ExchangeSoa.Api]::AuditScriptsText($Catalog, $Path, $OptionsJson) }
        'Json' { [ExchangeSoa.Api]::AuditScripts($Catalog, $Path, $OptionsJson) }
        'Sarif' { [ExchangeSoa.Api]::AuditScriptsSarif($Catalog, $Path, $OptionsJson) }
        default {
            $audit = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::AuditScripts($Catalog, $Path, $OptionsJson))
            foreach ($file in @($audit.files | Where-Object { $null -ne $_ })) {
                foreach ($finding in @($file.findings | Where-Object { $null -ne $_ })) {
                    ConvertTo-ScriptFindingObject -Finding $finding
                }
            }
        }
    }
}
