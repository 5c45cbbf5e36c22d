function Get-SoaUser {
    <#
    .SYNOPSIS
    Gets users, as Get-User does, through a session (a tenant or a simulated organization).

    .DESCRIPTION
    Writes the user's identity attributes (DisplayName, Title, Department, ...), which stay
    mastered in AD for a dir-synced user whatever IsExchangeCloudManaged says.

    .EXAMPLE
    Get-SoaUser -Session $s alice@contoso.com
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.User')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity
    )

    process {
        foreach ($item in $Identity) {
            try {
                $user = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::GetUser($Session.Backend, $item))
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                continue
            }
            Add-ObjectTypeName -InputObject $user -TypeName 'ExchangeSoa.User'
        }
    }
}
