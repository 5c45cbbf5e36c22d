function New-SoaSimulatedMailbox {
    <#
    .SYNOPSIS
    Creates a cloud-only mailbox in a simulated organization, as New-Mailbox does.

    .DESCRIPTION
    The mailbox is not dir-synced: its Exchange attributes are mastered in Exchange Online from the
    start. Writes the new mailbox.

    .EXAMPLE
    New-SoaSimulatedMailbox -Org $org -UserPrincipalName shared@contoso.com -RecipientType SharedMailbox
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.SimulatedMailbox')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $UserPrincipalName,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string] $RecipientType = 'UserMailbox'
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($UserPrincipalName, "Create a cloud-only $RecipientType")) {
            return
        }
        $backend = $null
        try {
            $id = [ExchangeSoa.Api]::AddCloudMailbox($Org.Handle, $UserPrincipalName, $RecipientType)
            $backend = [ExchangeSoa.Api]::BackendFromSim($Org.Handle)
            $mailbox = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::GetMailbox($backend, $id))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $UserPrincipalName))
            return
        }
        finally {
            if ($null -ne $backend) {
                $backend.Dispose()
            }
        }
        ConvertTo-SimulatedMailboxObject -Mailbox $mailbox
    }
}
