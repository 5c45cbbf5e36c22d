# Saves a reconciliation report to the files asked for (keys Html, Json and Csv; a missing or empty
# path is not written), each written whole or not at all by the library; a failed save is written
# as an error and the others still run.
function Save-ReconcileReport {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [object] $Handle,
        [System.Collections.IDictionary] $Path
    )

    foreach ($kind in @($Path.Keys)) {
        if ([string]::IsNullOrEmpty($Path[$kind])) {
            continue
        }
        $file = Resolve-LiteralFilePath -Cmdlet $Cmdlet -Path $Path[$kind]
        try {
            switch ($kind) {
                'Html' { [ExchangeSoa.Api]::SaveReconcileReportHtml($Handle, $file) }
                'Json' { [ExchangeSoa.Api]::SaveReconcileReportJson($Handle, $file) }
                default { [ExchangeSoa.Api]::SaveReconcileReportCsv($Handle, $file) }
            }
            Write-Verbose -Message "Report written to $file"
        }
        catch {
            $Cmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $file -IoCategory 'WriteError'))
        }
    }
}
