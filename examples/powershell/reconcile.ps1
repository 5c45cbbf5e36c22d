#Requires -Version 5.1
<#
.SYNOPSIS
Reconciles on-premises AD with Exchange Online: which Exchange attributes differ, who is right,
and the writeback plan that brings AD up to the cloud.

.DESCRIPTION
Compares an AD export (Get-ADUser -Properties * | Export-Csv, ldifde -f, or ConvertTo-Json) with
a Get-Mailbox | ConvertTo-Json export, or, with -Simulated, with the live mailboxes of a simulated
organization (through a session, as a tenant would be; its generated users
are not those of the default export, so they show as found on one side only). Each difference is classified by the authority rules: cloud_master_ad_stale (the
mailbox is cloud-managed, so Exchange Online is right and AD holds an old value),
ad_master_cloud_behind (AD is right and sync has not caught up), identity_drift or conflict.

Writes an HTML, a JSON and a CSV report under -OutDir, shows the differences by class, then
writes a writeback plan (LDIF for ldifde and a Set-ADUser script that runs with -WhatIf unless
started with -Apply) for the stale AD values: first with -WhatIf, then for real. Nothing is
changed in AD or in Exchange Online.

.PARAMETER ModulePath
The ExchangeSoa module manifest; libsoa_ffi must sit next to it.

.EXAMPLE
./examples/powershell/reconcile.ps1 -AdPath .\ad-users.csv -CloudPath .\mailboxes.json -OutDir .\drift

.EXAMPLE
./examples/powershell/reconcile.ps1 -Simulated -Verbose
#>
[CmdletBinding(DefaultParameterSetName = 'Files')]
param(
    [ValidateNotNullOrEmpty()]
    [string] $AdPath = (Join-Path -Path $PSScriptRoot -ChildPath '../../soa-core/tests/fixtures/reconcile/ad_users.csv'),

    [Parameter(ParameterSetName = 'Files')]
    [ValidateNotNullOrEmpty()]
    [string] $CloudPath = (Join-Path -Path $PSScriptRoot -ChildPath '../../soa-core/tests/fixtures/reconcile/mailboxes.json'),

    [Parameter(ParameterSetName = 'Simulated')]
    [switch] $Simulated,

    [switch] $WritebackEnabled,

    [ValidateNotNullOrEmpty()]
    [string] $OutDir = (Join-Path -Path (Get-Location) -ChildPath 'soa-reconcile'),

    [string] $ModulePath = (Join-Path -Path $PSScriptRoot -ChildPath '../../soa-ffi/powershell/ExchangeSoa/ExchangeSoa.psd1')
)

$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath -Force
$null = New-Item -ItemType Directory -Path $OutDir -Force

$compare = @{
    AdPath           = $AdPath
    WritebackEnabled = $WritebackEnabled
    HtmlReport       = Join-Path -Path $OutDir -ChildPath 'drift.html'
    JsonReport       = Join-Path -Path $OutDir -ChildPath 'drift.json'
    CsvReport        = Join-Path -Path $OutDir -ChildPath 'drift.csv'
}
if ($Simulated) {
    # A simulated organization whose synced mailboxes the AD export is compared with.
    $org = New-SoaSimulatedOrg -Size 50 -Seed 7
    $report = Compare-SoaDirectory @compare -Session ($org | New-SoaSession) -PassThru
}
else {
    $report = Compare-SoaDirectory @compare -CloudPath $CloudPath -PassThru
}

# --- what differs, and who is right ---------------------------------------------------------------

$totals = $report.Totals
Write-Host ("{0} AD account(s), {1} mailbox(es), {2} matched; {3} difference(s)" -f
    $totals.ad_records, $totals.cloud_records, $totals.matched, $totals.differences)
$report.Differences | Group-Object -Property Class | Sort-Object -Property Count -Descending |
    Format-Table -Property Count, Name -AutoSize
$report.Differences | Format-Table -Property Mailbox, Attribute, AdValue, CloudValue, Class -AutoSize
if ($report.AdOnly.Count -gt 0) {
    Write-Host "Mail-enabled AD accounts without a mailbox: $(@($report.AdOnly.name) -join ', ')"
}

# --- the writeback plan for the stale AD values -----------------------------------------------------

$plan = @{
    LdifPath   = Join-Path -Path $OutDir -ChildPath 'writeback.ldf'
    ScriptPath = Join-Path -Path $OutDir -ChildPath 'writeback.ps1'
}
$report | Export-SoaWritebackPlan @plan -Class cloud_master_ad_stale -WhatIf
$written = $report | Export-SoaWritebackPlan @plan -Class cloud_master_ad_stale
Write-Host "Writeback plan: $($written.Changes) change(s) in $($written.LdifPath) and $($written.ScriptPath) (review, then run the script with -Apply)."
Write-Host "Reports: $($compare.HtmlReport), $($compare.JsonReport), $($compare.CsvReport)"
