function Get-SoaOrgConfig {
    <#
    .SYNOPSIS
    Gets the organization configuration, as Get-OrganizationConfig does, through a session (a tenant or a simulated organization).

    .DESCRIPTION
    Writes Name and BlockExchangeProvisioningFromOnPremEnabled, which is true while the tenant
    default (ExchangeAttributesCloudManagedByDefault) is on.

    .EXAMPLE
    Get-SoaOrgConfig -Session $s
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.OrgConfig')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session
    )

    process {
        $target = $Session.Tenant
        try {
            $config = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::GetOrganizationConfig($Session.Backend))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $target))
            return
        }
        Add-ObjectTypeName -InputObject $config -TypeName 'ExchangeSoa.OrgConfig'
    }
}
