function Get-SoaRollbackLoss {
    <#
    .SYNOPSIS
    Gets the cloud values that rolling a mailbox back to on-premises management would lose.

    .DESCRIPTION
    When IsExchangeCloudManaged goes back to false, the next sync overwrites the cloud's
    exchange attributes with AD's. Give the cloud values and the AD values (hashtables or objects
    from attribute names to values; any catalog name) and get the values that would be lost.

    .EXAMPLE
    Get-SoaRollbackLoss -CloudValue @{ CustomAttribute1 = 'new' } -AdValue @{ extensionAttribute1 = 'old' }
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.RollbackLoss')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNull()]
        [object] $CloudValue,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [ValidateNotNull()]
        [object] $AdValue = @{},

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsDirSynced')]
        [bool] $DirSynced = $true,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsExchangeCloudManaged')]
        [bool] $CloudManaged = $true,

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
        try {
            $cloudJson = ConvertTo-ValueMapJson -InputObject $CloudValue -ParameterName 'CloudValue'
            $adJson = ConvertTo-ValueMapJson -InputObject $AdValue -ParameterName 'AdValue'
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-InvalidArgumentRecord -ErrorId 'ValuesNotAMap' -TargetObject $CloudValue -Message $_.Exception.Message))
            return
        }
        try {
            $state = ConvertTo-StateJson -DirSynced $DirSynced -CloudManaged $CloudManaged -RecipientType $RecipientType
            $loss = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::RollbackLoss($catalog, $state, $cloudJson, $adJson))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $CloudValue))
            return
        }
        ConvertTo-RollbackLossObject -Loss $loss
    }
}
