#Requires -Version 7.2
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

With -ThroughEmulator every Exchange Online call goes through the library's REST client to the
HTTP emulator of the gateway, over loopback sockets, exactly as it would go to a tenant:
Connect-SoaTenant gives the -Connection that replaces -Org, and the organization stays the
on-premises directory (-Directory). On a real tenant, replace the emulator with
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
        $exchange = @{ Connection = $connection }
        $transfer = @{ Connection = $connection; Directory = $org }
        Write-Host "Exchange Online: the emulator at $($emulator.BaseUrl), through the REST client"
    }
    else {
        $exchange = @{ Org = $org }
        $transfer = @{ Org = $org }
        Write-Host 'Exchange Online: the simulation'
    }

    # --- 1. prerequisites ----------------------------------------------------------------------
    Write-Host "`n1. Prerequisites"
    $config = Get-SoaOrgConfig @exchange
    $roles = @(Get-SoaRoleAssignment @exchange | Where-Object { $_.Assignee -eq "admin@$($summary.Tenant)" } | ForEach-Object { $_.Role })
    $findings = @(Test-SoaPrerequisite -ConnectSyncVersion '2.5.190.0' -CloudSyncAgentVersion '1.1.1107.0' -WritebackWanted -WritebackEnabled `
            -OnPremisesProvisioningInUse -CloudManagedByDefault:$config.BlockExchangeProvisioningFromOnPremEnabled `
            -CloudManagedMailboxCount $summary.CloudManagedMailboxes -PlannedCount $Wave -CallerName "admin@$($summary.Tenant)" -Role $roles)
    if ($findings.Count -eq 0) {
        Write-Host '   every prerequisite is met'
    }
    foreach ($finding in $findings) {
        Write-Host "   [$($finding.Severity)] $($finding.Code): $($finding.Message)"
    }
    $preflight = @{
        sync   = @{ connect_sync_version = '2.5.190.0'; cloud_sync_agent_version = '1.1.1107.0'; writeback_wanted = $true }
        tenant = @{ on_premises_provisioning_in_use = $true; writeback_enabled = $true; cloud_managed_mailboxes = $summary.CloudManagedMailboxes }
    }

    # --- 2. the plan, and -WhatIf ----------------------------------------------------------------
    Write-Host "`n2. Plan and -WhatIf"
    $plan = New-SoaTransferPlan @transfer -Ticket $Ticket -BatchCap $Wave -RecipientType UserMailbox -ProbeAttribute CustomAttribute15 -Preflight $preflight
    Write-Host "   $($plan.Summary)"
    $runDirectory = Join-Path -Path $OutDir -ChildPath $plan.RunId
    Start-SoaTransfer @transfer -Plan $plan -RunDirectory $runDirectory -WhatIf

    # --- 3. the pilot wave -----------------------------------------------------------------------
    Write-Host "`n3. Pilot wave"
    $results = @(Start-SoaTransfer @transfer -Plan $plan -RunDirectory $runDirectory -Actor "pilot.ps1 ($env:USER$env:USERNAME)" -Confirm:$false)
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
    Set-SoaMailbox @exchange -Identity $pilot -Set @{ CustomAttribute1 = 'CC-CLOUD-1' } -Confirm:$false
    $null = Invoke-SoaSyncCycle -Org $org
    $mailbox = Get-SoaMailbox @exchange -Identity $pilot
    Write-Host "   after a sync cycle CustomAttribute1 = $($mailbox.CustomAttribute1) (kept: the cloud masters it now)"

    # --- 5. rollback of the pilot mailbox: the loss report first ----------------------------------
    Write-Host "`n5. Rollback of $pilot"
    $refusal = $null
    Undo-SoaTransfer @transfer -Identity $pilot -RunDirectory $runDirectory -Ticket $Ticket -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refusal
    if ($refusal.Count -gt 0) {
        Write-Host "   without acknowledgment: $($refusal[0].Exception.Message)"
    }
    $outcome = Undo-SoaTransfer @transfer -Identity $pilot -RunDirectory $runDirectory -Ticket $Ticket -ExportPath $runDirectory -Confirm:$false
    Write-Host "   rolled back: $($outcome.RolledBack); the loss was exported to $($outcome.ExportedTo)"
    $sync = Invoke-SoaSyncCycle -Org $org
    $predicted = @($outcome.Loss.Entries | ForEach-Object { $_.Attribute })
    $happened = @($sync.Overwritten | Where-Object { $_.UserPrincipalName -eq $pilot } | ForEach-Object { $_.Attribute })
    Write-Host "   predicted loss: $($predicted -join ', '); the next sync overwrote: $($happened -join ', ')"

    # --- 6. who can flip --------------------------------------------------------------------------
    Write-Host "`n6. RBAC review"
    $rbac = Get-SoaRbacReport @exchange -RoleGroupName 'SOA Transfer Operators'
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
