function Add-SoaSimulatedLicense {
    <#
    .SYNOPSIS
    Assigns an Exchange Online license to a user of a simulated organization.

    .DESCRIPTION
    A user without a mailbox gets one: a mail user provisioned on-premises becomes a user mailbox,
    and with the tenant default on, a user that arrived without Exchange attributes gets a
    cloud-managed mailbox. A user provisioned on-premises while the tenant default was on has no
    Exchange Online recipient, and the license does not create one (InvalidOperation).

    .EXAMPLE
    Add-SoaSimulatedLicense -Org $org -Identity alice@contoso.com
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Assign an Exchange Online license')) {
            return
        }
        try {
            [ExchangeSoa.Api]::AssignLicense($Org.Handle, $Identity)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
        }
    }
}
