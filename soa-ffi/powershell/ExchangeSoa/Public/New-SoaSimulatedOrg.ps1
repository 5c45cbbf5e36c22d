function New-SoaSimulatedOrg {
    <#
    .SYNOPSIS
    Creates a simulated hybrid organization.

    .DESCRIPTION
    Makes an in-memory hybrid organization (on-premises AD, Entra Connect Sync, Cloud Sync
    writeback, Exchange Online with RBAC and an admin audit log, on a virtual clock) to rehearse a
    transfer of the source of authority without a tenant. With -Tenant the organization is empty
    (Entra Connect Sync 2.5.190.0, no Cloud Sync agent, the tenant default off, the clock at
    2026-11-27T00:00:00Z); with -Size and -Seed it is generated, about -Size mailboxes, the same
    seed giving the same organization. Exchange Online calls act as the tenant's administrator;
    Connect-SoaSimulatedOrg gives an object acting as someone else.

    Pass the object to the -Org parameter of the other *-SoaSimulated* cmdlets. It holds a native
    handle, released when the object is collected (or with $org.Handle.Dispose()).

    .EXAMPLE
    $org = New-SoaSimulatedOrg contoso.com

    .EXAMPLE
    $org = New-SoaSimulatedOrg -Size 5000 -Seed 42
    #>
    [CmdletBinding(DefaultParameterSetName = 'Empty', SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.SimulatedOrg')]
    param(
        [Parameter(ParameterSetName = 'Empty', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Tenant = 'contoso.com',

        [Parameter(ParameterSetName = 'Generated', Mandatory)]
        [ValidateRange(0, [long]::MaxValue)]
        [long] $Size,

        [Parameter(ParameterSetName = 'Generated')]
        [uint64] $Seed = 0
    )

    $target = if ($PSCmdlet.ParameterSetName -eq 'Generated') { "$Size mailboxes, seed $Seed" } else { $Tenant }
    if (-not $PSCmdlet.ShouldProcess($target, 'Create a simulated organization')) {
        return
    }
    try {
        if ($PSCmdlet.ParameterSetName -eq 'Generated') {
            $handle = [ExchangeSoa.Api]::GenerateSim([uint64]$Size, $Seed)
            $name = Get-SimulatedTenant -Handle $handle
        }
        else {
            $handle = [ExchangeSoa.Api]::NewSim($Tenant)
            $name = $Tenant
        }
        ConvertTo-SimulatedOrgObject -Handle $handle -Tenant $name -Principal $null
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $target))
    }
}
