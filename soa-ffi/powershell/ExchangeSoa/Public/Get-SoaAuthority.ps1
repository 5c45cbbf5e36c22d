function Get-SoaAuthority {
    <#
    .SYNOPSIS
    Gets where an attribute is mastered for a mailbox in a given state.

    .DESCRIPTION
    Writes who masters the attribute: on_premises_ad, exchange_online or entra_id. Identity
    attributes of a dir-synced user stay in AD; exchange attributes follow IsExchangeCloudManaged;
    cloud-only settings are always in Exchange Online. Pipe Get-Mailbox output to take the state
    from the mailbox (IsDirSynced, IsExchangeCloudManaged, RecipientTypeDetails).

    .EXAMPLE
    Get-SoaAuthority -Attribute proxyAddresses -DirSynced $true -CloudManaged $true

    .EXAMPLE
    Get-Mailbox alice | Get-SoaAuthority -Attribute CustomAttribute1, displayName
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Authority')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [Alias('Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Attribute,

        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('IsDirSynced')]
        [bool] $DirSynced,

        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('IsExchangeCloudManaged')]
        [bool] $CloudManaged,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [string] $RecipientType,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        $catalog = Get-CommandCatalog -Cmdlet $PSCmdlet -OverridePath $OverridePath
    }

    process {
        $state = ConvertTo-StateJson -DirSynced $DirSynced -CloudManaged $CloudManaged -RecipientType $RecipientType
        foreach ($name in $Attribute) {
            try {
                $row = [ExchangeSoa.Api]::Lookup($catalog, $name) | ConvertFrom-Json
                $authority = [ExchangeSoa.Api]::Master($catalog, $state, $name) | ConvertFrom-Json
                [pscustomobject]@{
                    PSTypeName    = 'ExchangeSoa.Authority'
                    Attribute     = $row.name
                    Class         = $row.class
                    Authority     = $authority
                    DirSynced     = $DirSynced
                    CloudManaged  = $CloudManaged
                    RecipientType = $RecipientType
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $name))
            }
        }
    }
}
