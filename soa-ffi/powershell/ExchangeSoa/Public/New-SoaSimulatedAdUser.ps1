function New-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Creates an on-premises AD account in a simulated organization.

    .DESCRIPTION
    As New-ADUser, and with -RemoteMailbox as New-RemoteMailbox too (which sets
    msExchRecipientTypeDetails, mailNickname, proxyAddresses and mail unless given). The account
    reaches the cloud at the next sync cycle. Writes the account, with its objectGUID.

    .PARAMETER Attribute
    Attributes by any catalog name (displayName, extensionAttribute1, proxyAddresses, ...).

    .PARAMETER RemoteMailbox
    The Exchange recipient to provision on-premises: RemoteUserMailbox, RemoteSharedMailbox, ...

    .EXAMPLE
    New-SoaSimulatedAdUser -Org $org alice@contoso.com -Attribute @{ displayName = 'Alice'; extensionAttribute1 = 'Sales' } -RemoteMailbox RemoteUserMailbox
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.SimulatedAdUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $UserPrincipalName,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $SamAccountName,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('OtherAttributes')]
        [System.Collections.IDictionary] $Attribute,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $RemoteMailbox
    )

    process {
        $user = [ordered]@{
            user_principal_name = $UserPrincipalName
            attributes          = ConvertTo-ChangeMap -Values $Attribute
            sam_account_name    = $SamAccountName
            remote_mailbox      = $RemoteMailbox
        }
        $action = 'New-ADUser'
        if ($PSBoundParameters.ContainsKey('RemoteMailbox')) {
            $action = "New-ADUser and New-RemoteMailbox ($RemoteMailbox)"
        }
        if (-not $PSCmdlet.ShouldProcess($UserPrincipalName, $action)) {
            return
        }
        try {
            $guid = [ExchangeSoa.Api]::AddAdUser($Org.Handle, (ConvertTo-CompactJson -InputObject $user -OmitEmpty))
            $attributes = [ExchangeSoa.Api]::AdAttributes($Org.Handle, $guid)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $UserPrincipalName))
            return
        }
        ConvertTo-SimulatedAdUserObject -Identity $UserPrincipalName -ObjectGuid $guid -AttributesJson $attributes
    }
}
