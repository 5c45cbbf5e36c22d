#Requires -Version 5.1
<#
.SYNOPSIS
Audits legacy PowerShell automation for writes of Exchange attributes that no longer land where
the source of authority is, and writes the safe rewrites as copies.

.DESCRIPTION
Once mailboxes are cloud-managed (IsExchangeCloudManaged), a script that still runs
Set-RemoteMailbox, or Set-ADUser -Replace @{proxyAddresses=...}, succeeds on-premises and changes
nothing that matters. Test-SoaScript finds those commands in every .ps1, .psm1 and .psd1 file
under -Path (comments and strings are not commands) and gives each finding a stable rule id.

Shows the findings by rule and by file, saves a SARIF log for code-scanning tools and a text
report under -OutDir, then writes the rewritten scripts (Set-Mailbox in place of the on-premises
writes, where that is safe) as copies under -OutDir/rewritten: first with -WhatIf, then for real.
The audited scripts are never changed.

.PARAMETER ModulePath
The ExchangeSoa module manifest; libsoa_ffi must sit next to it.

.EXAMPLE
./examples/powershell/audit-scripts.ps1 -Path \\fileserver\automation -OutDir .\audit
#>
[CmdletBinding()]
param(
    [ValidateNotNullOrEmpty()]
    [string] $Path = (Join-Path -Path $PSScriptRoot -ChildPath '../scripts'),

    [ValidateNotNullOrEmpty()]
    [string] $OutDir = (Join-Path -Path (Get-Location) -ChildPath 'soa-audit'),

    [string] $ModulePath = (Join-Path -Path $PSScriptRoot -ChildPath '../../soa-ffi/powershell/ExchangeSoa/ExchangeSoa.psd1')
)

$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath -Force
$null = New-Item -ItemType Directory -Path $OutDir -Force

# --- the findings ---------------------------------------------------------------------------------

$findings = @(Test-SoaScript -Path $Path)
Write-Host "$($findings.Count) finding(s) in $(@($findings.File | Sort-Object -Unique).Count) file(s)"
$findings | Group-Object -Property Rule | Sort-Object -Property Name | Format-Table -Property Name, Count -AutoSize
$findings | Where-Object Severity -EQ 'error' | Format-Table -Property File, Line, Rule, Command, Message -Wrap
$fixable = @($findings | Where-Object { $null -ne $_.Fix })
Write-Host "$($fixable.Count) finding(s) have a safe rewrite"

# --- reports for people and for code scanning -----------------------------------------------------

Test-SoaScript -Path $Path -Format Sarif | Set-Content -LiteralPath (Join-Path -Path $OutDir -ChildPath 'audit.sarif') -Encoding utf8
Test-SoaScript -Path $Path -Format Text | Set-Content -LiteralPath (Join-Path -Path $OutDir -ChildPath 'audit.txt') -Encoding utf8

# --- the rewrites, as copies ----------------------------------------------------------------------

$rewritten = Join-Path -Path $OutDir -ChildPath 'rewritten'
$null = Test-SoaScript -Path $Path -Fix -OutputPath $rewritten -WhatIf
$null = Test-SoaScript -Path $Path -Fix -OutputPath $rewritten -Verbose
Get-ChildItem -LiteralPath $rewritten -Recurse -File | ForEach-Object {
    Write-Host "rewritten: $($_.FullName)"
}
