function Compare-SoaDirectory {
    <#
    .SYNOPSIS
    Compares on-premises AD with Exchange Online and writes every Exchange attribute that differs.

    .DESCRIPTION
    Reads an AD export (-AdPath: Get-ADUser | Export-Csv, ldifde -f, or Get-ADUser | ConvertTo-Json;
    the format from the extension or -AdFormat) and the cloud side: a Get-Mailbox | ConvertTo-Json
    file (-CloudPath), or the dir-synced mailboxes of a live Exchange Online (-Session, a session on
    a simulated organization or a tenant, whose catalog is used; progress is shown as the export is
    read). Each AD account is paired with
    its mailbox (on msExchMailboxGuid, then userPrincipalName, then the primary address), every
    catalog attribute is compared, and each difference is classified with the authority rules:
    cloud_master_ad_stale (the cloud masters it and AD holds an old value), ad_master_cloud_behind,
    identity_drift or conflict, with the reason.

    Writes one ExchangeSoa.Difference per difference; with -PassThru, writes the report instead
    (ExchangeSoa.ReconcileReport, with the counts, the differences and the objects found on one
    side only), which Export-SoaWritebackPlan takes. -HtmlReport, -JsonReport and -CsvReport also
    save the report to files (each written whole or not at all). Nothing is changed in AD or in
    Exchange Online.

    A malformed record stops the comparison with an error naming the file and the line.

    .PARAMETER WritebackEnabled
    Cloud Sync writeback (EXO to AD attribute sync) is configured: a stale AD value of a written-back
    attribute will catch up by itself.

    .PARAMETER Attribute
    Compare only these attributes (any catalog name).

    .PARAMETER Now
    The time of the comparison, the reference for the sync grace period; by default the current time.

    .EXAMPLE
    Compare-SoaDirectory -AdPath .\ad-users.csv -CloudPath .\mailboxes.json -HtmlReport .\drift.html

    .EXAMPLE
    $report = Compare-SoaDirectory -AdPath .\ad-users.ldf -Session $s -PassThru
    $report | Export-SoaWritebackPlan -ScriptPath .\writeback.ps1
    #>
    [CmdletBinding(DefaultParameterSetName = 'File')]
    [OutputType('ExchangeSoa.Difference', 'ExchangeSoa.ReconcileReport')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $AdPath,

        [Parameter()]
        [ValidateSet('Csv', 'Ldif', 'Json')]
        [string] $AdFormat,

        [Parameter(ParameterSetName = 'File', Mandatory, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $CloudPath,

        [Parameter(ParameterSetName = 'Live', Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter()]
        [switch] $WritebackEnabled,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Attribute,

        [Parameter()]
        [ValidateRange(0, 525600)]
        [int] $SyncGraceMinutes = 120,

        [Parameter()]
        [datetime] $Now,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $HtmlReport,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $JsonReport,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CsvReport,

        [Parameter()]
        [switch] $PassThru,

        [Parameter(ParameterSetName = 'File')]
        [string] $OverridePath
    )

    process {
        $adFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $AdPath
        $options = [ordered]@{
            writeback_enabled  = [bool]$WritebackEnabled
            sync_grace_minutes = $SyncGraceMinutes
        }
        if ($PSBoundParameters.ContainsKey('Attribute')) {
            $options['attributes'] = [string[]]@($Attribute)
        }
        if ($PSBoundParameters.ContainsKey('Now')) {
            $options['now'] = ConvertTo-Rfc3339 -Time $Now
        }
        $optionsJson = ConvertTo-CompactJson -InputObject $options
        # [NullString]::Value, not $null: PowerShell hands $null to a string parameter of a .NET
        # method as an empty string.
        $format = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('AdFormat')) {
            $format = $AdFormat.ToLowerInvariant()
        }
        $activity = "Reading $adFile"
        try {
            if ($PSCmdlet.ParameterSetName -eq 'File') {
                $cloudFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $CloudPath
                $handle = [ExchangeSoa.Api]::ReconcileFiles((Get-CatalogHandle -OverridePath $OverridePath), $adFile, $format, $cloudFile, $optionsJson)
            }
            else {
                $handle = [ExchangeSoa.Api]::ReconcileLive($Session.Handle, $adFile, $format, $optionsJson,
                    (Get-ReconcileProgressHandler -Activity $activity))
            }
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $AdPath))
        }
        finally {
            Write-Progress -Id 2 -Activity $activity -Completed
        }
        $saves = [ordered]@{ Html = $HtmlReport; Json = $JsonReport; Csv = $CsvReport }
        Save-ReconcileReport -Cmdlet $PSCmdlet -Handle $handle -Path $saves
        $report = ConvertTo-ReconcileReportObject -Handle $handle
        $totals = $report.Totals
        Write-Verbose -Message ("$($totals.differences) difference(s) in $($totals.compared) comparison(s) of $($totals.matched) matched " +
            "mailbox(es); $($totals.ad_only) AD account(s) and $($totals.cloud_only) mailbox(es) on one side only, $($totals.ambiguous) ambiguous.")
        if ($PassThru) {
            return $report
        }
        $report.Differences
    }
}
