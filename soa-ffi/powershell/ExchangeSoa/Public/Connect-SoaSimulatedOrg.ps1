function Connect-SoaSimulatedOrg {
    <#
    .SYNOPSIS
    Gets an object on the same simulated organization that acts as another principal.

    .DESCRIPTION
    Exchange Online calls made through the new object (and a session on it, New-SoaSession -Org,
    whose default actor it is) act as -Principal, with the roles that
    principal holds (none, for a principal the organization does not know: every call is then
    denied). The organization itself is shared: changes made through either object are seen by
    both. Give roles with Add-SoaSimulatedPrincipal.

    .EXAMPLE
    $helpdesk = Connect-SoaSimulatedOrg -Org $org -Principal helpdesk@contoso.com
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedOrg')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Principal
    )

    process {
        try {
            $handle = [ExchangeSoa.Api]::SimAsPrincipal($Org.Handle, $Principal)
            ConvertTo-SimulatedOrgObject -Handle $handle -Tenant $Org.Tenant -Principal $Principal
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Principal))
        }
    }
}
