function Set-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Changes attributes of an on-premises AD account in a simulated organization.

    .DESCRIPTION
    As Set-ADUser -Replace/-Clear (or what Set-RemoteMailbox writes): keys are any catalog name
    with an AD attribute. Moves whenChanged. The change reaches the cloud at the next sync cycle,
    except Exchange attributes of a cloud-managed mailbox, which no longer sync.

    .EXAMPLE
    Set-SoaSimulatedAdUser -Org $org alice@contoso.com -Replace @{ extensionAttribute1 = 'Finance' } -Clear extensionAttribute2
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SimulatedAdUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'ObjectGuid', 'SamAccountName')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [System.Collections.IDictionary] $Replace,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Clear,

        [Parameter()]
        [switch] $PassThru
    )

    process {
        if (-not ($PSBoundParameters.ContainsKey('Replace') -or $PSBoundParameters.ContainsKey('Clear'))) {
            Write-Warning -Message "Set-SoaSimulatedAdUser: nothing to change on '$Identity'; give -Replace or -Clear."
            return
        }
        $changes = ConvertTo-ChangeMap -Values $Replace -Clear $Clear
        if (-not $PSCmdlet.ShouldProcess($Identity, "Set-ADUser: $(@($changes.Keys) -join ', ')")) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetAdAttributes($Org.Handle, $Identity, (ConvertTo-CompactJson -InputObject $changes))
            if ($PassThru) {
                $attributes = [ExchangeSoa.Api]::AdAttributes($Org.Handle, $Identity)
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        if ($PassThru) {
            ConvertTo-SimulatedAdUserObject -Identity $Identity -ObjectGuid $null -AttributesJson $attributes
        }
    }
}
