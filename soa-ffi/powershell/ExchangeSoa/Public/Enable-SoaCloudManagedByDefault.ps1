function Enable-SoaCloudManagedByDefault {
    <#
    .SYNOPSIS
    Turns on the tenant-wide default: new dir-synced mailboxes are cloud-managed from the start.

    .DESCRIPTION
    Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault, read back, behind the
    preflight's gate: while mailboxes, mail users or remote mailboxes are still created
    on-premises (-OnPremisesProvisioningInUse $true), new synced users would arrive without an
    Exchange Online recipient, so the change is refused with the reason and the fix. Asks for
    confirmation unless -Force or -Confirm:$false is given.

    .EXAMPLE
    Enable-SoaCloudManagedByDefault -Session $s -OnPremisesProvisioningInUse $false -WhatIf
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory)]
        [bool] $OnPremisesProvisioningInUse,

        [Parameter()]
        [System.Collections.IDictionary] $Requirement,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
        $tenant = ConvertTo-CompactJson -InputObject ([ordered]@{ on_premises_provisioning_in_use = $OnPremisesProvisioningInUse })
        $requirements = [NullString]::Value
        if ($null -ne $Requirement) {
            $requirements = ConvertTo-CompactJson -InputObject $Requirement
        }
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Session.Tenant, 'Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault')) {
            return
        }
        try {
            [ExchangeSoa.Api]::EnableCloudManagedByDefault($Session.Handle, $tenant, $requirements)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Session.Tenant))
        }
    }
}
