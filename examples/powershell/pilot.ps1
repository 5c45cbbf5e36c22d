#Requires -Version 5.1
<#
.SYNOPSIS
The main job in PowerShell: a pilot transfer of the source of authority, rehearsed on a simulated
organization.

.DESCRIPTION
Builds a simulated hybrid organization (no tenant, no credentials), then walks the adoption path
an admin follows on a real tenant: prerequisites, a plan for a small wave under a change ticket,
Start-SoaTransfer -WhatIf, the transfer for real (backup, flip, verify, probe edit) with progress,
an edit in the cloud, a rollback of one mailbox (refused until its loss is exported), the sync
cycle that proves the loss report right, and the RBAC review.

Every step works on a session (New-SoaSession), so the same commands run on the simulation and on
a tenant. With -ThroughEmulator every Exchange Online call goes through the library's REST client
to the HTTP emulator of the gateway, over loopback sockets, exactly as it would go to a tenant: the
session is made from Connect-SoaTenant's connection, and the organization's AD stays its
on-premises directory (New-SoaDirectory). On a real tenant, replace the emulator with
Connect-SoaTenant -Tenant ... -ClientId ... -CertificatePath ... and pass your directory.

The plan, backups, journal and audit log of the run are written under -OutDir.

.PARAMETER ModulePath
The ExchangeSoa module manifest; libsoa_ffi must sit next to it (cargo build --release -p
soa-ffi, then copy target/release/libsoa_ffi.so, .dylib or soa_ffi.dll there).

.EXAMPLE
./examples/powershell/pilot.ps1 -Size 2000 -Wave 10 -Ticket CHG-42

.EXAMPLE
./examples/powershell/pilot.ps1 -ThroughEmulator -Verbose
#>
[CmdletBinding()]
param(
    [ValidateRange(10, 1000000)]
    [int] $Size = 500,

    [uint64] $Seed = 2026,

    [ValidateRange(1, 1000)]
    [int] $Wave = 10,

    [ValidateNotNullOrEmpty()]
    [string] $Ticket = 'CHG-PILOT-1',

    [ValidateNotNullOrEmpty()]
    [string] $OutDir = (Join-Path -Path (Get-Location) -ChildPath 'soa-pilot'),

    [string] $ModulePath = (Join-Path -Path $PSScriptRoot -ChildPath '../../soa-ffi/powershell/ExchangeSoa/ExchangeSoa.psd1'),

    [switch] $ThroughEmulator
)

$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath -Force

# --- the organization --------------------------------------------------------------------------

$org = New-SoaSimulatedOrg -Size $Size -Seed $Seed
Set-SoaSimulatedSyncEngine -Org $org -ConnectSyncVersion '2.5.190.0' -CloudSyncAgentVersion '1.1.1107.0'
$null = Invoke-SoaWritebackCycle -Org $org
# Let every on-premises change settle: one sync cycle plus 24 hours.
$null = Step-SoaSimulatedClock -Org $org -Minutes (25 * 60)
$summary = $org | Get-SoaSimulatedOrgSummary
Write-Host "exchange-soa pilot on a simulated organization ($($summary.Tenant)): $($summary.Mailboxes) mailboxes, $($summary.DirSyncedMailboxes) dir-synced, $($summary.CloudManagedMailboxes) cloud-managed"

