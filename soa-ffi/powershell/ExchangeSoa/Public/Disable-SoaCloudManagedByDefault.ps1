function Disable-SoaCloudManagedByDefault {
    <#
    .SYNOPSIS
    Turns off the tenant-wide default (ExchangeAttributesServerManagedByDefault).

    .DESCRIPTION
    Applies to objects created from now on: users created while the default was on are not
    repaired. The setting is read back. Asks for confirmation unless -Force or -Confirm:$false is
    given.

    .EXAMPLE
    Disable-SoaCloudManagedByDefault -Session $s -Force
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Session.Tenant, 'Set-OrganizationConfig -ExchangeAttributesServerManagedByDefault')) {
            return
        }
        try {
            [ExchangeSoa.Api]::DisableCloudManagedByDefault($Session.Handle)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Session.Tenant))
        }
    }
}
