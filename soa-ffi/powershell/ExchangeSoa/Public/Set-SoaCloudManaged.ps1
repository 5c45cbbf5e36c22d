function Set-SoaCloudManaged {
    <#
    .SYNOPSIS
    Sets IsExchangeCloudManaged of a mailbox through a session (a tenant or a simulated organization).

    .DESCRIPTION
    True moves the source of authority of the mailbox's Exchange attributes to Exchange Online;
    False moves it back to AD, and the next sync overwrites the cloud values with AD's (see
    Get-SoaRollbackLoss and Undo-SoaTransfer, which report that loss first). The flag is changed in
    a call of its own. Asks for confirmation unless -Force or -Confirm:$false is given.

    .EXAMPLE
    Set-SoaCloudManaged -Session $s -Identity alice@contoso.com -Enabled $true -Force -PassThru
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.Mailbox')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter(Mandatory)]
        [bool] $Enabled,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [switch] $PassThru
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
        $action = "Set IsExchangeCloudManaged to $Enabled (the next sync overwrites cloud values with AD values when False)"
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, $action)) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetCloudManaged($Session.Backend, $Identity, $Enabled)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        if ($PassThru) {
            Get-SoaMailbox -Session $Session -Identity $Identity
        }
    }
}
