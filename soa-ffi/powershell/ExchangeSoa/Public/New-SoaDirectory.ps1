function New-SoaDirectory {
    <#
    .SYNOPSIS
    Makes an on-premises directory for a session: the AD of a simulated organization.

    .DESCRIPTION
    A session reads AD (the settle rule of a plan, the loss report of a rollback, the sync
    environment of the preflight) through its directory. Give the result to New-SoaSession
    -Directory, for instance to pair a tenant (or the emulator) with a simulated AD.

    .EXAMPLE
    $s = New-SoaSession -Connection $c -Directory (New-SoaDirectory -Org $lab)
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.Directory')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, 'Use the AD of the simulated organization as a directory')) {
            return
        }
        try {
            $handle = [ExchangeSoa.Api]::DirectoryFromSim($Org.Handle)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        [pscustomobject]@{
            PSTypeName = 'ExchangeSoa.Directory'
            Name       = $Org.Tenant
            Kind       = 'SimulatedAd'
            Handle     = $handle
        }
    }
}
