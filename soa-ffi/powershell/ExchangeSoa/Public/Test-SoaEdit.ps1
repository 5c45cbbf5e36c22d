function Test-SoaEdit {
    <#
    .SYNOPSIS
    Tests whether an edit, made where you plan to make it, will stick.

    .DESCRIPTION
    Decides a proposed edit for a mailbox in a state: whether it is allowed where proposed, where
    the attribute is mastered, the command that makes the edit there (values safely quoted),
    and whether AD will see the new value (directly, through Cloud Sync writeback, or never).
    An invalid value (a bad proxy address set, a non-Boolean for a Boolean attribute) is an error.

    .PARAMETER Location
    Where the edit would be made: ExchangeOnline (Set-Mailbox), OnPremisesExchange
    (Set-RemoteMailbox) or ActiveDirectory (Set-ADUser, ADSI Edit, an identity tool).

    .PARAMETER DirSynced
    Whether the user is synchronized from AD (default $true).

    .PARAMETER CloudManaged
    Whether the mailbox's IsExchangeCloudManaged is true (default $false).

    .EXAMPLE
    Test-SoaEdit -Attribute extensionAttribute1 -Value 'Sales' -Location ActiveDirectory -CloudManaged $true
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.EditDecision')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Name')]
        [ValidateNotNullOrEmpty()]
        [string] $Attribute,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [AllowNull()]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [object] $Value,

        [Parameter(Mandatory, Position = 2, ValueFromPipelineByPropertyName)]
        [ValidateSet('ExchangeOnline', 'OnPremisesExchange', 'ActiveDirectory')]
        [string] $Location,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $Identity,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsExchangeCloudManaged')]
        [bool] $CloudManaged = $false,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsDirSynced')]
        [bool] $DirSynced = $true,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [string] $RecipientType,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        $catalog = Get-CommandCatalog -Cmdlet $PSCmdlet -OverridePath $OverridePath
        $locations = @{
            ExchangeOnline     = 'exchange_online'
            OnPremisesExchange = 'on_premises_exchange'
            ActiveDirectory    = 'active_directory'
        }
    }

    process {
        $identityValue = ConvertTo-NullIfEmpty -Text $Identity
        $edit = [ordered]@{
            attribute = $Attribute
            value     = $Value
            location  = $locations[$Location]
            identity  = $identityValue
        }
        try {
            $state = ConvertTo-StateJson -DirSynced $DirSynced -CloudManaged $CloudManaged -RecipientType $RecipientType
            $decision = [ExchangeSoa.Api]::DecideEdit($catalog, $state, (ConvertTo-CompactJson -InputObject $edit)) | ConvertFrom-Json
            [pscustomobject]@{
                PSTypeName   = 'ExchangeSoa.EditDecision'
                Attribute    = $decision.attribute
                Class        = $decision.class
                Location     = $Location
                Identity     = $identityValue
                Allowed      = [bool]$decision.allowed
                Authority    = $decision.authority
                Tool         = $decision.tool
                AdVisibility = $decision.ad_visibility
                WrittenBack  = [bool]$decision.written_back
                Reason       = $decision.reason
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Attribute))
        }
    }
}
