function Get-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Gets on-premises AD accounts of a simulated organization.

    .DESCRIPTION
    Writes the account's attributes by LDAP name, as Get-ADUser -Properties shows them, for an
    objectGUID, UPN or sAMAccountName.

    .EXAMPLE
    Get-SoaSimulatedAdUser -Org $org alice@contoso.com | Select-Object extensionAttribute1, proxyAddresses
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedAdUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'ObjectGuid', 'SamAccountName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity
    )

    process {
        foreach ($item in $Identity) {
            try {
                $attributes = [ExchangeSoa.Api]::AdAttributes($Org.Handle, $item)
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                continue
            }
            ConvertTo-SimulatedAdUserObject -Identity $item -ObjectGuid $null -AttributesJson $attributes
        }
    }
}
