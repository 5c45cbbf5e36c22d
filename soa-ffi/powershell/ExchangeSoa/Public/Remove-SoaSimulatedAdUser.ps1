function Remove-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Removes an on-premises AD account from a simulated organization.

    .DESCRIPTION
    As Remove-ADUser. At the next sync cycle the cloud user and its mailbox are deleted, whether
    the mailbox is cloud-managed or not. Asks for confirmation unless -Force or -Confirm:$false
    is given.

    .EXAMPLE
    Remove-SoaSimulatedAdUser -Org $org bob@contoso.com -Force
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'ObjectGuid', 'SamAccountName')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Remove-ADUser (the cloud user and its mailbox go at the next sync)')) {
            return
        }
        try {
            [ExchangeSoa.Api]::RemoveAdUser($Org.Handle, $Identity)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
        }
    }
}