$emulator = $null
$connection = $null
try {
    # Where Exchange Online is: the simulation itself, or the emulator through the REST client.
    if ($ThroughEmulator) {
        $emulator = Start-SoaEmulator -Org $org -MaxPageSize 200 -Fault @{ throttle = @{ rate = 50.0; burst = 10 } }
        $token = New-SoaEmulatorToken -Emulator $emulator -Principal "admin@$($emulator.Tenant)"
        $connection = Connect-SoaTenant -Tenant $emulator.Tenant -AccessToken $token -ExchangeUrl $emulator.BaseUrl -LoginUrl $emulator.BaseUrl
        # A bare token names no app: the actor is the token's principal, whose roles the preflight reads.
        $session = New-SoaSession -Connection $connection -Directory (New-SoaDirectory -Org $org) -Actor "admin@$($emulator.Tenant)"
        Write-Host "Exchange Online: the emulator at $($emulator.BaseUrl), through the REST client"
    }
    else {
        $session = $org | New-SoaSession
        Write-Host 'Exchange Online: the simulation'
    }
    # The library picks the actor the audit logs name: the credential's identity (or the simulated
    # organization's principal); New-SoaSession -Actor names another.
    Write-Host "Acting as $($session.Actor)"

    # --- 1. prerequisites ----------------------------------------------------------------------
    Write-Host "`n1. Prerequisites"
    $preflight = $session | Get-SoaPreflight
    $findings = @($preflight | Test-SoaPrerequisite -PlannedCount $Wave)
    if ($findings.Count -eq 0) {
        Write-Host '   every prerequisite is met'
    }
    foreach ($finding in $findings) {
        Write-Host "   [$($finding.Severity)] $($finding.Code): $($finding.Message)"
    }
    $roles = @(Get-SoaRoleAssignment -Session $session | ForEach-Object { "$($_.Assignee): $($_.Role)" })
    Write-Host "   who can flip mailboxes: $($roles -join '; ')"

    # --- 2. the plan, and -WhatIf ----------------------------------------------------------------
    Write-Host "`n2. Plan and -WhatIf"
    $plan = New-SoaTransferPlan -Session $session -Ticket $Ticket -BatchCap $Wave -RecipientType UserMailbox -ProbeAttribute CustomAttribute15 -Preflight $preflight
    Write-Host "   $($plan.Summary)"
    $runDirectory = Join-Path -Path $OutDir -ChildPath $plan.RunId
    $plan | Start-SoaTransfer -RunDirectory $runDirectory -WhatIf

    # --- 3. the pilot wave -----------------------------------------------------------------------
    Write-Host "`n3. Pilot wave"
    $results = @(Start-SoaTransfer -Session $session -Plan $plan -RunDirectory $runDirectory -Confirm:$false)
    foreach ($group in ($results | Group-Object -Property Step)) {
        Write-Host "   $($group.Name): $($group.Count)"
    }
    foreach ($failure in ($results | Where-Object { $_.Step -eq 'failed' })) {
        Write-Host "   failed $($failure.Identity): $($failure.Reason)"
    }
    $pilot = ($results | Where-Object { $_.Step -in 'verified', 'probe_ok' } | Select-Object -First 1).Identity
    if ($null -eq $pilot) {
        throw 'The pilot wave flipped no mailbox; see the results above.'
    }

    # --- 4. an edit in the cloud ------------------------------------------------------------------
    Write-Host "`n4. Edit $pilot in the cloud"
    Set-SoaMailbox -Session $session -Identity $pilot -Set @{ CustomAttribute1 = 'CC-CLOUD-1' } -Confirm:$false
    $null = Invoke-SoaSyncCycle -Org $org
    $mailbox = Get-SoaMailbox -Session $session -Identity $pilot
    Write-Host "   after a sync cycle CustomAttribute1 = $($mailbox.CustomAttribute1) (kept: the cloud masters it now)"

    # --- 5. rollback of the pilot mailbox: the loss report first ----------------------------------
    Write-Host "`n5. Rollback of $pilot"
    $refusal = $null
    Undo-SoaTransfer -Session $session -Identity $pilot -RunDirectory $runDirectory -Ticket $Ticket -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refusal
    if ($refusal.Count -gt 0) {
        Write-Host "   without acknowledgment: $($refusal[0].Exception.Message)"
    }
    $outcome = Undo-SoaTransfer -Session $session -Identity $pilot -RunDirectory $runDirectory -Ticket $Ticket -ExportPath $runDirectory -Confirm:$false
    Write-Host "   rolled back: $($outcome.RolledBack); the loss was exported to $($outcome.ExportedTo)"
    $sync = Invoke-SoaSyncCycle -Org $org
    $predicted = @($outcome.Loss.Entries | ForEach-Object { $_.Attribute })
    $happened = @($sync.Overwritten | Where-Object { $_.UserPrincipalName -eq $pilot } | ForEach-Object { $_.Attribute })
    Write-Host "   predicted loss: $($predicted -join ', '); the next sync overwrote: $($happened -join ', ')"

    # --- 6. who can flip --------------------------------------------------------------------------
    Write-Host "`n6. RBAC review"
    $rbac = Get-SoaRbacReport -Session $session -RoleGroupName 'SOA Transfer Operators'
    Write-Host "   $($rbac.Assignments.Count) assignment(s) carry Set-Mailbox -IsExchangeCloudManaged; to confine it:"
    foreach ($command in $rbac.Commands) {
        Write-Host "     $command"
    }

    # --- 7. summary ---------------------------------------------------------------------------------
    $after = $org | Get-SoaSimulatedOrgSummary
    Write-Host "`n7. Summary: $($after.CloudManagedMailboxes) of $($after.DirSyncedMailboxes) dir-synced mailboxes are cloud-managed; run folder $runDirectory"
    if ($null -ne $emulator) {
        $statistics = $emulator | Get-SoaEmulatorStatistic
        Write-Host "   the emulator served $($statistics.InvokeRequests) InvokeCommand request(s)"
    }
}
finally {
    if ($null -ne $connection) {
        Disconnect-SoaTenant -Connection $connection
    }
    if ($null -ne $emulator) {
        Stop-SoaEmulator -Emulator $emulator -Confirm:$false
    }
}
